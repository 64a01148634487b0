"""The lstm workload: 4000 random sequences of 80 token ids below 10000 -> Embedding(10000, 64)
-> LSTM(64) -> Dense(1, sigmoid), binary cross-entropy, Adam, batch 64, 1 epoch. Reports
throughput as a ratio to PyTorch eager CPU (nn.Embedding, nn.LSTM, nn.Linear).

Run: python benchmarks/lstm.py [--repeats 3]
"""

import argparse

import numpy as np
from common import interleave, report, variants

VOCABULARY, LENGTH, SAMPLES, WIDTH, BATCH = 10000, 80, 4000, 64, 64


def nnet_run(x, y):
    import nnet

    model = nnet.Sequential([
        nnet.Input((LENGTH,), dtype="int32"),
        nnet.layers.Embedding(VOCABULARY, WIDTH),
        nnet.layers.LSTM(WIDTH),
        nnet.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)


def torch_run(x, y, threads):
    import torch

    torch.set_num_threads(threads)

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(VOCABULARY, WIDTH)
            self.lstm = torch.nn.LSTM(WIDTH, WIDTH, batch_first=True)
            self.dense = torch.nn.Linear(WIDTH, 1)

        def forward(self, ids):
            _, (h, _) = self.lstm(self.embedding(ids))
            return self.dense(h[0])[:, 0]

    model = Model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    xt, yt = torch.from_numpy(x).long(), torch.from_numpy(y)
    order = torch.randperm(len(xt))
    for start in range(0, len(xt), BATCH):
        index = order[start:start + BATCH]
        optimizer.zero_grad()
        logits = model(xt[index])
        loss = loss_fn(logits, yt[index])
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            ((logits > 0).float() == yt[index]).float().mean().item()
            loss.item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCABULARY, size=(SAMPLES, LENGTH)).astype(np.int32)
    y = rng.integers(0, 2, size=SAMPLES).astype(np.float32)
    times = interleave(variants(lambda: nnet_run(x, y), lambda threads: torch_run(x, y, threads)),
                       args.repeats)
    ratios = report(
        f"lstm: Embedding({VOCABULARY}, {WIDTH}) -> LSTM({WIDTH}) -> Dense(1, sigmoid) on "
        f"{SAMPLES}x{LENGTH} token ids, 1 epoch, batch {BATCH} (fit time)", times,
        goal="nnet throughput >= 1.2x pytorch (time ratio <= 0.83)")
    for label, ratio in ratios.items():
        print(f"throughput nnet / pytorch, {label} threads: {1 / ratio:.2f}x")


if __name__ == "__main__":
    main()
