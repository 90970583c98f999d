"""Building millions of small objects: the cycle collector paused while it happens, the memory given back after."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import os
from collections.abc import Callable, Iterator

import pyarrow as pa


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector for a block that makes many containers and no reference cycles.

    Imports and synthetic sets make millions of dicts and lists with no cycles; the collector, triggered every
    few hundred new containers, would scan them all again and again (a fifth to two thirds of such a run).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


ARROW_POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"  # Arrow's own setting: "mimalloc", "jemalloc" or "system"


def use_system_allocator() -> str:
    """Have Arrow allocate with the C library's malloc, unless ARROW_DEFAULT_MEMORY_POOL says otherwise; return which.

    Arrow's default pool (mimalloc) made a million-row read 22-24 s here where malloc's took 14-15 s, at a lower
    peak: its freed pages went back to the system and came back as fresh ones, and each fresh page costs a fault
    (on these virtual machines, a slow one); and Python's freed memory and Arrow's were two heaps that could not
    use each other's free pages. Called once, as geo is imported: every Arrow buffer the app makes is in one heap.
    """
    if not os.environ.get(ARROW_POOL_ENV, "").strip():
        pa.set_memory_pool(pa.system_memory_pool())
    return pa.default_memory_pool().backend_name


@functools.cache
def _libc_trim() -> Callable[[int], int] | None:
    """Return glibc's malloc_trim, or None where the C library is another (musl, macOS, Windows)."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return None


def give_back() -> None:
    """Return the memory freed so far to the system: glibc's free pages, and Arrow's pool's unused ones.

    A million rows' parse frees about half a gigabyte of small Python objects across glibc's heap; glibc keeps the
    pages, and Arrow's allocator (mimalloc) cannot reuse them, so each later phase took fresh pages on top. Given back
    between phases, a million-row read's peak fell by about 270 MB and what it holds after by 400 MB.
    """
    trim = _libc_trim()
    if trim is not None:
        trim(0)
    pa.default_memory_pool().release_unused()
