"""The autodiff engine: recording, broadcasting, accumulation, freeing and no_grad."""

import gc
import weakref

import numpy as np
import pytest

import nnet
from nnet import ops
from nnet.autodiff import Tensor, Variable, backward, check_grad, no_grad, unbroadcast


def test_unbroadcast_sums_leading_and_unit_axes():
    g = np.ones((4, 3, 5))
    assert unbroadcast(g, (3, 5)).shape == (3, 5)
    assert unbroadcast(g, (3, 1)).tolist() == [[20.0]] * 3
    assert unbroadcast(g, (1, 1, 5)).shape == (1, 1, 5)
    assert unbroadcast(g, ()).shape == () and float(unbroadcast(g, ())) == 60.0


def test_broadcast_gradient_reaches_each_input_with_its_own_shape():
    a = Variable(np.arange(6.0).reshape(2, 3), dtype="float64")
    b = Variable(np.array([1.0, 2.0, 3.0]), dtype="float64")
    backward(ops.sum(a * b))
    np.testing.assert_array_equal(a.grad, np.broadcast_to([1.0, 2.0, 3.0], (2, 3)))
    np.testing.assert_array_equal(b.grad, [3.0, 5.0, 7.0])


def test_a_tensor_used_twice_accumulates_both_paths():
    x = Variable(np.array([3.0]), dtype="float64")
    backward(ops.sum(x * x + x))
    np.testing.assert_allclose(x.grad, [7.0])


def test_direct_and_indirect_uses_of_a_tensor_both_count():
    x = Variable(np.array([1.0]), dtype="float64")
    backward(ops.add(x, ops.multiply(x, 3.0)))
    np.testing.assert_allclose(x.grad, [4.0])
    h = ops.tanh(x)
    backward(ops.sum(h + ops.exp(h) * h))
    t = np.tanh(1.0)
    np.testing.assert_allclose(x.grad, [4.0 + (1 + np.exp(t) * (1 + t)) * (1 - t * t)])


def test_diamond_graph_visits_each_node_once():
    x = Variable(np.array([2.0]), dtype="float64")
    y = x
    for _ in range(60):  # 2**60 paths: exponential if nodes were revisited
        y = y * 0.5 + y * 0.5
    backward(ops.sum(y))
    np.testing.assert_allclose(x.grad, [1.0])


def test_deep_chain_does_not_recurse():
    x = Variable(np.array([1.0]), dtype="float64")
    y = x
    for _ in range(5000):
        y = y + 1.0
    backward(ops.sum(y))
    np.testing.assert_allclose(x.grad, [1.0])


def test_leaf_gradients_accumulate_across_backward_calls():
    x = Variable(np.array([1.0, 2.0]), dtype="float64")
    backward(ops.sum(x * 2.0))
    backward(ops.sum(x * 3.0))
    np.testing.assert_allclose(x.grad, [5.0, 5.0])


def test_no_grad_records_nothing():
    x = Variable(np.array([1.0]))
    with no_grad():
        y = ops.exp(x)
    assert not y.requires_grad and y._vjp is None
    with pytest.raises(ValueError, match="does not depend on any trainable Variable"):
        backward(ops.sum(y))


def test_non_trainable_variable_gets_no_gradient():
    w = Variable(np.array([1.0]), trainable=False)
    v = Variable(np.array([1.0]))
    backward(ops.sum(w * v))
    assert w.grad is None and v.grad is not None


def test_graph_is_released_after_backward():
    x = Variable(np.ones(3), dtype="float64")
    hidden = ops.tanh(x)
    ref = weakref.ref(hidden)
    loss = ops.sum(hidden * 2.0)
    del hidden
    backward(loss)
    gc.collect()
    assert ref() is None, "intermediate tensors must be freed once the backward pass used them"


def test_skipped_inputs_do_not_compute_their_gradient():
    calls = []

    @nnet.primitive
    def scale(x, w):
        def vjp(g):
            return (lambda: calls.append("x") or g * w), (lambda: calls.append("w") or g * x)

        return x * w, vjp

    w = Variable(np.array([2.0]))
    backward(ops.sum(scale(Tensor(np.array([3.0])), w)))
    assert calls == ["w"]


def test_check_grad_catches_a_wrong_vjp():
    @nnet.primitive
    def wrong_square(x):
        return x * x, lambda g: (g * x,)  # missing the factor 2

    with pytest.raises(AssertionError, match="Gradient mismatch"):
        check_grad(wrong_square, np.array([1.0, 2.0]))


def test_tensor_operators_dispatch_to_ops():
    a = Tensor(np.array([1.0, 2.0]))
    assert ((a + 1) * 2 - a / 2).numpy().tolist() == [3.5, 5.0]
    assert (2 ** a).numpy().tolist() == [2.0, 4.0]
    assert (a @ np.array([1.0, 1.0])).numpy() == 3.0
    assert (-a)[1].numpy() == -2.0
    assert (a > 1.5).numpy().tolist() == [False, True]


def test_variable_assign_checks_shape_and_copies():
    source = np.zeros(2, dtype="float32")
    v = Variable(source)
    v.assign([1.0, 2.0])
    assert source.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match=r"shape \(3,\).*of shape \(2,\)"):
        v.assign(np.ones(3))
