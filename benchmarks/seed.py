"""The seed workload: 1000x20 random data, Dense 64-64-1, binary cross-entropy, Adam, 10 epochs,
batch 32. nnet trains through `fit(verbose=0)`; PyTorch with a plain eager training loop.

Run: python benchmarks/seed.py [--repeats 7]
"""

import argparse

import numpy as np
from common import interleave, report, variants


def nnet_run(x, y):
    import nnet

    model = nnet.Sequential([
        nnet.Input((20,)),
        nnet.layers.Dense(64, activation="relu"),
        nnet.layers.Dense(64, activation="relu"),
        nnet.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=10, batch_size=32, verbose=0)


def torch_run(x, y, threads):
    import torch

    torch.set_num_threads(threads)

    model = torch.nn.Sequential(
        torch.nn.Linear(20, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 1),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(10):
        order = torch.randperm(len(xt))
        for start in range(0, len(xt), 32):
            index = order[start:start + 32]
            optimizer.zero_grad()
            logits = model(xt[index])
            loss = loss_fn(logits, yt[index])
            loss.backward()
            optimizer.step()
            # Keras-style running metrics, as fit() tracks them.
            with torch.no_grad():
                ((logits > 0).float() == yt[index]).float().mean().item()
                loss.item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((1000, 20), dtype=np.float32)
    y = rng.integers(0, 2, size=(1000, 1)).astype(np.float32)
    times = interleave(variants(lambda: nnet_run(x, y), lambda threads: torch_run(x, y, threads)),
                       args.repeats)
    report("seed: Dense 64-64-1 on 1000x20, 10 epochs, batch 32 (fit time)", times,
           goal="nnet <= 0.5x pytorch")


if __name__ == "__main__":
    main()
