"""Import cost of nnet against NumPy alone, with the bytecode cache warm and with none.

Each row is timed inside a fresh interpreter (``perf_counter`` around the statement, so
interpreter start-up is left out) and reported as the median of `--repeats` runs; the rows of a
round run one after the other, so that load on a shared machine falls on all of them alike.

- ``cached``: the usual case, ``.pyc`` files read from ``__pycache__`` (written by a first run).
- ``compiled``: every module compiled from source: ``PYTHONDONTWRITEBYTECODE=1`` and a fresh,
  empty ``-X pycache_prefix`` directory per run, so no ``.pyc`` is found or written. Each run
  checks that nnet's own ``.pyc`` really was absent.

``import nnet`` loads submodules on first use, so two more rows time what a script pays for the
parts it touches: the layers alone, and everything a model needs (`Sequential` loads the trainer,
losses, metrics, optimizers and callbacks). PyTorch, when installed, is timed cached only
(compiling it from source takes tens of seconds a run).

Run: python benchmarks/import_time.py [--repeats 7]
"""

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile

# The nnet of this checkout, whatever the current directory ("-c" puts the cwd first on the path).
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ROWS = {
    "numpy": "import numpy",
    "nnet": "import nnet",
    "nnet.layers": "from nnet.layers import Dense",
    "nnet, first model": "import nnet; nnet.Sequential; nnet.layers.Dense",
    "torch": "import torch",
}

# Prints the seconds the statement took, then whether nnet's bytecode was read from a cache file.
SNIPPET = """\
import os, sys, time
t = time.perf_counter()
{statement}
elapsed = time.perf_counter() - t
nnet = sys.modules.get("nnet")
cached = bool(nnet) and os.path.exists(nnet.__spec__.cached)
print(elapsed, cached)
"""


def run_once(statement, compiled):
    """Seconds `statement` takes in a fresh interpreter; with `compiled`, with no bytecode cache."""
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as prefix:
        command = [sys.executable]
        if compiled:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            command += ["-X", f"pycache_prefix={prefix}"]
        command += ["-c", SNIPPET.format(statement=statement)]
        out = subprocess.run(command, capture_output=True, text=True, check=True, env=env,
                             cwd=ROOT)
    elapsed, cached = out.stdout.split()
    if compiled and cached == "True":
        raise RuntimeError("nnet was imported from a .pyc although the cache was turned off.")
    return float(elapsed)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rows = {name: statement for name, statement in ROWS.items()
            if name != "torch" or importlib.util.find_spec("torch")}
    modes = {"cached": False, "compiled": True}
    for statement in rows.values():
        run_once(statement, compiled=False)  # write the .pyc files the cached mode reads
    times = {(name, mode): [] for name in rows for mode in modes}
    for _ in range(args.repeats):
        for mode, compiled in modes.items():
            for name, statement in rows.items():
                if not (compiled and name == "torch"):
                    times[name, mode].append(run_once(statement, compiled))
    median = {key: statistics.median(samples) for key, samples in times.items() if samples}
    print(f"\nimport time, median of {args.repeats} fresh interpreters")
    print("| import | cached (s) | / numpy | compiled (s) | / numpy |")
    print("|---|---|---|---|---|")
    for name in rows:
        cells = []
        for mode in modes:
            if (name, mode) in median:
                seconds = median[name, mode]
                cells += [f"{seconds:.4f}", f"{seconds / median['numpy', mode]:.3f}"]
            else:
                cells += ["-", "-"]
        print(f"| {name} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
