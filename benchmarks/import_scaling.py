"""How an import's cost grows with the width of a file: it must be linear, not quadratic (issue 10).

Two hostile shapes from the second adversarial review, each at doubling sizes:

- ``keys``: a GeoJSON file whose every feature carries a property name of its own (N features, N keys);
- ``columns``: a CSV file of 10 rows and N columns.

Each is read by the importer (``geo.imports.read_incidents``, caps raised to let it through) and by the
naive approach it replaced, in the same run: ``DataFrame.from_records`` over the features' properties
(features × keys cells), and a frame built one column at a time. Every measurement runs in a fresh process,
so that its peak memory is its own; the median of three runs is kept. The table gives time, peak RSS and
the ratio to the size before.

    python -m benchmarks.import_scaling                  # ours 1k–8k, naive 1k–2k: about three minutes
    python -m benchmarks.import_scaling --naive-sizes 1000 2000 4000
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results-import.md"
ROWS = 10  # rows of the wide CSV


def keys_file(n: int) -> bytes:
    """A FeatureCollection of n features, each with a property name no other feature has."""
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [30.5 + i * 1e-5, 50.4]},
                 "properties": {"id": f"f{i}", "date_start": "2023-05-01", f"key_{i}": "x"}} for i in range(n)]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8")


def columns_file(n: int) -> bytes:
    """A CSV of ROWS rows and n free columns besides latitude, longitude and date."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["latitude", "longitude", "date", *(f"c{i}" for i in range(n))])
    for row in range(ROWS):
        writer.writerow(["50.4", "30.5", f"2023-01-{row + 1:02d}", *[str(row)] * n])
    return out.getvalue().encode("utf-8")


def read_ours(shape: str, raw: bytes) -> int:
    from geo.imports import read_incidents
    from geo.limits import Limits

    limits = Limits(property_keys=100_000, columns=100_000)
    name = "wide.geojson" if shape == "keys" else "wide.csv"
    return len(read_incidents(raw, name, limits=limits).frame)


def read_naive(shape: str, raw: bytes) -> int:
    import pandas as pd

    if shape == "keys":  # what the importer did: one record per feature, a table of features × keys
        features = json.loads(raw)["features"]
        records = [{**f["properties"], "_lon": f["geometry"]["coordinates"][0]} for f in features]
        return len(pd.DataFrame.from_records(records))
    reader = csv.reader(io.StringIO(raw.decode("utf-8")))
    header = next(reader)
    values = pd.DataFrame(list(reader), columns=header, dtype=object)
    frame = pd.DataFrame(index=values.index)
    for name in header:  # what the importer did: one column at a time
        frame[name] = values[name].to_numpy()
    return len(frame)


def measure_one(shape: str, n: int, approach: str) -> dict:
    """Read one file in this process; return seconds and this process's peak RSS."""
    raw = keys_file(n) if shape == "keys" else columns_file(n)
    import pandas  # noqa: F401

    import geo.imports  # noqa: F401  (imports are not what is measured)

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    rows = (read_ours if approach == "ours" else read_naive)(shape, raw)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "peak_mb": peak / 1024, "growth_mb": (peak - before) / 1024, "rows": rows,
            "file_mb": len(raw) / 1e6}


def measure(shape: str, n: int, approach: str, repeat: int) -> dict:
    """Run measure_one in fresh processes (peak memory is then each one's own); the median of `repeat` runs."""
    command = [sys.executable, "-m", "benchmarks.import_scaling", "--one", shape, str(n), approach]
    runs = [json.loads(subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
                       .stdout.strip().splitlines()[-1]) for _ in range(repeat)]
    return sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]


def main(argv: list[str] | None = None) -> int:
    """Run every measurement and write the table (also to benchmarks/results-import.md)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000])
    parser.add_argument("--naive-sizes", type=int, nargs="+", default=[1000, 2000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is kept")
    parser.add_argument("--one", nargs=3, metavar=("SHAPE", "N", "APPROACH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        shape, n, approach = args.one
        print(json.dumps(measure_one(shape, int(n), approach)))
        return 0
    lines = [f"Measured {date.today()} with `python -m benchmarks.import_scaling` (each in a fresh process, "
             f"median of {args.repeat}).", "",
             "| file | N | approach | file size | time | × previous N | peak RSS |", "|---|---:|---|---:|---:|---:|---:|"]
    for shape, label in (("keys", "GeoJSON, N features with a key each"), ("columns", f"CSV, {ROWS} rows × N columns")):
        for approach, sizes in (("ours", args.sizes), ("naive", args.naive_sizes)):
            previous = None
            for n in sizes:
                result = measure(shape, n, approach, args.repeat)
                ratio = f"×{result['seconds'] / previous:.1f}" if previous else ""
                previous = result["seconds"]
                name = "importer" if approach == "ours" else (
                    "naive: DataFrame.from_records" if shape == "keys" else "naive: one column at a time")
                line = (f"| {label} | {n:,} | {name} | {result['file_mb']:.2f} MB | {result['seconds']:.2f} s | {ratio} | "
                        f"{result['peak_mb']:,.0f} MB |")
                print(line, flush=True)
                lines.append(line)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
