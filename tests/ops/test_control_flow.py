"""Control flow and custom gradients: values, gradients through the loops (float64 numerical
and, for a scan-built recurrence, PyTorch), symbolic use in functional models, and Keras's
calling conventions."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest

import nnet
from nnet import ops
from nnet.autodiff import Tensor, backward, check_grad


def _rnn_scan(x, h0, w, u):
    """h_t = tanh(x_t W + h_{t-1} U) over time-major x, with scan; returns (h_T, all h)."""
    return ops.scan(lambda h, xt: (lambda n: (n, n))(ops.tanh(ops.matmul(xt, w) +
                                                              ops.matmul(h, u))), h0, x)


def test_scan_recurrence_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, h0 = rng.standard_normal((5, 2, 3)), rng.standard_normal((2, 4))
    w, u = rng.standard_normal((3, 4)) * 0.5, rng.standard_normal((4, 4)) * 0.5
    leaves = [Tensor(a, requires_grad=True) for a in (x, h0, w, u)]
    last, hs = _rnn_scan(*leaves)
    backward(ops.sum(hs * hs) + ops.sum(last))
    tx, th, tw, tu = (torch.tensor(a, requires_grad=True) for a in (x, h0, w, u))
    h, outs = th, []
    for t in range(5):
        h = torch.tanh(tx[t] @ tw + h @ tu)
        outs.append(h)
    ((torch.stack(outs) ** 2).sum() + h.sum()).backward()
    np.testing.assert_allclose(hs.numpy(), torch.stack(outs).detach().numpy(), rtol=1e-12)
    for leaf, ref in zip(leaves, (tx, th, tw, tu)):
        np.testing.assert_allclose(leaf.grad, ref.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_scan_reverse_structures_and_numerical_gradient():
    rng = np.random.default_rng(1)

    def f(x, a):
        def step(carry, inputs):
            s, p = carry
            xt, at = inputs["x"], inputs["a"]
            s = s * at + xt
            return (s, p * ops.sin(xt)), {"s": s}
        (s, p), ys = ops.scan(step, (ops.zeros(3, "float64"), ops.ones(3, "float64")),
                              {"x": x, "a": a}, reverse=True)
        return ops.sum(ys["s"] * ys["s"], axis=0) + s + p

    check_grad(f, rng.standard_normal((4, 3)), rng.standard_normal((4, 3)))
    # reverse keeps ys in the order of xs: the first row is the last step.
    _, ys = ops.scan(lambda c, x: (c + x, c + x), 0.0, np.arange(1.0, 4.0), reverse=True)
    np.testing.assert_array_equal(ys.numpy(), [6.0, 5.0, 3.0])
    carry, ys = ops.scan(lambda c, x: (c + 1, None), 0, length=3)
    assert int(carry) == 3 and ys.shape == (3,)


def test_fori_and_while_loop_gradients():
    rng = np.random.default_rng(2)
    check_grad(lambda x: ops.fori_loop(0, 3, lambda i, v: ops.tanh(v * (i + 1.0)) + v, x),
               rng.standard_normal(4))

    def grow(x):
        _, y = ops.while_loop(lambda i, v: i < 4, lambda i, v: (i + 1, v * ops.cos(v)), (0, x))
        return y

    check_grad(grow, rng.standard_normal(3))
    out = ops.while_loop(lambda v: ops.sum(v) < 100, lambda v: v * 2, np.ones(2),
                         maximum_iterations=3)
    np.testing.assert_array_equal(out.numpy(), [8.0, 8.0])


def test_associative_scan_matches_a_sequential_scan_with_gradients():
    rng = np.random.default_rng(3)
    for n in (1, 2, 5, 8):
        x = rng.standard_normal((2, n, 3))
        np.testing.assert_allclose(
            ops.associative_scan(ops.add, x, axis=1).numpy(), np.cumsum(x, axis=1), rtol=1e-12)
        np.testing.assert_allclose(
            ops.associative_scan(ops.multiply, x, reverse=True, axis=1).numpy(),
            np.flip(np.cumprod(np.flip(x, 1), axis=1), 1), rtol=1e-12)
    check_grad(lambda x: ops.associative_scan(ops.multiply, x), rng.standard_normal((7, 2)))
    # A structure: the linear recurrence h_t = a_t h_{t-1} + b_t as pairs.
    a, b = rng.uniform(0.5, 1, 6), rng.standard_normal(6)
    pairs = ops.associative_scan(lambda p, q: (p[0] * q[0], q[0] * p[1] + q[1]), (a, b))
    h, expected = 0.0, []
    for at, bt in zip(a, b):
        h = at * h + bt
        expected.append(h)
    np.testing.assert_allclose(pairs[1].numpy(), expected, rtol=1e-12)


def test_map_vectorized_map_and_vectorize():
    x = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(ops.map(lambda r: r * r, x).numpy(), x * x)
    out = ops.vectorized_map(lambda p: p[0] + p[1], (x, x))
    np.testing.assert_array_equal(out.numpy(), 2 * x)
    check_grad(lambda v: ops.vectorized_map(lambda r: ops.sum(ops.exp(r)), v), x / 5)
    vdot = ops.vectorize(lambda a, b: ops.sum(a * b), signature="(n),(n)->()")
    np.testing.assert_allclose(vdot(np.ones((2, 4, 3)), np.arange(3.0)).numpy(),
                               np.full((2, 4), 3.0))
    scalar = ops.vectorize(lambda a: ops.maximum(a, 2.0))
    np.testing.assert_array_equal(scalar(np.arange(4.0)).numpy(), [2.0, 2.0, 2.0, 3.0])


def test_cond_and_switch_pick_a_branch():
    assert ops.cond(ops.array(False), lambda: 1, lambda: 2) == 2
    branches = [lambda x: x + 1, lambda x: x * 10]
    assert ops.switch(-3, branches, 2) == 3 and ops.switch(1, branches, 2) == 20
    with pytest.raises(TypeError, match="true_fn"):
        ops.cond(True, 1, lambda: 2)
    with pytest.raises(ValueError, match="no length"):
        ops.scan(lambda c, x: (c, x), 0.0)


def test_custom_gradient_both_keras_conventions_and_several_outputs():
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))

        return ops.log(1 + e), grad

    @ops.custom_gradient
    def scaled(x, y):
        def grad(upstream):
            gu, gv = upstream
            return gu * 2.0 + gv, gv * 3.0

        return (x * 2.0, x + y * 3.0), grad

    x = np.array([-50.0, 0.5, 100.0])
    check_grad(lambda t: log1pexp(t), x[1:2])
    v = nnet.Variable(x)
    backward(ops.sum(log1pexp(v)))
    np.testing.assert_allclose(v.grad, 1 / (1 + np.exp(-x)), atol=1e-15)
    check_grad(lambda a, b: (lambda p: p[0] * p[0] + p[1])(scaled(a, b)),
               np.array([0.3, -1.0]), np.array([2.0, 0.7]))
    # The forward pass records no graph of its own.
    out = log1pexp(nnet.Variable(x))
    assert out._parents and len(out._parents) == 1


def test_control_flow_inside_a_functional_model():
    inputs = nnet.Input((4, 3))

    def model_fn(x):
        seq = ops.transpose(x, (1, 0, 2))
        last, hs = ops.scan(lambda c, xt: (c + xt, c), ops.zeros_like(seq[0]), seq)
        return last

    model = nnet.Model(inputs, model_fn(inputs))
    data = np.random.default_rng(4).standard_normal((2, 4, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(data, verbose=0), data.sum(1), rtol=1e-6)
    assert model.output.shape == (None, 3)


def test_keras_dtype_is_tensor_and_saturate_cast():
    keras = pytest.importorskip("keras")
    values = np.array([-3e10, -1.5, 0.4, 254.6, 3e10], dtype="float32")
    for dtype in ("uint8", "int8", "float16", "bool"):
        np.testing.assert_array_equal(ops.saturate_cast(values, dtype).numpy(),
                                      keras.ops.convert_to_numpy(
                                          keras.ops.saturate_cast(values, dtype)))
    # Keras 3.15's torch backend wraps 3e10 around to int32's minimum; nnet saturates.
    np.testing.assert_array_equal(ops.saturate_cast(values, "int32").numpy(),
                                  [-2147483648, -1, 0, 254, 2147483520])
    for value in (np.float64(1), np.zeros(2, "int64"), np.zeros(1, "float16")):
        assert ops.dtype(value) == keras.ops.dtype(value), value
    for value in (1, 1.0, True, [1, 2]):  # Keras's dtype needs a .dtype: nnet converts first
        assert ops.dtype(value) == keras.ops.dtype(keras.ops.convert_to_tensor(value)), value
    assert ops.is_tensor(ops.ones(2)) and not ops.is_tensor(np.ones(2))
    assert not ops.is_tensor(nnet.Variable(1.0)) and not keras.ops.is_tensor(keras.Variable(1.0))
    assert not ops.is_tensor(nnet.Input((2,))) and not keras.ops.is_tensor(keras.Input((2,)))
    check_grad(lambda x: ops.saturate_cast(x, "float64") * x, np.array([0.5, -2.0]))


def test_jvp_matches_pytorch_forward_mode():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, y, tx, ty = (rng.standard_normal(s) for s in ((2, 3), (3,), (2, 3), (3,)))

    def f(a, b):
        return {"mixed": ops.sin(a) * b, "total": ops.sum(a * a)}, ops.shape(a)

    out, tangent, aux = ops.jvp(f, (x, y), (tx, ty), has_aux=True)
    (t_out, t_tan) = torch.func.jvp(lambda a, b: (torch.sin(a) * b, (a * a).sum()),
                                    (torch.tensor(x), torch.tensor(y)),
                                    (torch.tensor(tx), torch.tensor(ty)))
    np.testing.assert_allclose(out["mixed"].numpy(), t_out[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(tangent["mixed"].numpy(), t_tan[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(tangent["total"].numpy(), t_tan[1].numpy(), rtol=1e-12)
    assert aux == (2, 3) and not out["mixed"].requires_grad
    _, constant = ops.jvp(lambda a: ops.ones(3), (x,), (tx,))
    np.testing.assert_array_equal(constant.numpy(), np.zeros(3))
