"""The resnet workload: a stack of residual blocks, each Conv2D(3x3) + BatchNormalization + ReLU +
Conv2D(3x3) + BatchNormalization + Add + ReLU, on 16x16x16 feature maps; 1280 random images,
global average pooling and a 10-way softmax, Adam, batch 64, 1 epoch. Reports time ratios to
PyTorch eager CPU (the same network: nn.Conv2d + nn.BatchNorm2d, channels first).

Run: python benchmarks/resnet.py [--blocks 8] [--repeats 3]
"""

import argparse

import numpy as np
from common import interleave, report, variants

FILTERS = 16


def nnet_model(blocks):
    import nnet
    from nnet import layers

    inputs = nnet.Input(shape=(16, 16, 3))
    x = layers.Conv2D(FILTERS, 3, padding="same", use_bias=False)(inputs)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    for _ in range(blocks):
        y = layers.Conv2D(FILTERS, 3, padding="same", use_bias=False)(x)
        y = layers.ReLU()(layers.BatchNormalization()(y))
        y = layers.Conv2D(FILTERS, 3, padding="same", use_bias=False)(y)
        y = layers.BatchNormalization()(y)
        x = layers.ReLU()(layers.Add()([x, y]))
    x = layers.GlobalAveragePooling2D()(x)
    return nnet.Model(inputs, layers.Dense(10, activation="softmax")(x))


def nnet_run(x, y, blocks):
    model = nnet_model(blocks)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=64, verbose=0)


def torch_run(x, y, blocks, threads):
    import torch
    from torch import nn

    torch.set_num_threads(threads)

    def conv_bn():
        return [nn.Conv2d(FILTERS, FILTERS, 3, padding=1, bias=False),
                nn.BatchNorm2d(FILTERS, momentum=0.01, eps=1e-3)]

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            first, second = conv_bn(), conv_bn()
            self.body = nn.Sequential(*first, nn.ReLU(), *second)

        def forward(self, x):
            return torch.relu(x + self.body(x))

    model = nn.Sequential(
        nn.Conv2d(3, FILTERS, 3, padding=1, bias=False), nn.BatchNorm2d(FILTERS), nn.ReLU(),
        *[Block() for _ in range(blocks)],
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(FILTERS, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y)
    order = torch.randperm(len(xt))
    for start in range(0, len(xt), 64):
        index = order[start:start + 64]
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
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((1280, 16, 16, 3), dtype=np.float32)
    y = rng.integers(0, 10, size=1280).astype(np.int64)
    times = interleave(
        variants(lambda: nnet_run(x, y, args.blocks),
                 lambda threads: torch_run(x, y, args.blocks, threads)),
        args.repeats)
    layers = 3 + 7 * args.blocks + 2
    ratios = report(
        f"resnet: {args.blocks} residual blocks ({layers} layers) of Conv2D({FILTERS}, 3) + "
        "BatchNormalization + ReLU + Add on 1280x16x16x3, 1 epoch, batch 64 (fit time)",
        times, goal="nnet throughput >= 1.0x pytorch (time ratio <= 1.0)")
    for label, ratio in ratios.items():
        print(f"throughput nnet / pytorch, {label} threads: {1 / ratio:.2f}x")


if __name__ == "__main__":
    main()
