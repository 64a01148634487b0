"""Numerical gradient checking by central differences in float64."""

import numpy as np

from nnet.autodiff.engine import backward, no_grad
from nnet.autodiff.tensor import Tensor


def numerical_grad(fn, inputs, index, eps=1e-6):
    """d sum(fn(*inputs) * R)/d inputs[index] element by element, for a fixed `R` of ones.

    `fn` maps float64 arrays to an array; useful for small inputs.
    """
    x = np.array(inputs[index], dtype=np.float64)
    grad = np.zeros_like(x)
    args = [np.array(a, dtype=np.float64) for a in inputs]
    for i in np.ndindex(x.shape):
        args[index] = x.copy()
        args[index][i] += eps
        plus = np.asarray(fn(*args), dtype=np.float64).sum()
        args[index][i] -= 2 * eps
        minus = np.asarray(fn(*args), dtype=np.float64).sum()
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def check_grad(fn, *inputs, eps=1e-6, rtol=1e-5, atol=1e-7, seed=0, wrt=None):
    """Check the gradients of `fn` against central differences along random directions.

    `fn` takes Tensors and returns a Tensor. The output is projected on a fixed random array `R`,
    so the checked scalar is ``sum(fn(*inputs) * R)``; each input in `wrt` (all by default) is then
    perturbed along a random direction ``d`` and ``(f(x + eps d) - f(x - eps d)) / 2 eps`` is
    compared with ``sum(grad * d)``. Inputs are converted to float64.

    Returns the list of (analytic, numerical) directional derivatives; raises AssertionError on a
    mismatch.

    Example:
        >>> import nnet
        >>> _ = nnet.check_grad(lambda x: nnet.ops.tanh(x) * x, [[0.3, -1.2], [2.0, 0.5]])
    """
    rng = np.random.default_rng(seed)
    arrays = [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64) for x in inputs]
    wrt = range(len(arrays)) if wrt is None else wrt
    leaves = [Tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
    out = fn(*leaves)
    projection = rng.standard_normal(out.shape)
    backward(out, projection.astype(out.dtype))

    def objective(values):
        with no_grad():
            return float((np.asarray(fn(*[Tensor(v) for v in values]).data) * projection).sum())

    results = []
    for i in wrt:
        direction = rng.standard_normal(arrays[i].shape)
        plus = [a + eps * direction if j == i else a for j, a in enumerate(arrays)]
        minus = [a - eps * direction if j == i else a for j, a in enumerate(arrays)]
        numerical = (objective(plus) - objective(minus)) / (2 * eps)
        grad = leaves[i].grad
        analytic = 0.0 if grad is None else float((np.asarray(grad) * direction).sum())
        if not np.isclose(analytic, numerical, rtol=rtol, atol=atol):
            raise AssertionError(
                f"Gradient mismatch for input {i}: analytic {analytic!r} vs numerical {numerical!r}"
            )
        results.append((analytic, numerical))
    return results

