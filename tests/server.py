"""One way to run the app for the end-to-end tests and the benchmarks: `streamlit run` on a free local port.

    with AppServer("dashboard/app.py", "--data", "big.geojson", log=folder / "server.log") as server:
        page.goto(server.url)
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]


def status_mib(pid: int, field: str) -> float | None:
    """Return a process's memory figure from /proc/PID/status (VmRSS, VmHWM…) in MiB; None if it has none."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServerError(RuntimeError):
    """The app did not start; the message ends with its log."""


class AppServer:
    """`streamlit run SCRIPT -- APP_ARGS` on 127.0.0.1, from the project root, until stopped.

    `url` is the base URL without a trailing slash. Starting waits for Streamlit's health check and
    the page itself; a server that exits or does not answer within `timeout` raises AppServerError.
    """

    def __init__(self, script: str = "dashboard/app.py", *app_args: str, log: Path, timeout: float = 60.0,
                 launcher: bool = False, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        # With `launcher`, `python -m dashboard` (dashboard/app.py, its --data read as the server starts).
        start = [sys.executable, "-m", "dashboard"] if launcher else [sys.executable, "-m", "streamlit", "run", script]
        command = [
            *start, "--server.headless", "true",
            "--server.port", str(self.port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false", "--", *app_args,
        ]
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = log.open("wb")
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AppServerError(f"{script} did not start on {self.url}:\n{self.log()[-3000:]}")
            time.sleep(0.3)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as health:
                if health.status != 200:
                    return False
            with urllib.request.urlopen(self.url + "/", timeout=2) as page:
                return page.status == 200
        except OSError:
            return False

    def log(self) -> str:
        """Return what the server printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def peak_rss_mb(self) -> float:
        """Return the server's peak resident set size (VmHWM) in MiB."""
        peak = status_mib(self.process.pid, "VmHWM")
        return float("nan") if peak is None else peak

    def helpers_peak_rss_mb(self) -> float:
        """Return the summed peak resident set sizes (VmHWM) of the server's child processes (its reading helper)."""
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:  # the parent's pid, after the state
                    total += status_mib(int(stat.parent.name), "VmHWM") or 0.0
            except (OSError, IndexError, ValueError):
                continue  # a process that ended meanwhile
        return total

    def stop(self) -> None:
        """Stop the server (killed if it does not stop within 10 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()

    def __enter__(self) -> AppServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.stop()
