"""Which column of a file holds which field of an incident: guessed from common names, or given.

A mapping is ``{field: column}``. For a plain CSV or a JSON list of records it is guessed from the
headers (:data:`GUESSES`), then overridden by a mapping file beside the data
(``NAME.mapping.yaml``), then by ``--map FIELD=COLUMN`` on the command line or by the page's
mapping step. Known schemas (ACLED, UCDP…) bring their own mapping; ``--map`` overrides it too.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

DUPLICATE_POLICIES = ("suffix", "reject")

# Each field and what it means, in the order the mapping step shows them.
FIELDS: dict[str, str] = {
    "id": "the entry's id (unique per incident)",
    "date": "the day, or the first day (any common style; the day/month order is read from the column)",
    "date_end": "the last day, when an entry spans several",
    "time": "the local time of day, as reported (HH:MM)",
    "lat": "latitude (decimal degrees)",
    "lon": "longitude (decimal degrees)",
    "title": "a short title",
    "description": "the entry's own text (kept verbatim)",
    "type": "the kind of incident (a category)",
    "sources": "source links or outlet names (several per cell are split)",
    "place": "the place's name as written",
    "weapon": "the weapon or munition",
    "killed": "number killed",
    "injured": "number injured",
    "geolocation": "a link proving where it happened (evidence for the location)",
    "graphic": "a flag for graphic content (hides the text until revealed)",
}
REQUIRED = ("lat", "lon", "date")

# Common column names for each field (compared lower-cased, spaces and '_' alike), most specific first.
GUESSES: dict[str, tuple[str, ...]] = {
    "id": ("id", "entry", "event_id", "event_id_cnty", "globaleventid", "uid", "incident_id", "identifier", "entry_id"),
    "date": ("date", "event_date", "date_start", "start_date", "day", "incident_date", "datetime"),
    "date_end": ("date_end", "end_date"),
    "time": ("time", "event_time", "local_time", "time_of_day"),
    "lat": ("latitude", "lat", "y"),
    "lon": ("longitude", "lon", "lng", "long", "x"),
    "title": ("title", "headline", "name", "event_title"),
    "description": ("description", "brief_description", "summary", "notes", "details", "desc", "text"),
    "type": ("type", "category", "event_type", "event_group", "incident_type"),
    "sources": ("sources", "source", "link", "links", "url", "urls", "source_url", "source_urls", "sourceurl",
                "source_link", "source_article"),
    "place": ("location", "place", "town/city", "city", "town", "place_name", "where_description", "address"),
    "weapon": ("weapon", "weapons", "arms/munition", "munition", "weapon_system", "weapon_type"),
    "killed": ("killed", "fatalities", "deaths", "dead"),
    "injured": ("injured", "wounded", "injuries"),
    "geolocation": ("geolocation", "geolocation_url", "geolocation_link", "geolocated"),
    "graphic": ("graphic", "graphic_content", "sensitive", "nsfw"),
}


def _key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def guess_mapping(columns: Iterable[str]) -> dict[str, str]:
    """Return {field: column} for the fields whose column a common name gives away (each column used once)."""
    by_key = {}
    for column in columns:
        by_key.setdefault(_key(column), column)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for name, guesses in GUESSES.items():
        for guess in guesses:
            column = by_key.get(_key(guess))
            if column is not None and column not in taken:
                mapping[name] = column
                taken.add(column)
                break
    return mapping


def parse_map_options(pairs: Sequence[str]) -> dict[str, str]:
    """Return {field: column} from `--map FIELD=COLUMN` options (`FIELD=` reads it from no column); ValueError names a bad one."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        name, sep, column = pair.partition("=")
        name, column = name.strip().lower(), column.strip()
        if not sep or not name:
            raise ValueError(f"--map {pair!r}: write FIELD=COLUMN, e.g. --map date='Event Date' (or FIELD= for no column)")
        if name not in FIELDS:
            raise ValueError(f"--map {pair!r}: unknown field {name!r} (fields: {', '.join(FIELDS)})")
        mapping[name] = column
    return mapping


@dataclass(frozen=True)
class ImportOptions:
    """How to read a file beyond what it says itself: a column mapping, a date format, duplicates."""

    mapping: Mapping[str, str] = field(default_factory=dict)  # {field: column}, over the guesses
    date_format: str | None = None  # strptime format for the date columns, or "excel"
    duplicates: str = "suffix"  # same id, other content: "suffix" (-2, -3…, with a warning) or "reject"
    mapping_file: str | None = None  # where the mapping came from, for messages

    def __post_init__(self) -> None:
        if self.duplicates not in DUPLICATE_POLICIES:
            raise ValueError(f"duplicates must be one of {', '.join(DUPLICATE_POLICIES)}, not {self.duplicates!r}")
        unknown = sorted(set(self.mapping) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) in the mapping: {', '.join(unknown)} (fields: {', '.join(FIELDS)})")

    def over(self, other: ImportOptions) -> ImportOptions:
        """Return these options over `other`'s: this mapping's fields win, a format or policy given here wins."""
        return replace(other, mapping={**other.mapping, **self.mapping},
                       date_format=self.date_format or other.date_format,
                       duplicates=self.duplicates if self.duplicates != "suffix" else other.duplicates,
                       mapping_file=other.mapping_file)


def add_reading_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """Add --map, --date-format and --duplicates to a command line (geo's, and the dashboard's `-- --data`)."""
    parser.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                        help="the column that holds a field, e.g. --map date='Event Date' (repeatable; FIELD= for none; "
                             "over NAME.mapping.yaml beside the file, over the guesses)")
    parser.add_argument("--date-format", default=None, metavar="FORMAT",
                        help="strptime format of the dates, e.g. '%%m/%%d/%%Y' (or 'excel' for serial days); needed when "
                             "every date fits both day/month orders")
    parser.add_argument("--duplicates", choices=DUPLICATE_POLICIES, default="suffix",
                        help="an id used again with other content: keep it as ID-2 with a warning (suffix), or reject it")


def options_from_arguments(args: argparse.Namespace) -> ImportOptions:
    """Return the import options given by :func:`add_reading_arguments`' options; ValueError names a bad one."""
    return ImportOptions(parse_map_options(args.map or []), args.date_format, args.duplicates)


def mapping_file_for(path: Path) -> Path:
    """Return where the mapping file of a data file lives: beside it, as NAME.mapping.yaml."""
    return path.with_name(f"{path.stem}.mapping.yaml")


def read_mapping_file(path: Path) -> ImportOptions:
    """Read a mapping file ({map: {field: column}, date_format, duplicates}); ValueError names what is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"{path.name}: cannot read the mapping file ({exc})") from None
    if not isinstance(data, dict) or not set(data) <= {"map", "date_format", "duplicates"}:
        raise ValueError(f"{path.name}: a mapping file holds map: {{field: column}}, date_format and duplicates only")
    mapping = data.get("map") or {}
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ValueError(f"{path.name}: map must be field: column pairs")
    try:
        return ImportOptions({str(k).lower(): v for k, v in mapping.items()}, data.get("date_format"),
                             data.get("duplicates") or "suffix", path.name)
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from None


def mapping_text(options: ImportOptions) -> str:
    """Return options as a mapping file's text (what the page offers to save beside the data)."""
    data: dict = {"map": dict(options.mapping)}
    if options.date_format:
        data["date_format"] = options.date_format
    if options.duplicates != "suffix":
        data["duplicates"] = options.duplicates
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
