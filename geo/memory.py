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

    Measured here on a million-row read: 22-24 s with Arrow's default pool (mimalloc), 14-15 s with malloc's, and
    a peak about 100 MB lower (jemalloc: 16 s). The likely cause: with two allocators, Python's freed memory and
    Arrow's were two heaps that could not use each other's free pages, so each phase took fresh pages, and a fresh
    page costs a fault (on these virtual machines, a slow one). Called once, as geo is imported.
    """
    if not os.environ.get(ARROW_POOL_ENV, "").strip():
        pa.set_memory_pool(pa.system_memory_pool())
    return pa.default_memory_pool().backend_name


@functools.cache
def _libc_trim() -> Callable[[int], int] | None:
    """Return glibc's malloc_trim, or None where the C library is another (musl, macOS, Windows)."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, TypeError):  # TypeError: Windows has no CDLL(None)
        return None


def give_back() -> None:
    """Return the memory freed so far to the system: glibc's free pages, and Arrow's pool's unused ones.

    A million rows' parse frees about half a gigabyte of small Python objects across glibc's heap, and glibc keeps
    the pages; a pool such as mimalloc or jemalloc keeps its own. Given back between phases (with Arrow's pool then
    mimalloc), a million-row read's peak fell by about 270 MB and what it holds after by 400 MB.
    """
    pool = pa.default_memory_pool()
    trim = _libc_trim()
    # Arrow's system pool gives back by trimming malloc's heaps itself: trimmed twice, a trim walked every arena again
    # for nothing (a million ACLED rows' checks give back 27 times: a quarter of a second).
    if trim is not None and pool.backend_name != "system":
        trim(0)
    pool.release_unused()
