"""Optional online geocoding through OpenStreetMap's Nominatim, with a disk cache and an offline fallback.

Online geocoding is off unless asked for (:func:`make_geocoder` with ``online=True``).
When it is on, :class:`CachedNominatim` asks a Nominatim server through geopy, at
most one request per second (the public server's usage policy), with a real
User-Agent, retrying transient failures with exponential backoff, and remembers
every answer -- "not found" included -- in a JSON file so a query is sent at most
once; processes sharing the file merge their answers into it under a lock.
:class:`FallbackGeocoder` puts it in front of the offline gazetteer: when the
service fails or knows nothing, the offline answer is used and the failure is
reported (a warning plus an entry in ``failures``) instead of being hidden.

Locations carry the same ``raw`` keys as the offline gazetteer's (id, name,
precision, radius_m, matched, source), so callers need not care where a place came from.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import threading
import time
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock
from geopy.adapters import BaseSyncAdapter, RequestsAdapter, URLLibAdapter
from geopy.distance import geodesic
from geopy.exc import (
    ConfigurationError,
    GeocoderParseError,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location

__all__ = [
    "CACHE_FORMAT",
    "CACHE_VERSION",
    "DEFAULT_DOMAIN",
    "CachedNominatim",
    "FallbackGeocoder",
    "GeocodeCacheWarning",
    "OnlineFailure",
    "OnlineGeocodingWarning",
    "check_user_agent",
    "default_cache_path",
    "make_geocoder",
    "normalize_query",
    "place_to_location",
    "precision_of",
    "radius_from_bbox",
]

DEFAULT_DOMAIN = "nominatim.openstreetmap.org"
CACHE_FORMAT = "sourced-incident-map/nominatim-cache"
CACHE_VERSION = 1
ODBL_ATTRIBUTION = "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright"
MIN_RADIUS_M = 10.0

# Precision levels, finest first; the same words the offline gazetteer uses.
POINT, SITE, NEIGHBOURHOOD, DISTRICT, CITY, REGION, COUNTRY = (
    "point",
    "site",
    "neighbourhood",
    "district",
    "city",
    "region",
    "country",
)

# Nominatim's usage policy forbids stock User-Agents: an anonymous client is the
# first to be blocked, and a block would silently turn every lookup into a fallback.
_STOCK_USER_AGENT_PREFIXES = ("geopy/", "python-requests/", "python-urllib/", "curl/", "wget/")
_SAMPLE_USER_AGENTS = {
    "my-application",
    "my_app/1",
    "my_user_agent/1.0",
    "specify_your_app_name_here",
}

# addresstype (and, for class=place/boundary, type) -> precision. addresstype is
# what Nominatim itself would call the object in an address, so it wins over class.
_TYPE_PRECISION: dict[str, str] = {
    **dict.fromkeys(("house", "building", "house_number"), POINT),
    **dict.fromkeys(
        (
            "amenity", "shop", "tourism", "leisure", "historic", "office", "craft",
            "man_made", "military", "aeroway", "railway", "emergency", "healthcare",
            "club", "road", "isolated_dwelling", "farm", "croft",
        ),
        SITE,
    ),
    **dict.fromkeys(
        ("suburb", "neighbourhood", "quarter", "city_block", "residential", "allotments", "postcode"),
        NEIGHBOURHOOD,
    ),
    **dict.fromkeys(("city_district", "borough", "district", "subdistrict"), DISTRICT),
    **dict.fromkeys(("city", "town", "village", "hamlet", "municipality"), CITY),
    # A county contains cities, so calling it a "district" would overclaim precision.
    **dict.fromkeys(("state", "region", "province", "state_district", "county"), REGION),
    "country": COUNTRY,
}
# OSM main-tag keys whose objects are single facilities or features (class=amenity etc.).
_SITE_CLASSES = frozenset(
    {
        "amenity", "shop", "tourism", "leisure", "historic", "office", "craft", "man_made",
        "military", "aeroway", "railway", "emergency", "healthcare", "club", "highway",
        "public_transport", "power", "bridge", "landuse",
    }
)
# Used only when the bounding box is missing: Nominatim's own assumed extents per rank.
_DEFAULT_RADIUS_M = {
    POINT: MIN_RADIUS_M,
    SITE: 50.0,
    NEIGHBOURHOOD: 1_000.0,
    DISTRICT: 4_000.0,
    CITY: 15_000.0,
    REGION: 100_000.0,
    COUNTRY: 500_000.0,
}

_RETRYABLE = (GeocoderTimedOut, GeocoderRateLimited, GeocoderUnavailable)

# A Nominatim result nests a few levels (a GeoJSON multipolygon, the deepest, about six);
# anything far deeper is hostile, and writing it back could exceed the recursion limit.
_MAX_RESULT_DEPTH = 32
# How far ahead of this clock a cached fetched_at may be (clocks get corrected). Beyond
# that it is not a time this cache wrote, and a "not found" from then would never expire.
_CLOCK_SKEW_SECONDS = 24 * 3600.0
# How long a save waits for another process's save; after that it gives up with a warning.
_LOCK_TIMEOUT_SECONDS = 10.0


def _adapter_without_hidden_retries() -> Callable[..., BaseSyncAdapter]:
    """Return a geopy adapter factory that never retries on its own."""
    # geopy's default RequestsAdapter mounts urllib3 with max_retries=2, and urllib3
    # then silently re-sends 429/503 answers after sleeping for their Retry-After,
    # however long (an hour, if asked): outside the rate limiter, the backoff and the
    # timeout. All retrying is done in CachedNominatim._fetch instead.
    if RequestsAdapter.is_available:
        return partial(RequestsAdapter, max_retries=0)
    return URLLibAdapter  # urllib never retries


class OnlineGeocodingWarning(UserWarning):
    """The online geocoder failed and the offline answer was used instead."""


class GeocodeCacheWarning(UserWarning):
    """The on-disk geocoding cache was unreadable, invalid or could not be written."""


class SupportsGeocode(Protocol):
    """Anything with geopy's ``geocode(query, exactly_one=...)``."""

    def geocode(self, query: str, *, exactly_one: bool = True) -> Any:
        """Geocode ``query``: a Location, a list of them, or None."""


@dataclass(frozen=True)
class OnlineFailure:
    """One online geocoding failure, kept so the UI or CLI can show it."""

    query: str
    error: str  # the exception's class name, e.g. "GeocoderTimedOut"
    message: str
    at: float  # time.time() when it happened
    skipped: bool = False  # True: not even tried, the service was cooling down


def default_cache_path() -> Path:
    """Return the default cache file: $XDG_CACHE_HOME (or ~/.cache)/sourced-incident-map/nominatim.json."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says relative values are invalid and must be ignored.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "sourced-incident-map" / "nominatim.json"


def normalize_query(query: str) -> str:
    """Return the cache key of a query: NFKC, case-folded, single-spaced."""
    # Deliberately conservative (no transliteration, punctuation kept): two queries
    # share an entry only if Nominatim would certainly answer them alike.
    text = unicodedata.normalize("NFKC", query).casefold()
    return " ".join(text.split())


def check_user_agent(user_agent: str) -> str:
    """Return ``user_agent`` stripped, or raise ConfigurationError if it is empty or a stock one."""
    agent = (user_agent or "").strip() if isinstance(user_agent, str) else ""
    if not agent:
        raise ConfigurationError(
            "Nominatim needs a User-Agent naming this application and a contact, "
            'e.g. "sourced-incident-map/0.1 (+https://example.org/contact)"'
        )
    lowered = agent.lower()
    if lowered in _SAMPLE_USER_AGENTS or lowered.startswith(_STOCK_USER_AGENT_PREFIXES):
        raise ConfigurationError(
            f"refusing stock or sample User-Agent {agent!r}: Nominatim's usage policy "
            "requires one that identifies the application"
        )
    return agent


def radius_from_bbox(bbox: Any) -> float | None:
    """Return half the diagonal of a Nominatim boundingbox [S, N, W, E] in metres (>= 10), or None if unusable."""
    try:
        south, north, west, east = (float(v) for v in bbox)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int too large for a float
        return None
    if not all(math.isfinite(v) for v in (south, north, west, east)):
        return None
    if not (-90 <= south <= 90 and -90 <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
        return None
    half_diagonal = geodesic((south, west), (north, east)).meters / 2
    return max(MIN_RADIUS_M, half_diagonal)


def _precision_from_rank(rank: int) -> str:
    # Nominatim's search ranks; where one rank holds both a settlement and a
    # part of one (19: village/suburb), the coarser reading is taken.
    if rank <= 4:
        return COUNTRY
    if rank <= 12:
        return REGION
    if rank <= 20:
        return CITY
    if rank <= 25:
        return NEIGHBOURHOOD
    return SITE


def _precision_from_radius(radius_m: float) -> str:
    for precision, limit in (
        (POINT, 25.0),
        (SITE, 500.0),
        (NEIGHBOURHOOD, 2_000.0),
        (DISTRICT, 8_000.0),
        (CITY, 40_000.0),
        (REGION, 400_000.0),
    ):
        if radius_m <= limit:
            return precision
    return COUNTRY


def precision_of(place: Mapping[str, Any]) -> str | None:
    """Return the precision word for a Nominatim result from addresstype/class/type/place_rank, or None if they say nothing."""
    addresstype = str(place.get("addresstype") or "")
    if addresstype in _TYPE_PRECISION:
        return _TYPE_PRECISION[addresstype]
    # format=json says "class", format=jsonv2 says "category".
    osm_class = str(place.get("class") or place.get("category") or "")
    osm_type = str(place.get("type") or "")
    if osm_class in ("place", "boundary") and osm_type in _TYPE_PRECISION:
        return _TYPE_PRECISION[osm_type]
    if osm_class == "building":
        return POINT
    if osm_class in _SITE_CLASSES:
        return SITE
    rank = place.get("place_rank")
    if isinstance(rank, (int, str)) and str(rank).isdigit():
        return _precision_from_rank(int(rank))
    return None


def _place_id(place: Mapping[str, Any]) -> str:
    osm_type, osm_id = place.get("osm_type"), place.get("osm_id")
    if osm_type and osm_id is not None:
        return f"nominatim:{osm_type}/{osm_id}"
    if place.get("place_id") is not None:
        # Nominatim's place_id is not stable across its re-imports, so it is only
        # a last resort; the osm_type/osm_id pair is the durable identifier.
        return f"nominatim:place_id/{place['place_id']}"
    raise ValueError("result has neither osm_type/osm_id nor place_id")


def place_to_location(place: Mapping[str, Any], matched: str) -> Location:
    """Convert one Nominatim result dict to a Location with the project's raw keys; ValueError if it is malformed."""
    if not isinstance(place, Mapping):
        raise ValueError(f"result is a {type(place).__name__}, not an object")
    try:
        lat, lon = float(place["lat"]), float(place["lon"])
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"result has no usable lat/lon: {exc!r}") from exc
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"result coordinates out of range: {lat}, {lon}")
    place_id = _place_id(place)
    display_name = str(place.get("display_name") or "")
    name = str(place.get("name") or display_name.split(",")[0].strip() or matched)

    radius = radius_from_bbox(place.get("boundingbox"))
    precision = precision_of(place)
    if precision is None:
        precision = _precision_from_radius(radius) if radius is not None else SITE
    if radius is None:
        radius = _DEFAULT_RADIUS_M[precision]

    raw = {
        "id": place_id,
        "name": name,
        # lat/lon repeated in raw because the gazetteer's raw has them and the CLI reads them there.
        "lat": lat,
        "lon": lon,
        "precision": precision,
        "radius_m": round(radius, 1),
        "matched": matched,
        "query": matched,  # as the gazetteer's raw, which also has both
        "source": "nominatim",
        "display_name": display_name or name,
        # ODbL requires attribution wherever the coordinates are shown.
        "attribution": str(place.get("licence") or ODBL_ATTRIBUTION),
        "nominatim": dict(place),
    }
    return Location(display_name or name, (lat, lon), raw)


def _check_depth(value: Any, limit: int, what: str) -> None:
    """Raise ValueError if lists and objects nest in ``value`` (called ``what``) more than ``limit`` deep; never recurses."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise ValueError(f"{what} is nested more than {limit} levels deep")
        stack.extend((child, depth + 1) for child in children)


def _validate_cache(data: Any) -> dict[str, dict[str, Any]]:
    """Return the entries of a parsed cache document, or raise ValueError saying what is wrong."""
    now = time.time()
    if not isinstance(data, dict):
        raise ValueError(f"top level is a {type(data).__name__}, not an object")
    if data.get("format") != CACHE_FORMAT or data.get("version") != CACHE_VERSION:
        raise ValueError(f"unknown format/version {data.get('format')!r}/{data.get('version')!r}")
    entries = data.get("entries")
    if not isinstance(entries, dict):
        raise ValueError("'entries' is not an object")
    for key, entry in entries.items():
        if not isinstance(entry, dict) or "result" not in entry:
            raise ValueError(f"entry {key!r} is not an object with a 'result'")
        if not isinstance(entry.get("query"), str):
            raise ValueError(f"entry {key!r} has no query string")
        fetched_at = entry.get("fetched_at")
        if isinstance(fetched_at, bool) or not isinstance(fetched_at, (int, float)):
            raise ValueError(f"entry {key!r} has no fetched_at time")
        # json reads NaN and Infinity, which (like a far-future time) would keep a "not found"
        # forever and win every merge. NaN fails any comparison; comparing, unlike float(),
        # cannot overflow on a huge int.
        if not 0 <= fetched_at <= now + _CLOCK_SKEW_SECONDS:
            raise ValueError(f"entry {key!r} has an impossible fetched_at time {fetched_at!r}")
        # One level more than a result: the entry holds it.
        _check_depth(entry, _MAX_RESULT_DEPTH + 1, f"entry {key!r}")
        if entry["result"] is not None:
            # The same check a fresh response gets: a cached answer is not trusted more.
            place_to_location(entry["result"], entry["query"])
    return entries


def _merge_entries(
    on_disk: Mapping[str, dict[str, Any]], in_memory: Mapping[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Return both sets of entries; for a key in both, the one fetched later (in memory on a tie)."""
    merged = dict(on_disk)
    for key, entry in in_memory.items():
        other = merged.get(key)
        if other is None or entry["fetched_at"] >= other["fetched_at"]:
            merged[key] = entry
    return merged


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same directory, so os.replace is a rename within one file system (atomic).
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # the bytes must be on disk before the rename points at them
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    # Persist the rename itself; not possible (nor needed) on every platform.
    with contextlib.suppress(OSError, AttributeError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class CachedNominatim:
    """Nominatim through geopy, rate limited, retried with backoff, and cached on disk."""

    def __init__(
        self,
        *,
        user_agent: str,
        cache_path: str | os.PathLike[str] | None = None,
        domain: str = DEFAULT_DOMAIN,
        scheme: str = "https",
        timeout: float = 10.0,
        min_delay_seconds: float = 1.0,
        max_retries: int = 2,
        error_wait_seconds: float = 2.0,
        max_backoff_seconds: float = 60.0,
        negative_ttl_seconds: float | None = 30 * 24 * 3600.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Set up the client; ``user_agent`` must identify this application (stock ones are refused)."""
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if min_delay_seconds < 0:
            raise ValueError("min_delay_seconds must be >= 0")
        # As geopy's RateLimiter insists: a retry must never come sooner than the policy allows.
        if error_wait_seconds < min_delay_seconds:
            raise ValueError("error_wait_seconds must be >= min_delay_seconds")
        self.user_agent = check_user_agent(user_agent)
        self.cache_path = Path(cache_path) if cache_path is not None else default_cache_path()
        self.min_delay_seconds = float(min_delay_seconds)
        self.max_retries = int(max_retries)
        self.error_wait_seconds = float(error_wait_seconds)
        self.max_backoff_seconds = float(max_backoff_seconds)
        self.negative_ttl_seconds = negative_ttl_seconds
        self._sleep = sleep
        self.nominatim = Nominatim(
            user_agent=self.user_agent,
            domain=domain,
            scheme=scheme,
            timeout=timeout,
            adapter_factory=_adapter_without_hidden_retries(),
        )
        # geopy's RateLimiter spaces the calls (thread-safely). Its own retry loop is
        # not used (max_retries=0): it waits a constant time and retries every
        # GeocoderServiceError, including 400/403 answers that retrying cannot fix;
        # _fetch retries only transient errors, with exponential backoff and Retry-After.
        self._limited_geocode = RateLimiter(
            self.nominatim.geocode,
            min_delay_seconds=self.min_delay_seconds,
            max_retries=0,
            error_wait_seconds=self.error_wait_seconds,
            swallow_exceptions=False,
        )
        self.requests_sent = 0
        self._lock = threading.RLock()
        # Between processes: a save reads, merges and replaces the file under this lock.
        self._file_lock = FileLock(
            self.cache_path.with_name(f"{self.cache_path.name}.lock"), timeout=_LOCK_TIMEOUT_SECONDS
        )
        self._entries: dict[str, dict[str, Any]] = self._load()

    @property
    def rate_limiter(self) -> RateLimiter:
        """Return the geopy RateLimiter that spaces requests to the server."""
        return self._limited_geocode

    def _load(self) -> dict[str, dict[str, Any]]:
        """Return the cached entries; an unusable cache file is set aside (with a warning) and {} returned."""
        entries, problem = self._read_cache()
        if problem is None:
            return entries
        try:
            with self._file_lock:
                # Read again under the lock: another process may have just replaced the bad
                # file with a good one, which must not be set aside.
                entries, problem = self._read_cache()
                return entries if problem is None else self._discard_cache(problem)
        except OSError:  # no lock to be had (filelock.Timeout is an OSError too)
            return self._discard_cache(problem)

    def _read_cache(self) -> tuple[dict[str, dict[str, Any]], str | None]:
        """Return the entries in the cache file ({} if there is none) and None, or {} and what makes it unusable."""
        try:
            text = self.cache_path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return {}, None
        except (OSError, UnicodeDecodeError) as exc:
            return {}, f"unreadable ({exc})"
        try:
            return _validate_cache(json.loads(text)), None
        # json.JSONDecodeError is a ValueError too; json.loads recurses, so deep nesting
        # raises RecursionError, which must not crash every run that reads the cache.
        except (ValueError, RecursionError) as exc:
            return {}, f"invalid ({exc})"

    def _discard_cache(self, reason: str) -> dict[str, dict[str, Any]]:
        # Kept beside the cache rather than deleted: it may hold evidence of what broke it.
        aside = self.cache_path.with_name(f"{self.cache_path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
        try:
            os.replace(self.cache_path, aside)
            where = f"moved to {aside}"
        except OSError:
            where = "ignored"
        warnings.warn(
            f"geocoding cache {self.cache_path} is {reason}; {where}, starting an empty cache",
            GeocodeCacheWarning,
            stacklevel=4,
        )
        return {}

    def _save(self) -> None:
        """Merge the entries into the cache file, which other processes may have saved to since it was read."""
        with self._lock:
            try:
                self.cache_path.parent.mkdir(parents=True, exist_ok=True)  # for the lock file
                with self._file_lock:
                    # Written as read and merged under the lock: writing only this process's
                    # entries would drop those another process saved since this one loaded.
                    on_disk, problem = self._read_cache()
                    if problem is not None:
                        self._discard_cache(problem)
                    self._entries = _merge_entries(on_disk, self._entries)
                    document = {"format": CACHE_FORMAT, "version": CACHE_VERSION, "entries": self._entries}
                    data = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
                    _write_atomic(self.cache_path, data)
            except OSError as exc:  # filelock.Timeout included
                # The answer is still good and kept in memory; losing the disk copy only
                # costs a repeated request in a later run, so it must not fail the lookup.
                warnings.warn(
                    f"could not write geocoding cache {self.cache_path}: {exc}",
                    GeocodeCacheWarning,
                    stacklevel=3,
                )

    def cached(self, query: str) -> bool:
        """Return whether ``query`` would be answered from the cache, without a request."""
        return self._cached_entry(normalize_query(query)) is not None

    def _cached_entry(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        # A place missing from OSM today may be mapped next month: "not found" expires.
        if (
            entry["result"] is None
            and self.negative_ttl_seconds is not None
            and time.time() - entry["fetched_at"] > self.negative_ttl_seconds
        ):
            return None
        return entry

    def geocode(self, query: str, *, exactly_one: bool = True) -> Location | list[Location] | None:
        """Geocode ``query``: the cached answer if any, else one rate-limited request; raises GeocoderServiceError on failure."""
        if not isinstance(query, str):
            raise TypeError("CachedNominatim only takes free-text (str) queries")
        key = normalize_query(query)
        if not key:
            return None
        entry = self._cached_entry(key)
        if entry is None:
            place = self._fetch(query)
            entry = {"query": query, "fetched_at": time.time(), "result": place}
            with self._lock:
                self._entries[key] = entry
                self._save()
        place = entry["result"]
        if place is None:
            return None
        location = place_to_location(place, matched=query)
        return location if exactly_one else [location]

    def _fetch(self, query: str) -> dict[str, Any] | None:
        """Ask the server for ``query``; return its best result dict or None if not found."""
        attempt = 0
        while True:
            try:
                self.requests_sent += 1
                location = self._limited_geocode(query, exactly_one=True)
                if location is None:
                    return None
                place = dict(location.raw)
                # Validated as a cached entry will be, so that what is saved also loads;
                # depth first, as place_to_location's str() of a deep value would recurse.
                _check_depth(place, _MAX_RESULT_DEPTH, "result")
                place_to_location(place, matched=query)
                return place
            except GeocoderServiceError as exc:
                if not self._retryable(exc) or attempt >= self.max_retries:
                    raise
                wait = min(self.error_wait_seconds * 2**attempt, self.max_backoff_seconds)
                retry_after = getattr(exc, "retry_after", None)
                if retry_after is not None:
                    if retry_after > self.max_backoff_seconds:
                        # Asking again sooner than the server said would break its policy.
                        raise
                    wait = max(wait, float(retry_after))
                attempt += 1
                self._sleep(wait)
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, RecursionError) as exc:
                # geopy parses the JSON itself; a response of the wrong shape (or nested
                # too deeply to parse) surfaces as one of these and is a service failure,
                # not a bug here.
                raise GeocoderParseError(f"unexpected Nominatim response: {exc}") from exc

    @staticmethod
    def _retryable(exc: GeocoderServiceError) -> bool:
        # Timeouts, 429, 503/504 and connection failures are transient; geopy raises a
        # bare GeocoderServiceError for 500/502 and other server-side errors. Subclasses
        # not listed (bad query 4xx, 401/403, parse errors) will not get better by retrying.
        return isinstance(exc, _RETRYABLE) or type(exc) is GeocoderServiceError


class FallbackGeocoder(Geocoder):
    """Online first, offline when the service fails or finds nothing; failures are warned about and kept in ``failures``."""

    def __init__(
        self,
        online: SupportsGeocode,
        offline: SupportsGeocode,
        *,
        cooldown_seconds: float = 60.0,
    ) -> None:
        """Wrap ``online`` (e.g. CachedNominatim) and ``offline`` (any geopy geocoder)."""
        super().__init__()
        self.online = online
        self.offline = offline
        # After a failure the service is left alone for a while: when the machine is
        # offline, every query would otherwise wait out all retries before falling back.
        self.cooldown_seconds = cooldown_seconds
        self.failures: list[OnlineFailure] = []
        self._paused_until = 0.0

    def _record(self, query: str, error: str, message: str, *, skipped: bool = False) -> None:
        self.failures.append(OnlineFailure(query, error, message, time.time(), skipped))
        warnings.warn(
            f"online geocoding {'skipped' if skipped else 'failed'} for {query!r} "
            f"({error}: {message}); using the offline geocoder",
            OnlineGeocodingWarning,
            stacklevel=3,
        )

    def geocode(self, query: str, *, exactly_one: bool = True) -> Location | list[Location] | None:
        """Geocode ``query`` online, falling back to the offline geocoder."""
        cached = getattr(self.online, "cached", None)
        is_cached = bool(cached(query)) if callable(cached) else False
        if not is_cached and time.monotonic() < self._paused_until:
            self._record(
                query,
                "OnlineGeocodingPaused",
                f"paused for {self.cooldown_seconds:g} s after an earlier failure",
                skipped=True,
            )
            return self.offline.geocode(query, exactly_one=exactly_one)
        try:
            result = self.online.geocode(query, exactly_one=exactly_one)
        except GeocoderServiceError as exc:
            self._paused_until = time.monotonic() + self.cooldown_seconds
            self._record(query, type(exc).__name__, str(exc))
            # Passed through as it is: the failure is reported in failures, not in the result.
            return self.offline.geocode(query, exactly_one=exactly_one)
        # A Location is a sequence (address, point) of its own, so test for it first.
        if isinstance(result, Location) or result:
            return result
        offline = self.offline.geocode(query, exactly_one=exactly_one)
        if offline is None:
            return None
        if isinstance(offline, Location):
            return _note_online_miss(offline)
        return [_note_online_miss(location) for location in offline]


def _note_online_miss(location: Location) -> Location:
    """Return a copy of an offline Location whose raw source says Nominatim had no match."""
    # A copy: the offline geocoder may keep and hand out the same object again.
    raw = dict(location.raw or {})
    raw["source"] = f"{raw.get('source', 'offline')} (nominatim: no match)"
    raw["online_miss"] = True
    return Location(location.address, location.point, raw)


def make_geocoder(
    offline: SupportsGeocode,
    online: bool = False,
    *,
    cooldown_seconds: float = 60.0,
    **nominatim_kwargs: Any,
) -> SupportsGeocode:
    """Return ``offline`` itself, or with ``online=True`` a FallbackGeocoder over CachedNominatim(**nominatim_kwargs)."""
    if not online:
        # Off by default: nothing leaves the machine unless the user asked for it.
        return offline
    return FallbackGeocoder(
        CachedNominatim(**nominatim_kwargs), offline, cooldown_seconds=cooldown_seconds
    )
