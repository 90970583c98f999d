"""How long a restarted server takes to have a dataset again: parsing the file, or loading it as read before.

Each run is a fresh Python process (as a restarted server is) that reads a synthetic GeoJSON file with
`geo.read_incidents` and reports its wall time and peak memory:

* ``parse`` (the baseline): no cache, the file parsed and checked as on a first read, lists read as values;
* ``parse, lists as JSON text``: the same, as the dashboard reads a file the first time (``json_text=True``);
* ``cached``: the same call with a cache folder that already holds the result (geo/imports/cache.py):
  the file is hashed in blocks and the result loaded from Parquet;
* ``cached, lists as JSON text``: what the dashboard asks for (``json_text=True``): the columns of lists and
  mappings stay JSON text in one Arrow buffer (geo/json_cells.py), read into values only where rows are read.

    python -m benchmarks.import_cache            # 100,000 and 1,000,000 rows; writes benchmarks/results-import-cache.md
    python -m benchmarks.import_cache --quick    # 100,000 only
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks.synth import fresh_process, store

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results-import-cache.md"

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from geo.imports import read_incidents
path, cache = Path(sys.argv[1]), (Path(sys.argv[2]) if sys.argv[2] != "-" else None)
started = time.perf_counter()
result = read_incidents(path, cache=cache, json_text=sys.argv[3] == "json")
seconds = time.perf_counter() - started
from geo.imports.split import helper_pids
helper = 0.0  # the reading helper's peak (a large file's other core), alive until this process ends
for pid in helper_pids():
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    helper += next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "helper_mb": helper, "rows": len(result.frame)}))
"""


def main(argv: list[str] | None = None) -> int:
    """Measure, print and store the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows only")
    args = parser.parse_args(argv)
    lines = ["| incidents | way | seconds | peak memory (+ the reading helper's) | vs parse |", "|---:|---|---:|---:|---:|"]
    for count in ([100_000] if args.quick else [100_000, 1_000_000]):
        with tempfile.TemporaryDirectory() as folder:
            data, cache = Path(folder) / "synthetic.geojson", Path(folder) / "cache"
            fresh_process("from geo.cli import main; import sys; main(['synth', '--count', sys.argv[1], '-o', sys.argv[2]])",
                          str(count), str(data))
            parse = fresh_process(_CHILD, str(data), "-", "values")
            parse_text = fresh_process(_CHILD, str(data), "-", "json")
            fresh_process(_CHILD, str(data), str(cache), "values")  # the first read with a cache keeps the result
            cached = fresh_process(_CHILD, str(data), str(cache), "values")
            as_text = fresh_process(_CHILD, str(data), str(cache), "json")
            ways = (("parse (baseline)", parse), ("parse, lists as JSON text (the dashboard's first read)", parse_text),
                    ("cached", cached), ("cached, lists as JSON text (the dashboard's)", as_text))
            for way, result in ways:
                helper = f" + {result['helper_mb']:,.0f} MB" if result.get("helper_mb") else ""
                lines.append(f"| {count:,} | {way} | {result['seconds']:.1f} | {result['peak_mb']:,.0f} MB{helper} | "
                             f"{result['seconds'] / parse['seconds']:.2f}× |")
                print(lines[-1], flush=True)
    store(RESULTS, "Measured with `python -m benchmarks.import_cache` (a fresh process each, as a restarted server).",
          lines, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
