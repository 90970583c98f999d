"""How fast `python -m geo synth` writes a million incidents, and in how much memory (issue 15).

Each run is a fresh Python process that reports its own wall time and peak resident memory:

* ``streamed``: the command as shipped: every random draw made once, rows built and written 50,000 at a time;
* ``whole frame`` (the naive baseline, how the command worked before issue 15, with today's row builder):
  the whole set as one GeoDataFrame, then its GeoJSON text, then the file.

Both write the same bytes (a test checks it). The naive way is measured at 100,000 and, unless --quick,
at 1,000,000 too (about a minute and several GB).

    python -m benchmarks.synth            # writes benchmarks/results-synth.md
    python -m benchmarks.synth --quick    # 100,000 only
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results-synth.md"

_CHILD = """
import json, resource, sys, time
count, path, way = int(sys.argv[1]), sys.argv[2], sys.argv[3]
started = time.perf_counter()
if way == "streamed":
    from geo.cli import main
    main(["synth", "--count", str(count), "-o", path])
else:
    from geo.export import geojson_text
    from geo.synthetic import synthetic_incidents
    with open(path, "w", encoding="utf-8") as out:
        out.write(geojson_text(synthetic_incidents(count)) + "\\n")
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def fresh_process(code: str, *args: str) -> dict:
    """Run Python `code` with `args` in a fresh process from the project root; return the JSON it prints last."""
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, check=True, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}


def store(path: Path, note: str, lines: list[str], quick: bool) -> None:
    """Print a results table and, on a full run, write it to `path` under its note (the command, the goal)."""
    table = "\n".join(lines)
    print(table)
    if not quick:
        path.write_text(f"{note}\n\n{table}\n", encoding="utf-8")


def run(count: int, way: str) -> dict:
    """Run one way of writing `count` incidents in a fresh process; return its seconds and peak memory."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synthetic.geojson"
        result = fresh_process(_CHILD, str(count), str(path), way)
        result["bytes"] = path.stat().st_size
    return result


def main(argv: list[str] | None = None) -> int:
    """Measure, print and store the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 only")
    args = parser.parse_args(argv)
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    lines = ["| incidents | way | seconds | peak memory | file | time vs whole frame |", "|---:|---|---:|---:|---:|---:|"]
    for count in sizes:
        naive = run(count, "whole frame")
        fast = run(count, "streamed")
        for way, result in (("whole frame (baseline)", naive), ("streamed", fast)):
            lines.append(f"| {count:,} | {way} | {result['seconds']:.1f} | {result['peak_mb']:,.0f} MB | "
                         f"{result['bytes'] / 1e6:,.0f} MB | {result['seconds'] / naive['seconds']:.2f}× |")
            print(lines[-1], flush=True)
    store(RESULTS, "Measured with `python -m benchmarks.synth` (a fresh process each; goal for 1,000,000: ≤ 20 s "
          "in ≤ 1 GB).", lines, args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
