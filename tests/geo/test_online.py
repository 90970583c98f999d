"""Tests of geo.online against a scripted local Nominatim stub: nothing here touches the internet."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopy
import pytest
from filelock import FileLock
from geopy.distance import geodesic
from geopy.exc import (
    ConfigurationError,
    GeocoderInsufficientPrivileges,
    GeocoderRateLimited,
)
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from hypothesis import given, settings
from hypothesis import strategies as st

# The project is not installed; make `geo` and `tests` importable however pytest is started.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo import online  # noqa: E402
from geo.online import (  # noqa: E402
    CACHE_FORMAT,
    CachedNominatim,
    FallbackGeocoder,
    GeocodeCacheWarning,
    OnlineGeocodingWarning,
    default_cache_path,
    make_geocoder,
    normalize_query,
    place_to_location,
    precision_of,
    radius_from_bbox,
)
from tests.geo.nominatim_stub import (  # noqa: E402
    NominatimStub,
    Reply,
    found,
    malformed,
    not_found,
    place,
    slow,
    status,
)

# Any warning from this module that a test does not expect is a failure.
pytestmark = [
    pytest.mark.filterwarnings("error::geo.online.OnlineGeocodingWarning"),
    pytest.mark.filterwarnings("error::geo.online.GeocodeCacheWarning"),
]



@pytest.fixture(autouse=True)
def _no_internet(request: pytest.FixtureRequest) -> None:
    """Use the project's network guard (tests/conftest.py) when it is there: only 127.0.0.1 is reachable."""
    try:
        request.getfixturevalue("no_internet")
    except pytest.FixtureLookupError:
        pass


UA = "sourced-incident-map/0.1 (+tests@example.org)"

PODIL = Location(
    "Podilskyi district, Kyiv",
    (50.4676, 30.5120),
    {
        "id": "gazetteer:kyiv/podilskyi",
        "name": "Podilskyi district",
        "precision": "district",
        "radius_m": 2500,
        "matched": "Podil",
        "source": "gazetteer",
    },
)


class FakeGazetteer(Geocoder):
    """A tiny offline geocoder: a dict from case-folded query to Location."""

    def __init__(self, places: dict[str, Location] | None = None) -> None:
        super().__init__()
        self.places = {"podil": PODIL} if places is None else places
        self.calls: list[str] = []

    def geocode(self, query: str, exactly_one: bool = True) -> Location | list[Location] | None:
        self.calls.append(query)
        location = self.places.get(query.casefold())
        if location is None:
            return None
        return location if exactly_one else [location]


@pytest.fixture
def stub() -> Iterator[NominatimStub]:
    with NominatimStub() as server:
        yield server


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "nominatim.json"


def client(stub: NominatimStub | str, cache_path: Path, **overrides: Any) -> CachedNominatim:
    """Return a CachedNominatim pointed at the stub, fast by default."""
    options: dict[str, Any] = {
        "user_agent": UA,
        "cache_path": cache_path,
        "domain": stub if isinstance(stub, str) else stub.domain,
        "scheme": "http",
        "timeout": 3,
        "min_delay_seconds": 0.0,
        "error_wait_seconds": 0.02,
        "max_retries": 2,
    }
    options.update(overrides)
    return CachedNominatim(**options)


# --- conversion -------------------------------------------------------------


def test_hit_converts_to_location_with_raw_fields(stub: NominatimStub, cache_path: Path) -> None:
    stub.script(found(place()))
    location = client(stub, cache_path).geocode("Kyiv")

    assert isinstance(location, Location)
    assert location.latitude == pytest.approx(50.4500336)
    assert location.longitude == pytest.approx(30.5241361)
    assert location.address == "Kyiv, Ukraine"
    raw = location.raw
    assert raw["id"] == "nominatim:relation/421866"
    assert raw["name"] == "Kyiv"
    assert (raw["lat"], raw["lon"]) == (location.latitude, location.longitude)
    assert raw["precision"] == "city"
    assert raw["matched"] == "Kyiv"
    assert raw["source"] == "nominatim"
    assert "OpenStreetMap" in raw["attribution"]
    half_diagonal = geodesic((50.2132422, 30.2394401), (50.5909867, 30.8259527)).meters / 2
    assert raw["radius_m"] == pytest.approx(half_diagonal, abs=0.1)
    assert 25_000 < raw["radius_m"] < 35_000

    # What geopy actually asks for: the /search endpoint in format=json, one result.
    [request] = stub.requests
    assert request.path == "/search"
    assert request.params == {"q": "Kyiv", "format": "json", "limit": "1"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"addresstype": "house", "class": "place", "type": "house"}, "point"),
        ({"addresstype": "building", "class": "building", "type": "yes"}, "point"),
        ({"addresstype": "amenity", "class": "amenity", "type": "hospital"}, "site"),
        ({"addresstype": "shop", "class": "shop", "type": "supermarket"}, "site"),
        ({"addresstype": "suburb", "class": "place", "type": "suburb"}, "neighbourhood"),
        ({"addresstype": "neighbourhood", "class": "place", "type": "neighbourhood"}, "neighbourhood"),
        ({"addresstype": "city_district", "class": "boundary", "type": "administrative"}, "district"),
        ({"addresstype": "borough", "class": "boundary", "type": "administrative"}, "district"),
        ({"addresstype": "city", "class": "boundary", "type": "administrative"}, "city"),
        ({"addresstype": "town", "class": "place", "type": "town"}, "city"),
        ({"addresstype": "village", "class": "place", "type": "village"}, "city"),
        ({"addresstype": "state", "class": "boundary", "type": "administrative"}, "region"),
        ({"addresstype": "region", "class": "boundary", "type": "administrative"}, "region"),
        ({"addresstype": "country", "class": "boundary", "type": "administrative"}, "country"),
        # Older servers send no addresstype: class/type decide.
        ({"class": "place", "type": "town"}, "city"),
        ({"class": "building", "type": "apartments"}, "point"),
        ({"class": "amenity", "type": "school"}, "site"),
        ({"category": "amenity", "type": "school"}, "site"),  # format=jsonv2 spelling
        # Nothing recognisable: Nominatim's search rank decides.
        ({"class": "boundary", "type": "administrative", "place_rank": 8}, "region"),
        ({"class": "boundary", "type": "administrative", "place_rank": 4}, "country"),
        ({"class": "unknown", "type": "unknown"}, None),
    ],
)
def test_precision_from_addresstype_class_type(fields: dict[str, Any], expected: str | None) -> None:
    assert precision_of(fields) == expected


def test_radius_minimum_and_fallbacks() -> None:
    # A point-sized bounding box still gets the 10 m floor.
    assert radius_from_bbox(["50.45", "50.45", "30.52", "30.52"]) == 10.0
    assert radius_from_bbox(None) is None
    assert radius_from_bbox(["a", "b", "c", "d"]) is None
    assert radius_from_bbox(["95", "96", "0", "1"]) is None

    no_box = place_to_location(place(boundingbox=[], addresstype="suburb"), "Podil")
    assert no_box.raw["precision"] == "neighbourhood"
    assert no_box.raw["radius_m"] == 1000.0
    # Unknown type but a box: the box's size sets the precision.
    unknown = place(
        osm_class="x", osm_type_tag="y", addresstype=None, boundingbox=["50.0", "50.001", "30.0", "30.001"]
    )
    del unknown["place_rank"]
    assert place_to_location(unknown, "q").raw["precision"] == "site"


def test_malformed_result_is_rejected() -> None:
    with pytest.raises(ValueError):
        place_to_location({"lat": "x", "lon": "1", "osm_type": "node", "osm_id": 1}, "q")
    with pytest.raises(ValueError):
        place_to_location({"lat": "1", "lon": "1"}, "q")  # no identifier


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-90, 90),
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.floats(-180, 180),
)
def test_radius_is_finite_and_at_least_10m(s: float, n: float, w: float, e: float) -> None:
    radius = radius_from_bbox([str(s), str(n), str(w), str(e)])
    assert radius is not None
    assert 10.0 <= radius < 21_000_000  # never more than half the earth's circumference


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_normalize_query_is_idempotent(text: str) -> None:
    key = normalize_query(text)
    assert normalize_query(key) == key
    assert key == key.strip()


# --- cache ------------------------------------------------------------------


def test_cache_persists_across_instances(stub: NominatimStub, cache_path: Path) -> None:
    stub.script(found(place()))
    first = client(stub, cache_path).geocode("Kyiv")
    assert len(stub.requests) == 1

    second_client = client(stub, cache_path)
    again = second_client.geocode("  KYIV ")  # same normalised key
    assert len(stub.requests) == 1  # no new HTTP request
    assert second_client.requests_sent == 0
    assert again is not None and first is not None
    assert again.point == first.point
    assert again.raw["id"] == first.raw["id"]
    assert again.raw["matched"] == "  KYIV "

    document = json.loads(cache_path.read_text(encoding="utf-8"))
    assert document["format"] == CACHE_FORMAT
    assert list(document["entries"]) == ["kyiv"]
    leftovers = {p.name for p in cache_path.parent.iterdir()} - {cache_path.name, f"{cache_path.name}.lock"}
    assert not leftovers  # no temp files left


def test_not_found_is_cached_too(stub: NominatimStub, cache_path: Path) -> None:
    stub.script(not_found())
    assert client(stub, cache_path).geocode("Nowhere at all") is None
    assert client(stub, cache_path).geocode("nowhere at all") is None
    assert len(stub.requests) == 1


def test_not_found_expires(stub: NominatimStub, cache_path: Path) -> None:
    geocoder = client(stub, cache_path, negative_ttl_seconds=0.0)
    assert geocoder.geocode("Nowhere") is None
    time.sleep(0.01)
    assert geocoder.geocode("Nowhere") is None
    assert len(stub.requests) == 2


def cache_file(entries: dict[str, Any]) -> bytes:
    """Return the bytes of a cache file holding ``entries`` (NaN and Infinity written as Python's json writes them)."""
    return json.dumps({"format": CACHE_FORMAT, "version": 1, "entries": entries}).encode()


def nested(depth: int) -> list[Any]:
    """Return a list nested ``depth`` levels deep."""
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def not_found_at(fetched_at: Any) -> bytes:
    """Return a cache file whose "not found" entry for Kyiv was fetched at ``fetched_at``."""
    return cache_file({"kyiv": {"query": "Kyiv", "fetched_at": fetched_at, "result": None}})


DEEP = 100_000  # far past the recursion limit of json (and of any recursive check)


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[]",
        json.dumps({"format": CACHE_FORMAT, "version": 999, "entries": {}}).encode(),
        json.dumps({"format": CACHE_FORMAT, "version": 1, "entries": []}).encode(),
        json.dumps(
            {
                "format": CACHE_FORMAT,
                "version": 1,
                "entries": {"kyiv": {"query": "Kyiv", "fetched_at": 0, "result": {"lat": "nope"}}},
            }
        ).encode(),
        b"[" * DEEP + b"]" * DEEP,
        cache_file({"kyiv": {"query": "Kyiv", "fetched_at": 0, "result": {**place(), "extratags": "DEEP"}}}).replace(
            b'"DEEP"', b"{\"a\": " * DEEP + b"1" + b"}" * DEEP
        ),
        # Parsable, but nested deeper than any Nominatim result: saving it again could hit the recursion limit.
        cache_file({"kyiv": {"query": "Kyiv", "fetched_at": 0, "result": {**place(), "extratags": nested(200)}}}),
        cache_file({"kyiv": {"query": "Kyiv", "fetched_at": 0, "result": None, "note": nested(200)}}),
        # A "not found" that never expires: json reads NaN and Infinity, and 1e300 is finite but never comes.
        not_found_at(float("nan")),
        not_found_at(float("inf")),
        not_found_at(float("-inf")),
        not_found_at(1e300),
        not_found_at(time.time() + 365 * 24 * 3600),
        not_found_at(10**400),  # an int too large for a float
        not_found_at(-1.0),
        cache_file({"kyiv": {"query": "Kyiv", "fetched_at": 0, "result": {**place(), "lat": 10**400}}}),
    ],
    ids=[
        "bad-json", "bad-utf8", "list", "wrong-version", "entries-list", "bad-entry",
        "deep-json", "deep-entry", "nested-result", "nested-entry",
        "nan-time", "inf-time", "minus-inf-time", "huge-time", "next-year-time", "huge-int-time", "negative-time",
        "huge-int-lat",
    ],
)
def test_corrupted_cache_is_set_aside_and_rebuilt(
    stub: NominatimStub, cache_path: Path, content: bytes
) -> None:
    cache_path.parent.mkdir(parents=True)
    cache_path.write_bytes(content)

    with pytest.warns(GeocodeCacheWarning, match="starting an empty cache"):
        geocoder = client(stub, cache_path)
    [aside] = cache_path.parent.glob("nominatim.json.corrupt-*")
    assert aside.read_bytes() == content  # kept for inspection, never trusted

    stub.script(found(place()))
    location = geocoder.geocode("Kyiv")
    assert location is not None and location.raw["source"] == "nominatim"
    assert len(stub.requests) == 1  # the bad entry was not used

    # The rebuilt file is valid: a new instance loads it silently and needs no request.
    assert client(stub, cache_path).geocode("Kyiv") is not None
    assert len(stub.requests) == 1


@pytest.mark.parametrize("crash_in", ["replace", "fsync"])
def test_crash_mid_write_leaves_old_cache_intact(
    stub: NominatimStub, cache_path: Path, monkeypatch: pytest.MonkeyPatch, crash_in: str
) -> None:
    stub.script(found(place()), found(place("Podil", osm_id=2, addresstype="suburb")))
    geocoder = client(stub, cache_path)
    geocoder.geocode("Kyiv")
    before = cache_path.read_bytes()

    def crash(*args: Any, **kwargs: Any) -> None:
        raise OSError("simulated crash mid-write")

    monkeypatch.setattr(os, crash_in, crash)
    with pytest.warns(GeocodeCacheWarning, match="could not write"):
        podil = geocoder.geocode("Podil")
    monkeypatch.undo()

    assert podil is not None and podil.raw["name"] == "Podil"  # the lookup itself still succeeds
    assert cache_path.read_bytes() == before
    assert {p.name for p in cache_path.parent.iterdir()} <= {"nominatim.json", "nominatim.json.lock"}  # temp file removed
    reloaded = client(stub, cache_path)  # loads without any warning (see pytestmark)
    assert reloaded.cached("Kyiv")
    assert not reloaded.cached("Podil")


def test_two_instances_sharing_a_cache_keep_each_others_entries(stub: NominatimStub, cache_path: Path) -> None:
    stub.script(found(place()), found(place("Podil", osm_id=2, addresstype="suburb")))
    first, second = client(stub, cache_path), client(stub, cache_path)  # both load the same (empty) cache
    first.geocode("Kyiv")
    second.geocode("Podil")  # must not overwrite what first saved meanwhile

    def saved() -> set[str]:
        return set(json.loads(cache_path.read_text(encoding="utf-8"))["entries"])

    assert saved() == {"kyiv", "podil"}
    third = client(stub, cache_path)
    assert third.cached("Kyiv") and third.cached("Podil")

    first.geocode("Odesa")
    assert saved() == {"kyiv", "podil", "odesa"}
    assert first.cached("Podil")  # what was on disk is merged in on saving
    assert len(stub.requests) == 3


def test_merging_keeps_the_newer_entry_of_a_key(stub: NominatimStub, cache_path: Path) -> None:
    cache_path.parent.mkdir(parents=True)
    cache_path.write_bytes(not_found_at(time.time() - 3600))  # "Kyiv: not found", an hour ago
    stale = client(stub, cache_path)
    assert stale.cached("Kyiv")

    stub.script(found(place()))
    fresh = client(stub, cache_path, negative_ttl_seconds=60.0)  # the old "not found" has expired for it
    assert fresh.geocode("Kyiv") is not None

    stale.geocode("Odesa")  # stale saves again, still holding its older "not found" for Kyiv
    entries = json.loads(cache_path.read_text(encoding="utf-8"))["entries"]
    assert set(entries) == {"kyiv", "odesa"}
    assert entries["kyiv"]["result"] is not None  # the newer answer won
    assert stale.geocode("Kyiv") is not None  # and stale has it now too, without a request
    assert len(stub.requests) == 2


def _geocode_in_a_process(cache_path: str, domain: str, queries: list[str], barrier: Any) -> None:
    """Body of a process of test_two_processes_sharing_a_cache_keep_each_others_entries."""
    warnings.simplefilter("error", GeocodeCacheWarning)
    geocoder = CachedNominatim(
        user_agent=UA, cache_path=cache_path, domain=domain, scheme="http", timeout=3, min_delay_seconds=0.0
    )
    barrier.wait(timeout=60)  # both have loaded the cache before either saves
    for query in queries:
        geocoder.geocode(query)


def test_two_processes_sharing_a_cache_keep_each_others_entries(stub: NominatimStub, cache_path: Path) -> None:
    # spawn, not fork: this process runs the stub's server threads.
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    queries = [[f"{side} place {n}" for n in range(8)] for side in ("east", "west")]
    processes = [
        context.Process(target=_geocode_in_a_process, args=(str(cache_path), stub.domain, mine, barrier))
        for mine in queries
    ]
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.join(timeout=120)
        assert [process.exitcode for process in processes] == [0, 0]
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()

    entries = json.loads(cache_path.read_text(encoding="utf-8"))["entries"]
    assert set(entries) == {normalize_query(query) for mine in queries for query in mine}
    assert len(stub.requests) == 16


def test_save_waits_for_the_cache_lock(stub: NominatimStub, cache_path: Path) -> None:
    stub.script(found(place()))
    geocoder = client(stub, cache_path)
    cache_path.parent.mkdir(parents=True)
    worker = threading.Thread(target=geocoder.geocode, args=("Kyiv",))
    with FileLock(f"{cache_path}.lock"):  # another process is saving
        worker.start()
        worker.join(0.5)
        assert worker.is_alive()
        assert not cache_path.exists()
    worker.join(10)
    assert not worker.is_alive()
    assert client(stub, cache_path).cached("Kyiv")
    assert len(stub.requests) == 1


def test_save_gives_up_on_a_lock_held_too_long(
    stub: NominatimStub, cache_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(online, "_LOCK_TIMEOUT_SECONDS", 0.2)
    stub.script(found(place()))
    geocoder = client(stub, cache_path)
    cache_path.parent.mkdir(parents=True)
    with FileLock(f"{cache_path}.lock"), pytest.warns(GeocodeCacheWarning, match="could not write"):
        location = geocoder.geocode("Kyiv")
    assert location is not None  # the lookup itself still succeeds
    assert geocoder.cached("Kyiv")
    assert not cache_path.exists()


def test_bad_cache_rewritten_meanwhile_is_not_set_aside(
    stub: NominatimStub, cache_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub.script(found(place()))
    client(stub, cache_path).geocode("Kyiv")
    good = cache_path.read_bytes()
    cache_path.write_bytes(b"[]")
    validate = online._validate_cache

    def validate_then_rewrite(data: Any) -> dict[str, dict[str, Any]]:
        try:
            return validate(data)
        except ValueError:
            cache_path.write_bytes(good)  # another process saves a good cache right after this one read the bad
            raise

    monkeypatch.setattr(online, "_validate_cache", validate_then_rewrite)
    geocoder = client(stub, cache_path)  # no warning (see pytestmark): the good cache is used
    assert geocoder.cached("Kyiv")
    assert cache_path.read_bytes() == good
    assert not list(cache_path.parent.glob("nominatim.json.corrupt-*"))


def test_default_cache_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_path() == tmp_path / "sourced-incident-map" / "nominatim.json"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # invalid per the XDG spec
    assert default_cache_path() == Path.home() / ".cache" / "sourced-incident-map" / "nominatim.json"


# --- policy: User-Agent and rate limit -------------------------------------


def test_user_agent_header_is_sent(stub: NominatimStub, cache_path: Path) -> None:
    stub.script(found(place()))
    client(stub, cache_path).geocode("Kyiv")
    assert stub.requests[0].headers["user-agent"] == UA


@pytest.mark.parametrize(
    "agent", ["", "   ", f"geopy/{geopy.__version__}", "python-requests/2.32.0", "my-application"]
)
def test_stock_user_agent_is_refused(agent: str, cache_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        CachedNominatim(user_agent=agent, cache_path=cache_path)


def test_user_agent_is_required(cache_path: Path) -> None:
    with pytest.raises(TypeError):
        CachedNominatim(cache_path=cache_path)  # type: ignore[call-arg]


def test_defaults_follow_nominatim_policy(cache_path: Path) -> None:
    geocoder = CachedNominatim(user_agent=UA, cache_path=cache_path)  # makes no request
    assert geocoder.min_delay_seconds == 1.0
    assert geocoder.rate_limiter.min_delay_seconds == 1.0
    assert geocoder.nominatim.api == "https://nominatim.openstreetmap.org/search"
    assert not cache_path.exists()  # nothing written until there is something to keep


def test_rate_limit_spaces_requests(stub: NominatimStub, cache_path: Path) -> None:
    delay = 0.2
    geocoder = client(stub, cache_path, min_delay_seconds=delay, error_wait_seconds=delay)
    sent = []
    for query in ("a", "b", "c"):
        sent.append(time.monotonic())
        geocoder.geocode(query)
    sent.append(time.monotonic())
    assert len(stub.requests) == 3
    # Measured where the limiter works, on the client: three requests take at least two delays. (Arrival times
    # at the stub server jitter on a busy machine: one late arrival makes the next gap look short.)
    assert sent[-1] - sent[0] >= 2 * delay - 0.01, sent

    started = time.monotonic()
    for query in ("a", "b", "c"):
        geocoder.geocode(query)  # cache hits take no request slot
    assert time.monotonic() - started < delay
    assert len(stub.requests) == 3


# --- retries ----------------------------------------------------------------


def test_429_then_200_succeeds_after_retry(stub: NominatimStub, cache_path: Path) -> None:
    stub.script(status(429), found(place()))
    location = client(stub, cache_path, error_wait_seconds=0.1).geocode("Kyiv")
    assert location is not None and location.raw["name"] == "Kyiv"
    assert len(stub.requests) == 2
    assert stub.requests[1].at - stub.requests[0].at >= 0.1 - 0.02


def test_backoff_is_exponential(stub: NominatimStub, cache_path: Path) -> None:
    sleeps: list[float] = []
    stub.script(status(500), status(502), status(503), found(place()))
    geocoder = client(stub, cache_path, max_retries=3, error_wait_seconds=0.5, sleep=sleeps.append)
    assert geocoder.geocode("Kyiv") is not None
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(stub.requests) == 4


def test_retry_after_is_honoured(stub: NominatimStub, cache_path: Path) -> None:
    sleeps: list[float] = []
    stub.script(status(429, **{"Retry-After": "7"}), found(place()))
    geocoder = client(stub, cache_path, sleep=sleeps.append)
    started = time.monotonic()
    assert geocoder.geocode("Kyiv") is not None
    assert sleeps == [7.0]  # through our backoff, not slept inside the HTTP library
    assert time.monotonic() - started < 2.0
    assert len(stub.requests) == 2


def test_retry_after_beyond_cap_gives_up_at_once(stub: NominatimStub, cache_path: Path) -> None:
    sleeps: list[float] = []
    stub.script(status(429, **{"Retry-After": "3600"}))
    geocoder = client(stub, cache_path, max_backoff_seconds=30, sleep=sleeps.append)
    started = time.monotonic()
    with pytest.raises(GeocoderRateLimited):
        geocoder.geocode("Kyiv")
    # geopy's default adapter would have slept the full hour in urllib3 here.
    assert time.monotonic() - started < 2.0
    assert sleeps == []
    assert len(stub.requests) == 1


def test_forbidden_is_not_retried(stub: NominatimStub, cache_path: Path) -> None:
    stub.script(status(403))
    with pytest.raises(GeocoderInsufficientPrivileges):
        client(stub, cache_path).geocode("Kyiv")
    assert len(stub.requests) == 1


# --- fallback ---------------------------------------------------------------


def fallback(stub: NominatimStub | str, cache_path: Path, **overrides: Any) -> tuple[FallbackGeocoder, FakeGazetteer]:
    offline = FakeGazetteer()
    return FallbackGeocoder(client(stub, cache_path, **overrides), offline, cooldown_seconds=0), offline


def test_persistent_500_falls_back_with_warning(stub: NominatimStub, cache_path: Path) -> None:
    stub.default = status(500)
    geocoder, offline = fallback(stub, cache_path)
    with pytest.warns(OnlineGeocodingWarning, match="Podil"):
        location = geocoder.geocode("Podil")
    assert location is PODIL  # offline result passes through unchanged
    assert location.raw["source"] == "gazetteer"
    assert offline.calls == ["Podil"]
    assert len(stub.requests) == 3  # 1 try + max_retries=2
    [failure] = geocoder.failures
    assert (failure.query, failure.error, failure.skipped) == ("Podil", "GeocoderServiceError", False)
    assert not geocoder.online.cached("Podil")  # a failure is never cached


def test_timeout_falls_back(stub: NominatimStub, cache_path: Path) -> None:
    stub.script(slow(3.0))
    geocoder, _ = fallback(stub, cache_path, timeout=0.3, max_retries=0)
    started = time.monotonic()
    with pytest.warns(OnlineGeocodingWarning):
        location = geocoder.geocode("Podil")
    assert time.monotonic() - started < 2.0
    assert location is PODIL
    assert geocoder.failures[0].error == "GeocoderTimedOut"


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (malformed(), "GeocoderParseError"),
        (Reply(200, [{"lat": "not a number", "lon": "30"}]), "GeocoderParseError"),
        (Reply(200, {"error": "Nominatim broke"}), "GeocoderQueryError"),
    ],
    ids=["not-json", "wrong-shape", "error-object"],
)
def test_bad_response_falls_back(stub: NominatimStub, cache_path: Path, reply: Reply, error: str) -> None:
    stub.script(reply)
    geocoder, _ = fallback(stub, cache_path)
    with pytest.warns(OnlineGeocodingWarning):
        assert geocoder.geocode("Podil") is PODIL
    assert geocoder.failures[0].error == error
    assert len(stub.requests) == 1  # not worth retrying


@pytest.mark.parametrize(
    "reply",
    [
        found({**place(), "extratags": nested(200)}),
        Reply(200, b"[" * DEEP + b"]" * DEEP),
        Reply(200, b'[{"lat": 1' + b"0" * 400 + b', "lon": 30, "osm_type": "node", "osm_id": 1}]'),
    ],
    ids=["nested-result", "deep-json", "huge-int-lat"],
)
def test_hostile_response_falls_back(stub: NominatimStub, cache_path: Path, reply: Reply) -> None:
    stub.script(reply)
    geocoder, _ = fallback(stub, cache_path)
    with pytest.warns(OnlineGeocodingWarning):
        assert geocoder.geocode("Podil") is PODIL
    assert geocoder.failures[0].error == "GeocoderParseError"
    assert not geocoder.online.cached("Podil")  # never reaches the cache
    assert len(stub.requests) == 1


def test_result_as_deep_as_allowed_is_cached_and_reloads(stub: NominatimStub, cache_path: Path) -> None:
    # What a fresh response may be, a cached entry may hold: else every later run would discard the cache.
    deepest = {**place(), "extratags": nested(online._MAX_RESULT_DEPTH - 1)}
    stub.script(found(deepest))
    assert client(stub, cache_path).geocode("Kyiv") is not None
    assert client(stub, cache_path).cached("Kyiv")  # loads without any warning (see pytestmark)
    assert len(stub.requests) == 1


def test_connection_refused_falls_back(cache_path: Path) -> None:
    with socket.socket() as sock:  # a port that nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    geocoder, _ = fallback(f"127.0.0.1:{port}", cache_path)
    with pytest.warns(OnlineGeocodingWarning):
        assert geocoder.geocode("Podil") is PODIL
    assert geocoder.failures[0].error == "GeocoderUnavailable"


def test_online_hit_is_used(stub: NominatimStub, cache_path: Path) -> None:
    stub.script(found(place("Podil", addresstype="suburb")))
    geocoder, offline = fallback(stub, cache_path)
    location = geocoder.geocode("Podil")
    assert location is not None and location.raw["source"] == "nominatim"
    assert offline.calls == []
    assert geocoder.failures == []


def test_online_not_found_falls_back_and_says_so(stub: NominatimStub, cache_path: Path) -> None:
    stub.script(not_found())
    geocoder, _ = fallback(stub, cache_path)
    location = geocoder.geocode("Podil")
    assert location is not None
    assert location.raw["source"] == "gazetteer (nominatim: no match)"
    assert location.raw["online_miss"] is True
    assert {k: location.raw[k] for k in ("id", "name", "precision", "radius_m", "matched")} == {
        k: PODIL.raw[k] for k in ("id", "name", "precision", "radius_m", "matched")
    }
    assert PODIL.raw["source"] == "gazetteer"  # the offline geocoder's own object is untouched
    assert geocoder.failures == []  # "not found" is an answer, not a failure
    assert geocoder.geocode("Atlantis") is None  # unknown to both


def test_exactly_one_false(stub: NominatimStub, cache_path: Path) -> None:
    stub.script(found(place()))
    geocoder, _ = fallback(stub, cache_path)
    [kyiv] = geocoder.geocode("Kyiv", exactly_one=False)
    assert kyiv.raw["name"] == "Kyiv"
    [podil] = geocoder.geocode("Podil", exactly_one=False)
    assert podil.raw["source"].startswith("gazetteer")


def test_cooldown_after_failure_skips_the_service(stub: NominatimStub, cache_path: Path) -> None:
    stub.script(found(place()), status(500))
    offline = FakeGazetteer()
    geocoder = FallbackGeocoder(client(stub, cache_path, max_retries=0), offline, cooldown_seconds=60)
    geocoder.geocode("Kyiv")  # cached now
    with pytest.warns(OnlineGeocodingWarning):
        geocoder.geocode("Podil")  # fails: service paused
    assert len(stub.requests) == 2

    with pytest.warns(OnlineGeocodingWarning, match="skipped"):
        assert geocoder.geocode("podil") is PODIL
    assert len(stub.requests) == 2  # left alone while cooling down
    assert geocoder.failures[-1].skipped

    kyiv = geocoder.geocode("Kyiv")  # cache hits need no service
    assert kyiv is not None and kyiv.raw["source"] == "nominatim"


# --- wiring -----------------------------------------------------------------


def test_make_geocoder_is_offline_unless_enabled(stub: NominatimStub, cache_path: Path) -> None:
    offline = FakeGazetteer()
    assert make_geocoder(offline) is offline
    assert make_geocoder(offline, online=False, user_agent=UA) is offline

    geocoder = make_geocoder(
        offline, online=True, user_agent=UA, cache_path=cache_path, domain=stub.domain, scheme="http"
    )
    assert isinstance(geocoder, FallbackGeocoder)
    assert isinstance(geocoder.online, CachedNominatim)
    assert geocoder.offline is offline
    stub.script(found(place()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        location = geocoder.geocode("Kyiv")
    assert location is not None and location.raw["source"] == "nominatim"


def test_make_geocoder_online_needs_a_user_agent(cache_path: Path) -> None:
    with pytest.raises(TypeError):
        make_geocoder(FakeGazetteer(), online=True, cache_path=cache_path)
