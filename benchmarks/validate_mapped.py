"""How long `python -m geo validate` takes on a 100,000-row CSV read through a column mapping (issue 12: ≤ 5 s).

The file is a monitor-style export this tool does not know by name: an ``entry`` id, day-first dates
(``13/04/2022``: the order is read from the column), ``N``/``E`` coordinates given with ``--map``, a
cell of two links, a category, free text. Our command (a fresh process, as a user runs it: imports,
read, every check, the JSON report) is timed against the floor of reading the same file at all:
``pandas.read_csv`` with ``pd.to_datetime(dayfirst=True)``, which checks nothing and reports nothing,
also in a fresh process. Median of three runs each.

    python -m benchmarks.validate_mapped              # 100,000 rows; about a minute
    python -m benchmarks.validate_mapped --rows 20000
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results-validate.md"
MAP = ["--map", "id=entry", "--map", "lat=N", "--map", "lon=E", "--map", "date=Event Date", "--map", "type=category"]
FLOOR = """
import sys, pandas as pd
frame = pd.read_csv(sys.argv[1], dtype=str)
frame["Event Date"] = pd.to_datetime(frame["Event Date"], dayfirst=True, errors="coerce")
print(len(frame))
"""


def write_file(path: Path, rows: int, seed: int = 2022) -> None:
    """Write a monitor-style CSV of `rows` incidents."""
    rng = random.Random(seed)
    categories = ["shelling", "air strike", "drone strike", "missile strike", "clash", "explosion"]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["entry", "Event Date", "title", "N", "E", "link", "category", "notes", "province"])
        for i in range(rows):
            day = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.choice((2022, 2023, 2024))}"
            writer.writerow([f"M{i:07d}", day, f"Incident {i}", f"{rng.uniform(44.5, 52):.5f}",
                             f"{rng.uniform(22.5, 40):.5f}",
                             f"https://news{rng.randint(1, 300)}.example.org/{i} https://t.me/channel{rng.randint(1, 50)}/{i}",
                             rng.choice(categories), f"Reported damage near site {i}.", f"Oblast {rng.randint(1, 24)}"])
        writer.writerow(["M9999999", "13/04/2022", "settles the order", "50.1", "30.1", "", "clash", "", ""])


def timed(command: list[str]) -> float:
    """Return the median wall time of three runs of a command (a fresh process each)."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=False, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Write the file, time both, print and store the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "monitor.csv"
        write_file(path, args.rows)
        check = subprocess.run([sys.executable, "-m", "geo", "validate", str(path), "--json", *MAP], cwd=ROOT,
                               capture_output=True, text=True, check=False)
        if '"loaded": ' + str(args.rows + 1) not in check.stdout:
            print(check.stdout[:2000], check.stderr[-2000:], file=sys.stderr)
            raise SystemExit("validate did not load every row: see above")
        ours = timed([sys.executable, "-m", "geo", "validate", str(path), "--json", *MAP])
        floor = timed([sys.executable, "-c", FLOOR, str(path)])
    table = ("| rows | `geo validate --json --map …` | floor: pandas.read_csv + to_datetime | ratio |\n"
             "|---:|---:|---:|---:|\n"
             f"| {args.rows + 1:,} | {ours:.2f} s | {floor:.2f} s | ×{ours / floor:.1f} |\n")
    text = f"Measured on 2 CPUs with `python -m benchmarks.validate_mapped --rows {args.rows}`.\n\n{table}"
    print(text)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
