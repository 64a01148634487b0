"""Shared timing for the benchmarks: interleaved runs of nnet and PyTorch, medians and ratios.

The machines are shared and noisy, so each workload alternates nnet and PyTorch runs in the same
process and reports the median of each and their ratio; quote ratios, not bare times.
"""

import statistics
import time


def interleave(runners, repeats):
    """Run each ``name -> fn`` in turn, `repeats` rounds; return ``name -> [seconds, ...]``."""
    times = {name: [] for name in runners}
    for _ in range(repeats):
        for name, fn in runners.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def report(workload, times, reference="pytorch", goal=None):
    """Print a table row per framework: median seconds and the ratio to `reference`."""
    ref = statistics.median(times[reference])
    print(f"\n{workload}")
    print(f"| framework | median time (s) | ratio to {reference} |")
    print("|---|---|---|")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"| {name} | {median:.4f} | {median / ref:.2f}x |")
    if goal:
        print(f"goal: {goal}")
    return {name: statistics.median(samples) / ref for name, samples in times.items()}
