"""Data parallelism over MPI on this machine, and the cost model for a network.

1. The mlp benchmark's model and data (Dense 256-256-10 on 784 features, Adam, batch 128, one
   epoch) trained by 1 process with 2 BLAS threads and by 2 processes (``mpirun -n 2``) with 1
   thread each, interleaved; medians and their ratio.
2. The time of one allreduce (`nnet.distribution`'s sum over the processes) against the message
   size, on 2 processes (the fastest of several runs), beside the model below with a latency and
   a bandwidth fitted to it; the mlp gradient's share of the step time.
3. The ring-allreduce cost model, ``2 (N - 1) / N * bytes / bandwidth + 2 (N - 1) * latency``,
   for 1M-, 10M- and 100M-parameter models on 10 and 100 Gbit/s links at 8, 64 and 512 ranks,
   and the per-rank batch below which a step spends more time in the allreduce than in compute
   (docs/distribution.md quotes these tables).

Run: python benchmarks/mpi.py [--repeats 3] [--samples 60000]   (needs ``pip install "nnet[mpi]"``)
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from mlp import nnet_run

import nnet

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = [2 ** k for k in range(8, 25, 2)]  # float32 values per message: 1 KB .. 64 MB
MLP_PARAMETERS = 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10


def worker_fit(samples):
    """One timed epoch of the mlp benchmark's fit, under the job's distribution."""
    nnet.distribution.set_distribution(nnet.distribution.DataParallel())
    rng = np.random.default_rng(0)
    x = rng.random((samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, size=samples).astype(np.int64)
    start = time.perf_counter()
    nnet_run(x, y)
    seconds = time.perf_counter() - start
    if nnet.distribution.is_chief():
        print(json.dumps({"seconds": seconds, "steps": -(-samples // 128)}))


def worker_allreduce(repeats):
    """The shortest time of an in-place allreduce of each size in SIZES."""
    nnet.distribution.set_distribution(nnet.distribution.DataParallel())
    distribution = nnet.distribution.distribution()
    times = {}
    for size in SIZES:
        array = np.ones(size, np.float32)
        # Back to back, as a training job runs them, so that one run is not one wake-up.
        count = max(1, min(100, 2 ** 20 // size))
        samples = []
        for _ in range(max(5, repeats)):
            distribution.gather(None)  # start together
            start = time.perf_counter()
            for _ in range(count):
                distribution.sum_across(array)
            samples.append((time.perf_counter() - start) / count)
        # The fastest round: what the link can do, without the other jobs of a shared machine.
        times[size] = min(samples)
    if nnet.distribution.is_chief():
        print(json.dumps(times))


def _launch(processes, threads, *args):
    env = dict(os.environ, PYTHONPATH=str(ROOT),
               **{name: str(threads) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                  "MKL_NUM_THREADS")})
    mpirun = shutil.which("mpirun", path=str(Path(sys.executable).parent)) or "mpirun"
    done = subprocess.run([mpirun, "-n", str(processes), sys.executable, __file__, *args],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"mpirun -n {processes} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ring_allreduce_seconds(parameters, ranks, bits_per_second, latency, bytes_per_value=4):
    """The ring-allreduce model: each rank sends and receives ``2 (N - 1) / N`` of the message,
    in ``2 (N - 1)`` steps that each pay the link's latency once."""
    message = parameters * bytes_per_value
    return (2 * (ranks - 1) / ranks * message / (bits_per_second / 8)
            + 2 * (ranks - 1) * latency)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--worker", choices=["fit", "allreduce"])
    args = parser.parse_args()
    if args.worker == "fit":
        return worker_fit(args.samples)
    if args.worker == "allreduce":
        return worker_allreduce(args.repeats)

    fits = {"1 rank x 2 threads": [], "2 ranks x 1 thread": []}
    for _ in range(args.repeats):
        for label, (processes, threads) in zip(fits, ((1, 2), (2, 1))):
            fits[label].append(_launch(processes, threads, "--worker", "fit",
                                       "--samples", str(args.samples)))
    medians = {label: statistics.median(r["seconds"] for r in runs)
               for label, runs in fits.items()}
    steps = fits["1 rank x 2 threads"][0]["steps"]
    print(f"\nmlp, {args.samples} samples, batch 128 ({steps} steps), fit time, "
          f"median of {args.repeats}")
    print("| setting | seconds | ms / step |\n|---|---|---|")
    for label, seconds in medians.items():
        print(f"| {label} | {seconds:.2f} | {seconds / steps * 1e3:.2f} |")
    ratio = medians["1 rank x 2 threads"] / medians["2 ranks x 1 thread"]
    print(f"speed-up of 2 ranks x 1 thread over 1 rank x 2 threads: {ratio:.2f}x")

    times = {int(k): v for k, v in _launch(2, 1, "--worker", "allreduce",
                                           "--repeats", str(5 * args.repeats)).items()}
    sizes = sorted(times)
    # Latency from the smallest message, bandwidth from the two largest: a least-squares line
    # through all of them would follow the noise of this shared machine.
    latency = times[sizes[0]] / 2  # 2 (N - 1) ring steps for N = 2
    bandwidth = (sizes[-1] - sizes[-2]) * 4 / (times[sizes[-1]] - times[sizes[-2]])
    print("\nallreduce on 2 processes of this machine (in place, float32), against the model")
    print("| values | bytes | measured (us) | model (us) |\n|---|---|---|---|")
    for size in sizes:
        model = ring_allreduce_seconds(size, 2, bandwidth * 8, latency)
        print(f"| {size} | {size * 4} | {times[size] * 1e6:.1f} | {model * 1e6:.1f} |")
    mlp_allreduce = ring_allreduce_seconds(MLP_PARAMETERS, 2, bandwidth * 8, latency)
    step = medians["2 ranks x 1 thread"] / steps
    print(f"fitted: latency {latency * 1e6:.1f} us per ring step, bandwidth "
          f"{bandwidth / 1e9:.2f} GB/s through each rank; the mlp's gradient ({MLP_PARAMETERS} "
          f"values) takes {mlp_allreduce * 1e3:.2f} ms by the model, {mlp_allreduce / step:.0%} "
          f"of its {step * 1e3:.2f} ms step on 2 ranks")

    print("\nring allreduce of a float32 gradient, model: 2(N-1)/N * bytes / bandwidth + "
          "2(N-1) * latency (latency 10 us on the network)")
    print("| parameters | link | 8 ranks | 64 ranks | 512 ranks |\n|---|---|---|---|---|")
    links = [("10 Gbit/s", 10e9, 10e-6), ("100 Gbit/s", 100e9, 10e-6)]
    for parameters in (1e6, 1e7, 1e8):
        for name, bits, link_latency in links:
            cells = [ring_allreduce_seconds(parameters, n, bits, link_latency) * 1e3
                     for n in (8, 64, 512)]
            print(f"| {parameters:.0e} | {name} | " + " | ".join(f"{c:.2f} ms" for c in cells)
                  + " |")

    # A step costs about 6 flops per parameter and sample (2 forward, 4 backward).
    measured = 6 * MLP_PARAMETERS * 128 / 2 / step
    print(f"\nper-rank batch at which a step's compute equals its allreduce, at 50 GFLOP/s per "
          f"rank (this machine's ranks ran the mlp at {measured / 1e9:.1f} GFLOP/s)")
    print("| parameters | link | 8 ranks | 64 ranks | 512 ranks |\n|---|---|---|---|---|")
    for parameters in (1e6, 1e7, 1e8):
        for name, bits, link_latency in links:
            cells = [ring_allreduce_seconds(parameters, n, bits, link_latency) * 50e9
                     / (6 * parameters) for n in (8, 64, 512)]
            print(f"| {parameters:.0e} | {name} | " + " | ".join(f"{c:.0f}" for c in cells)
                  + " |")


if __name__ == "__main__":
    main()
