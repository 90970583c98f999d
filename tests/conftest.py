"""Fixtures shared by every tier: one gazetteer, one catalogue, one bundled dataset, and a guard against the internet.

The tiers: tests/geo/ (the geocoding layer), tests/dashboard/ (the app's logic, AppTest included),
tests/e2e/ (a real server and headless Chromium, marked `browser`). `pytest -m "not browser"` is the fast tier.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# The project is not installed; make `geo` importable however pytest is started.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.gazetteer import Gazetteer  # noqa: E402

# Files the app reads are kept as Parquet between runs (geo.imports.cache): in the tests, in a folder of their
# own, never the user's cache (set here, at import, so that the servers the browser tests start inherit it).
if "SIM_CACHE_DIR" not in os.environ:
    os.environ["SIM_CACHE_DIR"] = tempfile.mkdtemp(prefix="sim-test-cache-")
    atexit.register(shutil.rmtree, os.environ["SIM_CACHE_DIR"], ignore_errors=True)

_LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost"}

# No example database (nothing written into the work tree) and no per-example deadline (CI machines vary).
settings.register_profile("geo-tests", database=None, deadline=None)
settings.load_profile("geo-tests")


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    """The bundled gazetteer, GeoNames fallback included (its index takes a few seconds to build, once)."""
    return Gazetteer.from_data()


@pytest.fixture
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any attempt to open a network connection to a host other than this machine."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address, *args):
        host = address[0] if isinstance(address, tuple) else None
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in _LOCAL_HOSTS:
            raise AssertionError(f"a test tried to reach the network: {address!r}")
        return real_connect(self, address, *args)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def catalogue():
    """The bundled catalogue, loaded once (never mutated: a test that changes one loads its own)."""
    import geo

    return geo.load_catalogue()


@pytest.fixture(scope="session")
def bundled(catalogue):
    """The bundled catalogue as the dashboard's dataset."""
    from dashboard.data import dataset

    return dataset.from_catalogue(catalogue)
