"""How long the first search waits for its text: every incident's words, folded, per row (`Dataset.search_text`).

Each way runs in a fresh Python process that loads a synthetic dataset as the dashboard does (lists as JSON text,
repeated text as categories; from a kept copy after the first) and then makes the text, timing it and reading the
process's peak memory from the moment it starts:

* ``row by row`` (the baseline): each row's cells' words joined and folded in Python, 100,000 rows at a time
  (the dashboard's way until stop 36);
* ``dashboard``: each column's distinct cells folded once, joined by Arrow (``Dataset.search_text``).

A first process reads the file and keeps it; each way's process then loads that copy, as a restarted server does.

Both texts are hashed: the run stops if they differ.

    python -m benchmarks.search_text            # 100,000 and 1,000,000 rows, GeoJSON and ACLED-style CSV
    python -m benchmarks.search_text --quick    # 100,000 only; nothing written
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks.synth import fresh_process, store

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results-search.md"

_CHILD = """
import hashlib, json, sys, time
from pathlib import Path
import pandas as pd
import pyarrow as pa
import geo
from dashboard.data import dataset as datasets
from geo.memory import give_back

def status(field):
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(field)) / 1024

def row_by_row(data):
    names = [name for name in data.frame.columns if name not in datasets.UNSEARCHED]
    chunks = []
    for low in range(0, len(data.frame), datasets.SEARCH_BLOCK_ROWS):
        block = data.frame.iloc[low:low + datasets.SEARCH_BLOCK_ROWS]
        cells = [datasets.column_words(block[name]) for name in names]
        joined = [" ".join(words) for words in zip(*cells, strict=True)] if cells else [""] * len(block)
        chunks.append(pa.array(geo.fold_many(pd.Series(joined, dtype=object)).tolist(), type=pa.large_string()))
    return pa.chunked_array(chunks, type=pa.large_string())

path, cache, way = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
data = datasets.from_import(geo.read_incidents(path, cache=cache, json_text=True, categories=True))
if way == "keep":  # the first read: parsed, and kept for the ways' loads
    sys.exit(0)
give_back()
held = status("VmRSS:")
open("/proc/self/clear_refs", "w").write("5")  # the peak from here on
started = time.perf_counter()
text = row_by_row(data) if way == "row" else pa.array(data.search_text.array)
seconds, peak = time.perf_counter() - started, status("VmHWM:")
digest = hashlib.sha256()
# After the peak is read: these Python strings are the check's, not the search's.
for chunk in text.chunks if isinstance(text, pa.ChunkedArray) else [text]:
    digest.update("\\n".join(chunk.to_pylist()).encode() + b"\\n")
print(json.dumps({"seconds": seconds, "held_mb": held, "peak_mb": peak, "digest": digest.hexdigest()}))
"""


def main(argv: list[str] | None = None) -> int:
    """Measure, print and store the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows only")
    args = parser.parse_args(argv)
    lines = ["| incidents | data | way | seconds | held before | peak during | vs row by row |",
             "|---:|---|---|---:|---:|---:|---:|"]
    for count in ([100_000] if args.quick else [100_000, 1_000_000]):
        for kind in ("GeoJSON", "ACLED-style CSV"):
            with tempfile.TemporaryDirectory() as folder:
                data, cache = Path(folder) / ("data.geojson" if kind == "GeoJSON" else "data.csv"), Path(folder) / "c"
                if kind == "GeoJSON":
                    fresh_process("from geo.cli import main; import sys; main(['synth', '--count', sys.argv[1], '-o', "
                                  "sys.argv[2]])", str(count), str(data))
                else:
                    fresh_process("from benchmarks.acled_like import write_acled_like; import sys; from pathlib import "
                                  "Path; write_acled_like(int(sys.argv[1]), Path(sys.argv[2]))", str(count), str(data))
                fresh_process(_CHILD, str(data), str(cache), "keep")  # both ways then load the same kept copy
                row = fresh_process(_CHILD, str(data), str(cache), "row")
                ours = fresh_process(_CHILD, str(data), str(cache), "dashboard")
                if row["digest"] != ours["digest"]:
                    raise SystemExit(f"the two ways made different texts for {count:,} {kind} rows")
                for way, result in (("row by row (baseline)", row), ("dashboard", ours)):
                    lines.append(f"| {count:,} | {kind} | {way} | {result['seconds']:.1f} | {result['held_mb']:,.0f} MB | "
                                 f"{result['peak_mb']:,.0f} MB | {result['seconds'] / row['seconds']:.2f}× |")
                    print(lines[-1], flush=True)
    store(RESULTS, "Measured with `python -m benchmarks.search_text` (a fresh process each; the peak counted from the "
          "search's start).", lines, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
