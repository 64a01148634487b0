"""Shared timing for the benchmarks: interleaved runs of nnet and PyTorch, medians and ratios.

The machines are shared and noisy, so each workload alternates nnet and PyTorch runs in the same
process and reports the median of each and their ratio; quote ratios, not bare times.

Both frameworks run twice per round: with their default thread count (one BLAS / intra-op
thread per core) and with a single thread. On a busy 2-core machine, multi-threaded BLAS and
PyTorch's OpenMP threads spend most of their time waiting on each other, so the ratio is
reported for each setting, nnet against PyTorch under the same setting.
"""

import contextlib
import os
import statistics
import time

DEFAULT_THREADS = os.cpu_count() or 1


@contextlib.contextmanager
def blas_threads(count):
    """Limit NumPy's BLAS to `count` threads (threadpoolctl comes with scikit-learn)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=count, user_api="blas"):
        yield


def variants(nnet_run, torch_run):
    """The four runners: nnet and PyTorch, each at the default thread count and at one."""

    def nnet_one_thread():
        with blas_threads(1):
            nnet_run()

    return {
        "nnet": nnet_run,
        "pytorch": lambda: torch_run(DEFAULT_THREADS),
        "nnet-1-thread": nnet_one_thread,
        "pytorch-1-thread": lambda: torch_run(1),
    }


def interleave(runners, repeats):
    """Run each ``name -> fn`` in turn, `repeats` rounds; return ``name -> [seconds, ...]``."""
    times = {name: [] for name in runners}
    for _ in range(repeats):
        for name, fn in runners.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def report(workload, times, goal=None):
    """Print median seconds per runner and nnet's time ratio to PyTorch at the same threads."""
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    print(f"\n{workload}")
    print("| threads | nnet (s) | pytorch (s) | nnet / pytorch time |")
    print("|---|---|---|---|")
    ratios = {}
    for label, suffix in ((f"default ({DEFAULT_THREADS})", ""), ("1", "-1-thread")):
        ours, theirs = medians["nnet" + suffix], medians["pytorch" + suffix]
        ratios[label] = ours / theirs
        print(f"| {label} | {ours:.4f} | {theirs:.4f} | {ours / theirs:.2f}x |")
    if goal:
        print(f"goal: {goal}")
    return ratios
