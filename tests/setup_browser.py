"""Make sure a system Chromium is there for the browser tests: `python -m tests.setup_browser`.

Playwright's own browser download cannot work offline, so the tests drive Debian's
`chromium`. Installs it with apt-get when it is missing and we are root; otherwise
says what to install. Exit status 0 when Chromium is available afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def main() -> int:
    """Install Chromium with apt-get if needed and possible; return 0 when it is there."""
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return 0
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"Chromium not found at {CHROMIUM}; install Debian's 'chromium' package (browser tests need it).",
              file=sys.stderr)
        return 0 if os.environ.get("CI") != "true" else 1
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
    return 0 if os.path.exists(CHROMIUM) else 1


if __name__ == "__main__":
    raise SystemExit(main())
