"""`python -m geo`: geocode names, extract mentions, export and validate the catalogue."""

from .cli import main

raise SystemExit(main())
