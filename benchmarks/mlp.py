"""The mlp workload: 60000x784 random data, Dense 256-256-10 softmax, sparse categorical
cross-entropy, Adam, batch 128, 1 epoch. Reports throughput as a ratio to PyTorch eager CPU.

Run: python benchmarks/mlp.py [--repeats 3]
"""

import argparse

import numpy as np
from common import interleave, report, variants


def nnet_run(x, y):
    import nnet

    model = nnet.Sequential([
        nnet.Input((784,)),
        nnet.layers.Dense(256, activation="relu"),
        nnet.layers.Dense(256, activation="relu"),
        nnet.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=128, verbose=0)


def torch_run(x, y, threads):
    import torch

    torch.set_num_threads(threads)

    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    order = torch.randperm(len(xt))
    for start in range(0, len(xt), 128):
        index = order[start:start + 128]
        optimizer.zero_grad()
        logits = model(xt[index])
        loss = loss_fn(logits, yt[index])
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            (logits.argmax(-1) == yt[index]).float().mean().item()
            loss.item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((60000, 784), dtype=np.float32)
    y = rng.integers(0, 10, size=60000).astype(np.int64)
    times = interleave(variants(lambda: nnet_run(x, y), lambda threads: torch_run(x, y, threads)),
                       args.repeats)
    ratios = report("mlp: Dense 256-256-10 on 60000x784, 1 epoch, batch 128 (fit time)", times,
                    goal="nnet throughput >= 1.0x pytorch (time ratio <= 1.0)")
    for label, ratio in ratios.items():
        print(f"throughput nnet / pytorch, {label} threads: {1 / ratio:.2f}x")


if __name__ == "__main__":
    main()
