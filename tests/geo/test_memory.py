"""Memory freed by a large read goes back to the system between its phases (geo.give_back)."""

from __future__ import annotations

import os
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
    # Arrow's pool as mimalloc, which keeps freed pages (malloc's gives large buffers back as they are freed)
    env = {**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}
    done = subprocess.run([sys.executable, "-c", FREED_HEAP], capture_output=True, text=True, check=True, env=env)
    before, after = map(float, done.stdout.split())
    assert before - after > 600, (before, after)


@pytest.mark.skipif(_libc_trim() is None or not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_give_back_with_arrows_system_pool_trims_the_heap() -> None:
    """With Arrow's buffers in malloc's heap (geo's default), the pool's own release trims it: glibc's freed heap
    (300 MB of objects) still leaves the process, though give_back no longer trims a second time itself."""
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run([sys.executable, "-c", FREED_HEAP], capture_output=True, text=True, check=True, env=env)
    before, after = map(float, done.stdout.split())
    assert before - after > 250, (before, after)


def test_give_back_without_malloc_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the C library has no malloc_trim (musl, macOS), only Arrow's pool gives back, and nothing fails."""
    import geo
    import geo.memory

    monkeypatch.setattr(geo.memory, "_libc_trim", lambda: None)
    geo.give_back()


@pytest.mark.parametrize(("setting", "expected"), [(None, "system"), ("mimalloc", "mimalloc"), ("  ", "system")])
def test_arrow_allocates_with_malloc_unless_told_otherwise(setting: str | None, expected: str) -> None:
    """Importing geo puts Arrow's buffers in malloc's heap; ARROW_DEFAULT_MEMORY_POOL, when set, still decides."""
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if setting is not None:
        env["ARROW_DEFAULT_MEMORY_POOL"] = setting
    code = "import geo, pyarrow as pa; print(pa.default_memory_pool().backend_name, pa.array(['x']).to_pylist())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.split() == [expected, "['x']"]
