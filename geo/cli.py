"""Command line: `python -m geo COMMAND` (geocode, extract, ingest, review, accept, reject, incidents, validate, …)."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TextIO

from .annotate import MENTIONS_FILE, mentions_text, place_mentions
from .catalogue import SEEDS_DIR, load_catalogue
from .dates import DateInterval
from .export import csv_text, geojson_text
from .extract import find_dates, find_places
from .frames import incidents_frame
from .gazetteer import Gazetteer, GazetteerGeocoder
from .imports import FORMATS, ImportResult, add_reading_arguments, options_from_arguments, read_incidents
from .limits import Limits, parse_years
from .outlines import outlines_text
from .places import DATA_DIR
from .problems import DataError

GEOCODE_FIELDS = ("query", "id", "name", "lat", "lon", "precision", "radius_m", "source")
NEAR_REACH_M = 150_000.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="data folder (default: the bundled data/)")
    parser.add_argument("--seeds", type=Path, default=SEEDS_DIR, help="seeds folder (default: the bundled seeds/)")
    # The same options after the command too (`validate --data X`); SUPPRESS keeps the defaults above.
    folders = argparse.ArgumentParser(add_help=False)
    folders.add_argument("--data", type=Path, default=argparse.SUPPRESS, help="data folder (default: the bundled data/)")
    folders.add_argument("--seeds", type=Path, default=argparse.SUPPRESS, help="seeds folder (default: the bundled seeds/)")
    commands = parser.add_subparsers(dest="command", required=True)

    geocode = commands.add_parser("geocode", parents=[folders], help="resolve place names (offline unless --online)")
    geocode.add_argument("names", nargs="+", metavar="NAME", help="place names; '-' reads more, one per line, from stdin")
    geocode.add_argument("--json", action="store_true",
                         help="one JSON object per line per name (with the top candidates and their scores)")
    geocode.add_argument("--country", action="append", default=[], metavar="CC",
                         help="ISO country code the names are likely in (repeatable)")
    geocode.add_argument("--near", type=_point_argument, action="append", default=[], metavar="LAT,LON",
                         help="favour places within 150 km of this point (repeatable)")
    geocode.add_argument("--online", action="store_true",
                         help="ask OpenStreetMap Nominatim first (1 request/s, cached on disk), falling back offline")
    geocode.add_argument("--nominatim-url", default=None, help="Nominatim server, e.g. http://127.0.0.1:8080")
    geocode.add_argument("--user-agent", default=None, help="User-Agent for Nominatim (its policy requires a real one)")

    extract = commands.add_parser("extract", parents=[folders], help="place mentions and dates in a text file, with offsets")
    extract.add_argument("files", nargs="+", type=Path, metavar="FILE")
    extract.add_argument("--json", action="store_true", help="one JSON object per line per mention")
    extract.add_argument("--reference", type=date.fromisoformat, default=None,
                         help="date the text was written (YYYY-MM-DD), to resolve 'last December'")
    extract.add_argument("--country", action="append", default=[], metavar="CC")

    ingest = commands.add_parser("ingest", parents=[folders],
                                 help="a new article's candidate incidents (a dry run; --write files them for review)")
    ingest.add_argument("file", type=Path, metavar="FILE", help="the article: .txt (UTF-8) or .html")
    ingest.add_argument("--published", type=_publication, default=None, metavar="YYYY-MM-DD[..YYYY-MM-DD]",
                        help="the day it appeared ('on Thursday', 'overnight', 'in July' are read against it), or "
                             "the first and last days it can have appeared when that is all that is known")
    ingest.add_argument("--url", default=None)
    ingest.add_argument("--title", default=None)
    ingest.add_argument("--outlet", default=None)
    ingest.add_argument("--json", action="store_true", help="one JSON object per candidate per line")
    ingest.add_argument("--write", action="store_true",
                        help="copy the article into the seeds, add its sources.yaml entry, queue the candidates")

    review = commands.add_parser("review", parents=[folders], help="the review queue: candidates waiting for a decision")
    review.add_argument("--all", action="store_true", help="accepted and rejected ones too")
    review.add_argument("--json", action="store_true", help="one JSON object per entry per line")
    accept = commands.add_parser("accept", parents=[folders], help="add a queued candidate's evidence to the catalogue")
    accept.add_argument("id", metavar="ID")
    target = accept.add_mutually_exclusive_group()
    target.add_argument("--into", default=None, metavar="INCIDENT", help="default: the incident the candidate matches")
    target.add_argument("--as-new", action="store_true", help="a new incident")
    accept.add_argument("--place", action="append", default=None, metavar="ID", help="the new incident's places")
    accept.add_argument("--type", default=None, help="the new incident's type")
    reject = commands.add_parser("reject", parents=[folders], help="reject a queued candidate, with the reason")
    reject.add_argument("id", metavar="ID")
    reject.add_argument("--why", required=True, metavar="TEXT")

    incidents = commands.add_parser("incidents", parents=[folders], help="the catalogue, geocoded, to stdout")
    incidents.add_argument("--format", choices=("geojson", "csv"), default="geojson")

    # Each cap of an import (geo.limits): the flags override the SIM_MAX_* / SIM_YEARS settings.
    caps = argparse.ArgumentParser(add_help=False)
    bounds = caps.add_argument_group("caps on an import (default: the SIM_MAX_* settings, else geo.limits.Limits)")
    bounds.add_argument("--max-rows", type=int, default=None, metavar="N", help="rows or features (SIM_MAX_ROWS)")
    bounds.add_argument("--max-columns", type=int, default=None, metavar="N", help="CSV columns (SIM_MAX_COLUMNS)")
    bounds.add_argument("--max-property-keys", type=int, default=None, metavar="N",
                        help="distinct GeoJSON property names (SIM_MAX_PROPERTY_KEYS)")
    bounds.add_argument("--max-cell-chars", type=int, default=None, metavar="N",
                        help="characters in one cell; a longer cell rejects its row (SIM_MAX_CELL_CHARS)")
    bounds.add_argument("--years", type=_years_argument, default=None, metavar="FIRST-LAST",
                        help="years a date may name; others reject their row (SIM_YEARS, default 1800-2100)")

    # How to read a dataset file: which column holds which field, the date format, repeated ids.
    reading = argparse.ArgumentParser(add_help=False)
    how = reading.add_argument_group("reading a dataset file")
    how.add_argument("--input-format", choices=FORMATS, default=None, help="the file's format (default: detected)")
    add_reading_arguments(how)

    validate = commands.add_parser(
        "validate", parents=[folders, caps, reading],
        help="check the catalogue (quotes, places, dates, ids, stored place mentions), or dataset FILEs; "
             "non-zero exit on any problem",
    )
    validate.add_argument("files", nargs="*", type=Path, metavar="FILE",
                          help=f"dataset files (or TimeMap folders) to check instead of the catalogue ({', '.join(FORMATS)})")
    validate.add_argument("--json", action="store_true",
                          help="one JSON object per file: file, format, rows, loaded, rejected, mapping, date_format, problems")

    convert = commands.add_parser("convert", parents=[caps, reading],
                                  help="read a dataset file and write it in the export's schema")
    convert.add_argument("file", type=Path, metavar="FILE")
    convert.add_argument("--format", choices=("geojson", "csv"), default="geojson", help="output format")
    convert.add_argument("-o", "--output", type=Path, default=None, help="write here instead of stdout")

    mentions = commands.add_parser(
        "mentions", parents=[folders],
        help=f"find the place mentions of every source and store them in DATA/{MENTIONS_FILE} (for the reader)")
    mentions.add_argument("--check", action="store_true", help="write nothing; exit 1 if the stored file is out of date")

    outlines = commands.add_parser(
        "outlines", parents=[folders], help="write the outlines of an offline base map (countries, Kyiv's districts)")
    outlines.add_argument("--output", type=Path, required=True, metavar="PATH",
                          help="e.g. dashboard/static/data/outlines.json")
    outlines.add_argument("--check", action="store_true", help="write nothing; exit 1 if PATH is out of date")
    labels = commands.add_parser("labels", parents=[folders],
                                 help="write the place labels of an offline base map, by zoom band and tile")
    labels.add_argument("--output", type=Path, default=None, metavar="FOLDER",
                        help="default: dashboard/static/data/labels (replaced whole)")
    labels.add_argument("--check", action="store_true", help="write nothing; exit 1 if FOLDER is out of date")

    synth = commands.add_parser("synth", help="write a deterministic synthetic dataset (for load tests and benchmarks)")
    synth.add_argument("--count", type=int, default=1000)
    synth.add_argument("--seed", type=int, default=2022)
    synth.add_argument("--format", choices=("geojson", "csv"), default="geojson")
    synth.add_argument("-o", "--output", type=Path, default=None, help="write here instead of stdout")
    return parser


def _point_argument(text: str) -> tuple[float, float, float]:
    """Read --near LAT,LON as a point with a 150 km reach."""
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write LAT,LON in decimal degrees, e.g. 50.45,30.52") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise argparse.ArgumentTypeError(f"{text!r}: latitude must be within ±90 and longitude within ±180")
    return lat, lon, NEAR_REACH_M


def _names(names: list[str], stdin: TextIO) -> Iterator[str]:
    """Yield the names given, and for '-' each non-empty line of standard input."""
    for name in names:
        if name == "-":
            yield from (line.strip() for line in stdin if line.strip())
        else:
            yield name


def _geocoder(args: argparse.Namespace, gazetteer: Gazetteer):
    offline = GazetteerGeocoder(gazetteer, countries=args.country, near=args.near)
    if not args.online:
        return offline
    from .online import make_geocoder  # only imported when the user asked for the network

    options = {}
    if args.nominatim_url:
        scheme, _, domain = args.nominatim_url.partition("://")
        options.update(scheme=scheme, domain=domain.rstrip("/"))
    if args.user_agent:
        options["user_agent"] = args.user_agent
    return make_geocoder(offline, online=True, **options)


def cmd_geocode(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Geocode each name; exit 1 if any was not found."""
    geocoder = _geocoder(args, Gazetteer.from_data(args.data))
    missing = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in _names(args.names, args.stdin):
            location = geocoder.geocode(name)
            if location is None:
                missing += 1
                record = {"query": name, "error": "not found"}
            else:
                raw = location.raw
                record = {"query": name, **{k: raw.get(k) for k in GEOCODE_FIELDS[1:]}}
                if raw.get("candidates"):
                    record |= {"confidence": raw.get("score"), "candidates": raw["candidates"]}
            if args.json:
                print(json.dumps(record, ensure_ascii=False), file=out)
            elif "error" in record:
                print(f"{name}: not found", file=out)
            else:
                print(f"{name}: {record['name']} ({record['id']}) {record['lat']:.5f}, {record['lon']:.5f} "
                      f"{record['precision']} ±{record['radius_m']:.0f} m [{record['source']}]", file=out)
    for warning in caught:
        print(f"warning: {warning.message}", file=err)
    return 1 if missing else 0


def cmd_extract(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print place and date mentions for each file, then a count of what was found and resolved."""
    gazetteer = Gazetteer.from_data(args.data)
    for path in args.files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{path}: cannot read as UTF-8 text: {exc}", file=err)
            return 2
        places = find_places(text, gazetteer, args.country)
        dates = find_dates(text, args.reference)
        if args.json:
            for mention in places:
                print(json.dumps({"file": str(path), "type": "place", **mention.to_dict()}, ensure_ascii=False), file=out)
            for mention in dates:
                print(json.dumps({"file": str(path), "type": "date", **mention.to_dict()}, ensure_ascii=False), file=out)
            continue
        print(f"== {path}", file=out)
        for m in places:
            print(f"  place {m.start:>5}-{m.end:<5} {m.text!r} -> {m.name} ({m.place_id}, {m.method})", file=out)
        for d in dates:
            print(f"  {d.kind:<5} {d.start:>5}-{d.end:<5} {d.text!r} -> {d.value or '(needs a reference date)'}", file=out)
        print(f"  {len(places)} place mentions ({len({m.place_id for m in places})} places), {len(dates)} date expressions",
              file=out)
    return 0


def cmd_ingest(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print an article's candidate incidents; with --write, file the article and queue them for review."""
    from . import ingest

    try:
        text, raw = ingest.read_article(args.file)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=err)
        return 2
    catalogue = load_catalogue(args.data, args.seeds)
    found = ingest.ingest(text, Gazetteer.from_data(args.data), catalogue, args.published)
    source = None
    if args.write:
        info = ingest.ArticleInfo(args.published, args.url, args.title, args.outlet)
        try:  # a ReviewError (a damaged queue) is a ValueError too: refused before anything is written
            source, queued = ingest.file_for_review(args.data, args.seeds, raw, args.file.name, info, found)
        except ValueError as exc:
            print(f"error: {exc}", file=err)
            return 2
    for c in found:
        if args.json:
            print(json.dumps(c.to_dict(), ensure_ascii=False), file=out)
            continue
        where = ", ".join(c.place_names) or "(no place)"
        when = f"{c.date_start}..{c.date_end}" if c.date_start != c.date_end else c.date_start
        flags = "".join(f" [{f}]" for f in (*c.hedges, *c.negations))
        matched = f"matches {c.matches}" if c.matches else f"one of {len(c.possible_matches)}?" \
            if c.possible_matches else "new"
        print(f"{c.start:>6}-{c.end:<6} {c.type:<15} {when or '(no date)':<22} {where[:40]:<40} "
              f"{matched:<38} {c.confidence:.2f}{flags}", file=out)
        if c.possible_matches:
            print(f"{'':14}may corroborate: {', '.join(c.possible_matches)}", file=out)
        print(f"{'':14}“{c.quote[:160]}{'…' if len(c.quote) > 160 else ''}”", file=out)
    summary = (f"{len(found)} candidates, {sum(c.matches is not None for c in found)} corroborate catalogued incidents, "
               f"{sum(bool(c.possible_matches) for c in found)} may corroborate one of several, "
               f"{sum(c.lat is None for c in found)} unplaced, {sum(c.date_start is None for c in found)} undated")
    if source is not None:
        summary += f"; filed as {source}, {len(queued)} queued for review (python -m geo review)"
    else:
        summary += "; dry run, nothing written (--write files them)"
    print(summary, file=err)
    return 0


def cmd_review(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """List the review queue: pending candidates (all with --all)."""
    from .review import ReviewError, _plain, load_queue

    try:
        entries = [e for e in load_queue(args.data) if args.all or e["status"] == "pending"]
    except ReviewError as exc:
        print(f"error: {exc}", file=err)
        return 2
    for entry in entries:
        c = entry["candidate"]
        if args.json:
            print(json.dumps(_plain(entry), ensure_ascii=False), file=out)
            continue
        when = c.get("date_start") if c.get("date_start") == c.get("date_end") else f"{c.get('date_start')}..{c.get('date_end')}"
        print(f"{entry['id']:<26} {entry['status']:<9} {c.get('matches') or 'new':<36} {when or '(no date)':<22} "
              f"{', '.join(c.get('place_names') or ()) or '(no place)'} · {c.get('type')}", file=out)
        print(f"{'':26} “{c.get('quote', '')[:150]}{'…' if len(c.get('quote', '')) > 150 else ''}”", file=out)
    print(f"{len(entries)} {'entries' if args.all else 'pending'}", file=err)
    return 0


def cmd_accept(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Add a queued candidate's evidence to an incident, or a new incident."""
    from .review import accept

    return _decide(lambda: f"{args.id} accepted into "
                           f"{accept(args.data, args.seeds, args.id, args.into, args.as_new, args.place, args.type)}",
                   out, err)


def cmd_reject(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Reject a queued candidate; the reason is kept and it is not proposed again."""
    from .review import reject

    return _decide(lambda: reject(args.data, args.id, args.why) or f"{args.id} rejected", out, err)


def _decide(step, out: TextIO, err: TextIO) -> int:
    """Run one review decision; print what it did, or the reason it was refused (exit 2)."""
    from .review import ReviewError

    try:
        print(step(), file=out)
    except ReviewError as exc:
        print(f"error: {exc}", file=err)
        return 2
    return 0


def cmd_incidents(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Write the geocoded catalogue as GeoJSON or CSV; problems go to stderr."""
    catalogue = load_catalogue(args.data, args.seeds)
    frame = incidents_frame(catalogue)
    _write(geojson_text(frame) if args.format == "geojson" else csv_text(frame), None, out)
    for problem in catalogue.problems:
        print(f"warning: {problem}", file=err)
    if catalogue.rejected:
        print(f"warning: {len(catalogue.rejected)} incident(s) left out: {', '.join(catalogue.rejected)}", file=err)
    return 0


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """List every problem in the catalogue, or in the dataset files given; exit 1 if there is any."""
    if args.files:
        failed = False
        for path in args.files:
            result = _read_dataset(path, args, err)
            if result is None:
                failed = True
                continue
            if args.json:
                print(json.dumps(result.to_json(), ensure_ascii=False), file=out)
            else:
                for problem in result.problems:
                    print(problem, file=out)
                print(f"{result.file} ({result.format}): {result.summary()}", file=err if result.rejected else out)
            failed = failed or bool(result.rejected)
        return 1 if failed else 0
    catalogue = load_catalogue(args.data, args.seeds)
    # The reader's stored place mentions too: a stale row is left out of the page, so say so here, not only there.
    problems = catalogue.problems + place_mentions(catalogue, args.data)[1]
    for problem in problems:
        print(problem, file=out)
    total = len(catalogue.incidents) + len(catalogue.rejected)
    summary = (f"{len(catalogue.places)} places, {len(catalogue.sources)} sources, "
               f"{len(catalogue.incidents)} of {total} incidents valid, {len(problems)} problem(s)")
    print(summary, file=err if problems else out)
    return 1 if problems else 0


def _progress_printer(err: TextIO, label: str):
    """Return a progress callback that prints to stderr: in place on a terminal, every quarter otherwise."""
    interactive = hasattr(err, "isatty") and err.isatty()
    shown = {"step": -1}

    def report(fraction: float, message: str) -> None:
        step = int(fraction * 4)
        if interactive:
            print(f"\r{label}: {fraction:4.0%} {message:<60}", end="" if fraction < 1 else "\n", file=err, flush=True)
        elif step != shown["step"]:
            shown["step"] = step
            print(f"{label}: {fraction:4.0%} {message}", file=err, flush=True)

    return report


def _years_argument(text: str) -> tuple[int, int]:
    try:
        return parse_years(text, "--years")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _limits(args: argparse.Namespace) -> Limits:
    """Return the import's caps: the settings in the environment, with the command line's flags over them."""
    first, last = args.years or (None, None)
    return Limits.from_env().with_changes(rows=args.max_rows, columns=args.max_columns,
                                          property_keys=args.max_property_keys, cell_chars=args.max_cell_chars,
                                          first_year=first, last_year=last)


def _read_dataset(path: Path, args: argparse.Namespace, err: TextIO) -> ImportResult | None:
    """Read a dataset file with progress on stderr; None (and the reason on stderr) if it is unusable."""
    try:
        return read_incidents(path, format=args.input_format, progress=_progress_printer(err, str(path)),
                              limits=args.limits, options=args.options, json_text=True,
                              categories=True)  # read, written or counted: never changed
    except DataError as exc:
        if getattr(args, "json", False):
            # Refused whole: every row it has is unused, so loaded + rejected = rows still holds when they are known.
            print(json.dumps({"file": str(path), "format": exc.format or args.input_format, "rows": exc.rows,
                              "loaded": 0, "rejected": exc.rows,
                              "mapping": None, "date_format": args.date_format,
                              "problems": [p.to_dict() for p in exc.problems]}, ensure_ascii=False), file=args.out)
        for problem in exc.problems:
            print(f"error: {problem}", file=err)
        return None


def _write(text: str, output: Path | None, out: TextIO) -> None:
    if output is None:
        out.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def cmd_convert(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Write a dataset file in the export's schema; rejected rows are listed on stderr, exit 1 if any."""
    result = _read_dataset(args.file, args, err)
    if result is None:
        return 2
    _write(geojson_text(result.frame) if args.format == "geojson" else csv_text(result.frame), args.output, out)
    for problem in result.problems:
        print(f"{'rejected' if problem.severity == 'error' else 'flagged'}: {problem}", file=err)
    print(f"{result.file} ({result.format}): {result.summary()}", file=err)
    return 1 if result.rejected else 0


def cmd_synth(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Write a synthetic dataset of --count incidents."""
    from .export import write_csv, write_features
    from .synthetic import synthetic_features, synthetic_frames  # a city table from GeoNames: only when asked

    # Streamed a chunk of rows at a time: a million incidents never sit in memory as Python objects.
    if args.format == "geojson":
        chunks, write = synthetic_features(args.count, args.seed), write_features
    else:
        chunks, write = synthetic_frames(args.count, args.seed), write_csv
    if args.output is None:
        write(chunks, out)
        out.write("\n" if args.format == "geojson" else "")
    else:
        with args.output.open("w", encoding="utf-8", newline="") as file:
            write(chunks, file)
            file.write("\n" if args.format == "geojson" else "")
    print(f"{args.count:,} synthetic incidents (seed {args.seed})", file=err)
    return 0


def _build(path: Path, text: str, check: bool, what: str, out: TextIO, err: TextIO) -> int:
    """Write a built file, or with `check` only say whether the stored one is up to date."""
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if check:
        if current != text:
            print(f"{path} is out of date: rebuild it with `python -m geo {what}`", file=err)
            return 1
        print(f"{path} is up to date", file=out)
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} ({len(text.encode('utf-8')):,} bytes)", file=out)
    return 0


def cmd_mentions(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Store (or check) the place mentions of every catalogue source, for the reader."""
    catalogue = load_catalogue(args.data, args.seeds)
    text = mentions_text(catalogue, Gazetteer.from_data(args.data))
    return _build(args.data / MENTIONS_FILE, text, args.check, "mentions", out, err)


def cmd_labels(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Write (or check) the place label files of an offline base map."""
    from .labels import LABELS_DIR, label_files, write_labels

    folder = args.output or LABELS_DIR
    if args.check:
        expected = label_files(args.data)
        found = {str(p.relative_to(folder)): p.read_text(encoding="utf-8")
                 for p in folder.rglob("*.json")} if folder.is_dir() else {}
        if found != expected:
            stale = sorted(set(expected) ^ set(found) | {k for k in expected if found.get(k) != expected[k]})
            print(f"{folder} is out of date ({len(stale)} files differ, e.g. {stale[0]}): "
                  f"run python -m geo labels", file=err)
            return 1
        print(f"{folder} is up to date ({len(expected)} files)", file=out)
        return 0
    count = write_labels(folder, args.data)
    print(f"wrote {count:,} labels to {folder}", file=out)
    return 0


def cmd_outlines(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Write (or check) the outlines file of an offline base map."""
    return _build(args.output, outlines_text(args.data), args.check, f"outlines --output {args.output}", out, err)


def _publication(text: str) -> DateInterval:
    """Read --published for argparse, which reports an ArgumentTypeError's words as they are."""
    from .ingest import parse_publication

    try:
        return parse_publication(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None,
         stdin: TextIO | None = None) -> int:
    """Run the command line; return the exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    parser = _parser()
    args = parser.parse_args(argv)
    args.stdin = stdin or sys.stdin
    if getattr(args, "online", False) and not args.user_agent:
        parser.error("--online needs --user-agent with a real contact (Nominatim's usage policy)")
    if args.command in ("validate", "convert"):
        try:
            args.limits = _limits(args)
            args.options = options_from_arguments(args)
        except ValueError as exc:  # a cap below 1, a SIM_* setting that is not a number, a bad --map
            parser.error(str(exc))
        args.out = out
    handler = {"geocode": cmd_geocode, "extract": cmd_extract, "ingest": cmd_ingest, "review": cmd_review,
               "accept": cmd_accept, "reject": cmd_reject,
               "incidents": cmd_incidents, "validate": cmd_validate,
               "convert": cmd_convert, "synth": cmd_synth, "mentions": cmd_mentions, "outlines": cmd_outlines,
               "labels": cmd_labels}
    try:
        return handler[args.command](args, out, err)
    except DataError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=err)
        return 2
