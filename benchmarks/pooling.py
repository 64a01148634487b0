"""The pooling workload: MaxPooling2D(2) forward and backward on a (64, 26, 26, 32) float32
batch (the feature map after a 3x3 convolution of 28x28 images), against PyTorch's max_pool2d
on the same channels-last data (permuted to NCHW, so PyTorch runs its channels-last kernel).

Run: python benchmarks/pooling.py [--repeats 50]
"""

import argparse

import numpy as np
from common import interleave, report, variants

SHAPE = (64, 26, 26, 32)


def nnet_step(x, g):
    import nnet

    layer = nnet.layers.MaxPooling2D(2)
    leaf = nnet.Variable(x)

    def run():
        leaf.grad = None
        nnet.backward(layer(leaf), g)

    return run


def torch_step(x, g):
    import torch

    leaf = torch.from_numpy(x).permute(0, 3, 1, 2).requires_grad_()
    upstream = torch.from_numpy(g).permute(0, 3, 1, 2)

    def run(threads):
        torch.set_num_threads(threads)
        leaf.grad = None
        torch.nn.functional.max_pool2d(leaf, 2).backward(upstream)

    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SHAPE, dtype=np.float32)
    g = rng.standard_normal((SHAPE[0], SHAPE[1] // 2, SHAPE[2] // 2, SHAPE[3]), dtype=np.float32)
    times = interleave(variants(nnet_step(x, g), torch_step(x, g)), args.repeats)
    report(f"MaxPooling2D(2) forward + backward on {SHAPE} float32", times,
           goal="nnet time <= pytorch time (ratio <= 1.0)")


if __name__ == "__main__":
    main()
