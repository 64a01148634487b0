"""The batchnorm workload: BatchNormalization's training forward and backward on feature maps,
(64, 28, 28, 32) float32 channels_last (axis=-1), and the same data channels_first (axis=1),
against torch.nn.functional.batch_norm on the same values (NCHW views of the same arrays).
Also LayerNormalization's forward and backward on (64, 128, 256) against F.layer_norm.

Run: python benchmarks/batchnorm.py [--repeats 15] [--steps 10]
"""

import argparse

import numpy as np
from common import interleave, report, variants


def nnet_batchnorm(x, g, axis, steps):
    import nnet
    from nnet.autodiff import Tensor, backward

    layer = nnet.layers.BatchNormalization(axis=axis)
    xt = Tensor(x, requires_grad=True)
    layer(xt, training=True)

    def run():
        for _ in range(steps):
            xt.grad = None
            backward(layer(xt, training=True), g)

    return run


def torch_batchnorm(x, g, axis, steps):
    import torch
    import torch.nn.functional as F

    # Channels_last data is the NHWC array seen as NCHW, as torch's channels_last format.
    to_nchw = (lambda a: torch.from_numpy(a).permute(0, 3, 1, 2)) if axis == -1 else \
        torch.from_numpy
    xt, gt = to_nchw(x).requires_grad_(), to_nchw(g)
    channels = x.shape[axis]
    weight = torch.ones(channels, requires_grad=True)
    bias = torch.zeros(channels, requires_grad=True)
    running_mean, running_var = torch.zeros(channels), torch.ones(channels)

    def run(threads):
        torch.set_num_threads(threads)
        for _ in range(steps):
            xt.grad = weight.grad = bias.grad = None
            out = F.batch_norm(xt, running_mean, running_var, weight, bias, training=True,
                               momentum=0.01, eps=1e-3)
            out.backward(gt)

    return run


def nnet_layernorm(x, g, steps):
    import nnet
    from nnet.autodiff import Tensor, backward

    layer = nnet.layers.LayerNormalization()
    xt = Tensor(x, requires_grad=True)

    def run():
        for _ in range(steps):
            xt.grad = None
            backward(layer(xt, training=True), g)

    return run


def torch_layernorm(x, g, steps):
    import torch
    import torch.nn.functional as F

    xt, gt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(g)
    weight = torch.ones(x.shape[-1], requires_grad=True)
    bias = torch.zeros(x.shape[-1], requires_grad=True)

    def run(threads):
        torch.set_num_threads(threads)
        for _ in range(steps):
            xt.grad = weight.grad = bias.grad = None
            F.layer_norm(xt, x.shape[-1:], weight, bias, eps=1e-3).backward(gt)

    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 28, 28, 32)) * 2 + 1).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    for axis, data, grad in ((-1, x, g), (1, np.ascontiguousarray(x.transpose(0, 3, 1, 2)),
                                          np.ascontiguousarray(g.transpose(0, 3, 1, 2)))):
        times = interleave(variants(nnet_batchnorm(data, grad, axis, args.steps),
                                    torch_batchnorm(data, grad, axis, args.steps)),
                           args.repeats)
        report(f"batchnorm: BatchNormalization(axis={axis}) training forward + backward on "
               f"{data.shape} float32, {args.steps} steps", times,
               goal="nnet / pytorch time <= 1.0")
    x = rng.standard_normal((64, 128, 256)).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    times = interleave(variants(nnet_layernorm(x, g, args.steps),
                                torch_layernorm(x, g, args.steps)), args.repeats)
    report(f"layernorm: LayerNormalization() forward + backward on {x.shape} float32, "
           f"{args.steps} steps", times, goal="nnet / pytorch time <= 1.0")


if __name__ == "__main__":
    main()
