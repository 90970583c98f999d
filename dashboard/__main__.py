"""Start the dashboard with its data read from the start: ``python -m dashboard [options] [-- --data PATH …]``.

The same as ``streamlit run dashboard/app.py [options] [-- --data PATH …]`` (the same options, the same page),
except that the server begins reading ``--data`` (or $SIM_DATA) as it starts, in the background, instead of when
the first page asks for it. The first page shows that read's progress, or the map if it is done.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    """Start the server on dashboard/app.py with `argv` (Streamlit's options, then ``--`` and the app's)."""
    argv = sys.argv[1:] if argv is None else argv
    from streamlit.web import cli

    from dashboard.data import loaders

    loaders.preload(argv[argv.index("--") + 1:] if "--" in argv else [])
    sys.argv = ["streamlit", "run", str(Path(__file__).with_name("app.py")), *argv]
    cli.main()


if __name__ == "__main__":
    main()
