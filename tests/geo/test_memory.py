"""Memory freed by a large read goes back to the system between its phases (geo.give_back)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from geo.memory import _libc_trim

# In a fresh process: 300 MB of objects too big for Python's own small-object allocator (so glibc's heap holds
# them), all freed but the last one, which pins the heap's top so that glibc cannot shrink it on its own.
FREED_HEAP = textwrap.dedent("""
    import pyarrow as pa
    import geo

    def rss_mb():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

    blocks = [bytes(1000) + i.to_bytes(4, "little") for i in range(300_000)]
    last = blocks[-1]
    del blocks
    kept = pa.array([b"x" * 1000] * 200_000)  # Arrow's pool: 200 MB in use, then unused
    del kept
    before = rss_mb()
    geo.give_back()
    print(before, rss_mb())
""")


@pytest.mark.skipif(_libc_trim() is None or not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_give_back_returns_a_freed_heap_to_the_system() -> None:
    """What a phase freed leaves the process's resident memory, from glibc's heap and from Arrow's pool.

    Each of the two alone gave back about 450 MB here; both, about 750 MB.
    """
    done = subprocess.run([sys.executable, "-c", FREED_HEAP], capture_output=True, text=True, check=True)
    before, after = map(float, done.stdout.split())
    assert before - after > 600, (before, after)


def test_give_back_without_malloc_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the C library has no malloc_trim (musl, macOS), only Arrow's pool gives back, and nothing fails."""
    import geo
    import geo.memory

    monkeypatch.setattr(geo.memory, "_libc_trim", lambda: None)
    geo.give_back()
