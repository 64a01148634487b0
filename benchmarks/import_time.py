"""`import nnet` wall time in a fresh interpreter, against `import torch` (median of runs).

Run: python benchmarks/import_time.py [--repeats 7]
"""

import argparse
import statistics
import subprocess
import sys

SNIPPET = "import time; t = time.perf_counter(); import {0}; print(time.perf_counter() - t)"


def import_seconds(module):
    out = subprocess.run([sys.executable, "-c", SNIPPET.format(module)], capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    times = {"nnet": [], "pytorch": []}
    for _ in range(args.repeats):
        times["nnet"].append(import_seconds("nnet"))
        times["pytorch"].append(import_seconds("torch"))
    nnet, torch = (statistics.median(times[name]) for name in ("nnet", "pytorch"))
    print("\nimport time (fresh interpreter)")
    print("| import | median (s) |")
    print("|---|---|")
    print(f"| nnet | {nnet:.3f} |")
    print(f"| torch | {torch:.3f} |")
    print("goal: import nnet <= 0.3 s")


if __name__ == "__main__":
    main()
