"""`python -m geo`: geocode names, extract mentions, export and validate the catalogue."""

import gc

from .cli import main

status = main()
# The process ends here: the collector's last pass over a dataset's objects (a second and more at 100,000
# rows) would only delay the exit.
gc.freeze()
raise SystemExit(status)
