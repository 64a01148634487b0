"""The transformer workload: 512 random sequences of 64 token ids (vocabulary 1000) with random
binary labels through token + position Embedding, 2 encoder blocks (d_model 128, 4 heads of 32,
feed-forward 256, post-layer-norm, residuals), mean pooling and Dense(2); sparse categorical
cross-entropy, Adam, batch 32, 1 epoch (16 steps). nnet's functional model and the same model
in PyTorch eager (nn.MultiheadAttention), timed interleaved; ratios at default threads and 1.

Run: python benchmarks/transformer.py [--repeats 5]
"""

import argparse

import numpy as np
from common import interleave, report, variants

VOCAB, LENGTH, D_MODEL, HEADS, FF, BLOCKS, BATCH = 1000, 64, 128, 4, 256, 2, 32


def nnet_model():
    import nnet
    from nnet import layers

    class TokenAndPosition(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.tokens = layers.Embedding(VOCAB, D_MODEL)
            self.positions = layers.Embedding(LENGTH, D_MODEL)

        def call(self, ids):
            return self.tokens(ids) + self.positions(np.arange(ids.shape[-1]))

    tokens = nnet.Input((LENGTH,), dtype="int32")
    x = TokenAndPosition()(tokens)
    for _ in range(BLOCKS):
        attended = layers.MultiHeadAttention(HEADS, D_MODEL // HEADS)(x, x)
        x = layers.LayerNormalization()(x + attended)
        hidden = layers.Dense(FF, activation="relu")(x)
        x = layers.LayerNormalization()(x + layers.Dense(D_MODEL)(hidden))
    pooled = nnet.ops.mean(x, axis=1)
    model = nnet.Model(tokens, layers.Dense(2, activation="softmax")(pooled))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def nnet_run(x, y):
    nnet_model().fit(x, y, epochs=1, batch_size=BATCH, verbose=0)


def torch_run(x, y, threads):
    import torch
    from torch import nn

    torch.set_num_threads(threads)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = nn.MultiheadAttention(D_MODEL, HEADS, batch_first=True)
            self.norm1 = nn.LayerNorm(D_MODEL, eps=1e-3)
            self.ff = nn.Sequential(nn.Linear(D_MODEL, FF), nn.ReLU(), nn.Linear(FF, D_MODEL))
            self.norm2 = nn.LayerNorm(D_MODEL, eps=1e-3)

        def forward(self, x):
            x = self.norm1(x + self.attention(x, x, x, need_weights=False)[0])
            return self.norm2(x + self.ff(x))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens = nn.Embedding(VOCAB, D_MODEL)
            self.positions = nn.Embedding(LENGTH, D_MODEL)
            self.blocks = nn.Sequential(*[Block() for _ in range(BLOCKS)])
            self.head = nn.Linear(D_MODEL, 2)

        def forward(self, ids):
            x = self.tokens(ids) + self.positions(torch.arange(LENGTH))
            return self.head(self.blocks(x).mean(dim=1))

    model = Model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    order = torch.randperm(len(xt))
    for start in range(0, len(xt), BATCH):
        index = order[start:start + BATCH]
        optimizer.zero_grad()
        loss = loss_fn(model(xt[index]), yt[index])
        loss.backward()
        optimizer.step()
        loss.item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, size=(512, LENGTH)).astype(np.int64)
    y = rng.integers(0, 2, size=512).astype(np.int64)
    times = interleave(variants(lambda: nnet_run(x, y), lambda threads: torch_run(x, y, threads)),
                       args.repeats)
    ratios = report(
        f"transformer: Embedding + {BLOCKS} encoder blocks (d_model {D_MODEL}, {HEADS} heads, "
        f"sequence {LENGTH}) + mean pool + Dense, 512 sequences, 1 epoch, batch {BATCH} "
        "(model build + fit time)", times,
        goal="nnet throughput >= 1.0x pytorch (time ratio <= 1.0)")
    for label, ratio in ratios.items():
        print(f"throughput nnet / pytorch, {label} threads: {1 / ratio:.2f}x")


if __name__ == "__main__":
    main()
