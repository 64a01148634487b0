"""Why very deep networks need skip connections: a 100+-layer residual network next to a plain
network of the same depth, on scikit-learn's handwritten digits (8x8 grayscale images).

The residual network stacks blocks of Conv2D + BatchNormalization + ReLU + Conv2D +
BatchNormalization, each added back to its input (the skip connection) before a ReLU. It is built
twice: in a loop inside a subclassed model, and with the functional API (whose `model.layers`
counts every layer: 118 with the default 16 blocks). The plain network has the same convolutions
with neither skips nor normalization. With skips, the gradient reaches the first layers through
the additions and the deep network trains; without them it barely moves from chance.
The training curves go to deep_residual_curves.png.
Run: python examples/deep_residual.py [--blocks 16] [--epochs 12]
"""

import argparse

import numpy as np
from sklearn.datasets import load_digits

import nnet
from nnet import layers, ops

FILTERS = 16


class ResidualBlock(layers.Layer):
    """relu(x + bn(conv(relu(bn(conv(x)))))): two convolutions and a skip connection."""

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = layers.Conv2D(filters, 3, padding="same", use_bias=False)
        self.bn1 = layers.BatchNormalization(momentum=0.9)
        self.conv2 = layers.Conv2D(filters, 3, padding="same", use_bias=False)
        self.bn2 = layers.BatchNormalization(momentum=0.9)

    def call(self, x):
        y = ops.relu(self.bn1(self.conv1(x)))
        return ops.relu(x + self.bn2(self.conv2(y)))


class ResidualNetwork(nnet.Model):
    """A convolutional stem, `blocks` residual blocks made in a loop, pooling and a softmax."""

    def __init__(self, blocks, classes=10, **kwargs):
        super().__init__(**kwargs)
        self.stem = layers.Conv2D(FILTERS, 3, padding="same", use_bias=False)
        self.stem_bn = layers.BatchNormalization(momentum=0.9)
        self.blocks = [ResidualBlock(FILTERS) for _ in range(blocks)]
        self.pool = layers.GlobalAveragePooling2D()
        self.head = layers.Dense(classes, activation="softmax")

    def call(self, x):
        x = ops.relu(self.stem_bn(self.stem(x)))
        for block in self.blocks:
            x = block(x)
        return self.head(self.pool(x))


def functional_residual_network(blocks, classes=10):
    """The same network with the functional API: every layer shows in `model.layers`."""
    inputs = nnet.Input(shape=(8, 8, 1))
    x = layers.Conv2D(FILTERS, 3, padding="same", use_bias=False)(inputs)
    x = layers.ReLU()(layers.BatchNormalization(momentum=0.9)(x))
    for _ in range(blocks):
        y = layers.Conv2D(FILTERS, 3, padding="same", use_bias=False)(x)
        y = layers.ReLU()(layers.BatchNormalization(momentum=0.9)(y))
        y = layers.BatchNormalization(momentum=0.9)(layers.Conv2D(FILTERS, 3, padding="same",
                                                      use_bias=False)(y))
        x = layers.ReLU()(layers.Add()([x, y]))
    outputs = layers.Dense(classes, activation="softmax")(layers.GlobalAveragePooling2D()(x))
    return nnet.Model(inputs, outputs, name="residual_functional")


def plain_network(blocks, classes=10):
    """The same convolutions (one stem and two per block) without skips or normalization."""
    return nnet.Sequential(
        [nnet.Input(shape=(8, 8, 1))]
        + [layers.Conv2D(FILTERS, 3, padding="same", activation="relu")
           for _ in range(2 * blocks + 1)]
        + [layers.GlobalAveragePooling2D(), layers.Dense(classes, activation="softmax")],
        name="plain",
    )


def train(model, data, epochs):
    (x_train, y_train), (x_test, y_test) = data
    model.compile(optimizer=nnet.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=64, verbose=0)
    accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
    return history.history["loss"], accuracy


def plot(curves, path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, losses in curves.items():
        ax.plot(range(1, len(losses) + 1), losses, marker="o", label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title("Same depth, with and without skip connections")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    print(f"training curves saved to {path}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=12)
    args = parser.parse_args()
    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))
    x = (digits.images[order] / 16.0).astype("float32")[..., None]
    y = digits.target[order]
    cut = int(0.8 * len(x))
    data = (x[:cut], y[:cut]), (x[cut:], y[cut:])

    models = {}
    nnet.utils.set_random_seed(0)
    models["residual (subclassed)"] = ResidualNetwork(args.blocks)
    nnet.utils.set_random_seed(0)
    models["residual (functional)"] = functional_residual_network(args.blocks)
    nnet.utils.set_random_seed(0)
    models["plain (no skips, no normalization)"] = plain_network(args.blocks)
    print(f"functional residual network: {len(models['residual (functional)'].layers)} layers, "
          f"{2 * args.blocks + 1} convolutions deep")

    curves = {}
    for name, model in models.items():
        curves[name], accuracy = train(model, data, args.epochs)
        print(f"{name}: final training loss {curves[name][-1]:.4f}, "
              f"test accuracy {accuracy:.4f}")
    try:
        plot(curves, "deep_residual_curves.png")
    except ImportError:
        print("matplotlib is not installed (pip install 'nnet[plot]'): no plot")


if __name__ == "__main__":
    main()
