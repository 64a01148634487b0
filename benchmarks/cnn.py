"""The cnn workload: 10000 random 28x28x1 images, Conv2D(32, 3, relu) -> MaxPooling2D(2) ->
Conv2D(64, 3, relu) -> MaxPooling2D(2) -> Flatten -> Dense(10, softmax), sparse categorical
cross-entropy, Adam, batch 64, 1 epoch. Reports throughput and peak memory as ratios to PyTorch
eager CPU.

Peak memory: each framework trains once more in a fresh subprocess (same thread setting): after a
warm-up fit on two batches, the peak resident set size is reset and the report is its growth
during the epoch over the resident set size just before (data, model and framework loaded): the
memory that training takes, measured the same way for both (the pages of NumPy's and PyTorch's
allocators alike). Linux only (/proc/self/clear_refs).

``--no-pooling`` drops both pooling layers (in both frameworks): the convolutions' cost alone.

Run: python benchmarks/cnn.py [--repeats 3] [--no-pooling]
"""

import argparse
import gc
import json
import subprocess
import sys

import numpy as np
from common import DEFAULT_THREADS, blas_threads, interleave, report, variants

SAMPLES, BATCH = 10000, 64


def data():
    rng = np.random.default_rng(0)
    x = rng.random((SAMPLES, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, size=SAMPLES).astype(np.int64)
    return x, y


def nnet_model(pooling):
    import nnet

    def pool():
        return [nnet.layers.MaxPooling2D(2)] if pooling else []

    model = nnet.Sequential([
        nnet.Input((28, 28, 1)),
        nnet.layers.Conv2D(32, 3, activation="relu"), *pool(),
        nnet.layers.Conv2D(64, 3, activation="relu"), *pool(),
        nnet.layers.Flatten(),
        nnet.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def nnet_run(x, y, pooling):
    nnet_model(pooling).fit(x, y, epochs=1, batch_size=BATCH, verbose=0)


def torch_setup(x, y, threads, pooling):
    import torch

    torch.set_num_threads(threads)
    def pool():
        return [torch.nn.MaxPool2d(2)] if pooling else []

    side = 5 if pooling else 24
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), *pool(),
        torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), *pool(),
        torch.nn.Flatten(),
        torch.nn.Linear(64 * side * side, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    # PyTorch's native layout is channels first.
    xt, yt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))), torch.from_numpy(y)

    def fit():
        loss_fn = torch.nn.CrossEntropyLoss()
        order = torch.randperm(len(xt))
        for start in range(0, len(xt), BATCH):
            index = order[start:start + BATCH]
            optimizer.zero_grad()
            logits = model(xt[index])
            loss = loss_fn(logits, yt[index])
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                (logits.argmax(-1) == yt[index]).float().mean().item()
                loss.item()

    return fit


def torch_run(x, y, threads, pooling):
    torch_setup(x, y, threads, pooling)()


def _status_kib(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def measure_memory(framework, threads, pooling):
    """In this (fresh) process: the peak RSS growth during one fit, in MiB.

    A first fit on two batches loads what each framework allocates once (BLAS thread buffers,
    lazily built kernels); then the peak RSS is reset (Linux's /proc/self/clear_refs) and the
    growth of the peak over the RSS before the measured fit is what training takes.
    """
    x, y = data()
    if framework == "pytorch":
        torch_setup(x[:2 * BATCH], y[:2 * BATCH], threads, pooling)()
        return _peak_growth(torch_setup(x, y, threads, pooling))
    with blas_threads(threads):
        model = nnet_model(pooling)
        model.fit(x[:2 * BATCH], y[:2 * BATCH], epochs=1, batch_size=BATCH, verbose=0)
        return _peak_growth(lambda: model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0))


def _peak_growth(fit):
    gc.collect()
    before = _status_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    fit()
    return (_status_kib("VmHWM") - before) / 1024


def memory_in_subprocess(framework, threads, pooling):
    command = [sys.executable, __file__, "--memory-of", framework, "--threads", str(threads)]
    if not pooling:
        command.append("--no-pooling")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-pooling", action="store_true")
    parser.add_argument("--memory-of", choices=("nnet", "pytorch"), help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    pooling = not args.no_pooling
    if args.memory_of:
        print(json.dumps(measure_memory(args.memory_of, args.threads, pooling)))
        return
    x, y = data()
    times = interleave(variants(lambda: nnet_run(x, y, pooling),
                                lambda threads: torch_run(x, y, threads, pooling)),
                       args.repeats)
    shape = "with" if pooling else "without"
    ratios = report(f"cnn: Conv2D 32-64 ({shape} MaxPooling2D) + Dense 10 on 10000x28x28x1, "
                    "1 epoch, batch 64 (fit time)", times,
                    goal="nnet throughput >= 1.0x pytorch (time ratio <= 1.0)")
    for label, ratio in ratios.items():
        print(f"throughput nnet / pytorch, {label} threads: {1 / ratio:.2f}x")
    print("\n| threads | nnet peak (MiB) | pytorch peak (MiB) | nnet / pytorch memory |")
    print("|---|---|---|---|")
    for label, threads in ((f"default ({DEFAULT_THREADS})", DEFAULT_THREADS), ("1", 1)):
        ours = memory_in_subprocess("nnet", threads, pooling)
        theirs = memory_in_subprocess("pytorch", threads, pooling)
        print(f"| {label} | {ours:.1f} | {theirs:.1f} | {ours / theirs:.2f}x |")
    print("goal: nnet peak memory <= 1.5x pytorch (peak RSS growth during fit, own subprocess)")


if __name__ == "__main__":
    main()
