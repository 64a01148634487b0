"""Shared timing for the benchmarks: interleaved runs of nnet and PyTorch, medians and ratios.

The machines are shared and noisy, so each workload alternates nnet and PyTorch runs in the same
process and reports the median of each and their ratio; quote ratios, not bare times.
"""

import os
import statistics
import time

# PyTorch's default intra-op thread count: one per core.
DEFAULT_THREADS = os.cpu_count() or 1


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
    """Print a table row per framework: median seconds and the ratio to the fastest PyTorch."""
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    reference = min((n for n in medians if n.startswith("pytorch")), key=medians.get)
    ref = medians[reference]
    print(f"\n{workload}")
    print(f"| framework | median time (s) | ratio to {reference} |")
    print("|---|---|---|")
    for name, median in medians.items():
        print(f"| {name} | {median:.4f} | {median / ref:.2f}x |")
    if goal:
        print(f"goal: {goal}")
    return {name: median / ref for name, median in medians.items()}
