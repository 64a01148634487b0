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


def test_a_primitive_without_vjp_records_nothing():
    x = Variable(np.array([1.0, -2.0]))
    for y in (x > 0.0, ops.argmax(x), ops.sign(x), ops.stop_gradient(x)):
        assert not y.requires_grad and y._vjp is None
    backward(ops.sum(ops.where(x > 0.0, x, 0.0) + ops.stop_gradient(x)))
    np.testing.assert_array_equal(x.grad, [1.0, 0.0])


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


def test_a_second_backward_through_a_freed_graph_raises():
    x = Variable(np.array([1.0]), dtype="float64")
    y = ops.exp(x)
    backward(ops.sum(3.0 * y))
    with pytest.raises(RuntimeError, match="already freed.*retain_graph=True"):
        backward(ops.sum(5.0 * y))
    np.testing.assert_allclose(x.grad, 3 * np.e)


def test_retain_graph_allows_a_second_backward():
    x = Variable(np.array([1.0]), dtype="float64")
    y = ops.exp(x)
    backward(ops.sum(3.0 * y), retain_graph=True)
    backward(ops.sum(5.0 * y))
    np.testing.assert_allclose(x.grad, 8 * np.e)


def test_leaf_gradients_are_independent_arrays():
    a = Variable(np.array([1.0, 2.0]), dtype="float64")
    b = Variable(np.array([3.0, 4.0]), dtype="float64")
    backward(ops.sum(a + b))
    assert a.grad is not b.grad and not np.shares_memory(a.grad, b.grad)
    a.grad += 1.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    # A gradient that reached its leaf as a read-only broadcast view is writable too.
    c = Variable(np.ones((2, 3)), dtype="float64")
    backward(ops.sum(c))
    c.grad *= 2.0
    np.testing.assert_array_equal(c.grad, np.full((2, 3), 2.0))


def test_a_weight_changed_in_place_after_the_forward_pass_is_refused():
    w = Variable(np.array([2.0]), dtype="float64", name="kernel")
    w.path = "dense/kernel"
    x = Tensor(np.array([3.0]))
    loss = ops.sum(ops.exp(w * x))
    w.assign([5.0])
    with pytest.raises(RuntimeError, match="dense/kernel was modified in place"):
        backward(loss)
    w.assign_add([1.0])
    backward(ops.sum(w * x))  # a fresh forward pass is fine
    np.testing.assert_allclose(w.grad, [3.0])


def test_variable_numpy_returns_a_copy():
    w = Variable(np.array([1.0, 2.0]))
    w.numpy()[0] = 100.0
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(w), [1.0, 2.0])


def test_assign_add_and_assign_sub_broadcast_and_check_shapes():
    w = Variable(np.zeros((2, 2)), dtype="float64", name="w")
    w.assign_add(np.ones(2))
    w.assign_sub(0.5)
    np.testing.assert_array_equal(w.numpy(), np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match=r"Cannot add a value of shape \(3,\) to variable 'w'"):
        w.assign_add(np.ones(3))
    with pytest.raises(ValueError, match=r"Cannot assign a value of shape \(2,\)"):
        w.assign(np.ones(2))


def test_tensor_comparisons_are_elementwise_and_tensors_stay_hashable():
    a, b = Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 0.0, 3.0])
    np.testing.assert_array_equal((a == b).numpy(), [True, False, True])
    np.testing.assert_array_equal((a != b).numpy(), [False, True, False])
    np.testing.assert_array_equal((a == 2.0).numpy(), [False, True, False])
    assert len({a, b}) == 2 and {a: 1}[a] == 1


def test_a_primitive_with_several_outputs_gets_one_gradient_per_output():
    calls = []

    @nnet.primitive
    def split_scale(x):
        def vjp(gs):
            calls.append(gs)
            g0, g1 = gs
            g = np.zeros_like(x)
            if g0 is not None:
                g[:2] += 2.0 * g0
            if g1 is not None:
                g[2:] += 3.0 * g1
            return (g,)
        return (2.0 * x[:2], 3.0 * x[2:]), vjp

    x = Variable(np.arange(5.0), dtype="float64")
    first, second = split_scale(x)
    backward(ops.sum(first * first) + ops.sum(second) + ops.sum(first))
    assert len(calls) == 1  # the vjp runs once, after both outputs' gradients are in
    np.testing.assert_allclose(x.grad, [2 * (2 * 0.0 * 2 + 1), 2 * (2 * 1.0 * 2 + 1), 3, 3, 3])
    x.grad = None
    only_second = split_scale(x)[1]
    backward(ops.sum(only_second))
    assert calls[-1][0] is None
    np.testing.assert_allclose(x.grad, [0, 0, 3, 3, 3])
    with no_grad():
        outs = split_scale(x)
    assert isinstance(outs, tuple) and not outs[0].requires_grad
    check_grad(lambda v: ops.sum(ops.exp(split_scale(v)[0])) + ops.sum(split_scale(v)[1] ** 2),
               np.linspace(-1.0, 1.0, 5))


def test_gradient_recording_is_per_thread():
    import threading

    seen = []
    with no_grad():
        thread = threading.Thread(target=lambda: seen.append(nnet.autodiff.is_grad_enabled()))
        thread.start()
        thread.join()
    assert seen == [True]


def test_an_optimizer_step_between_forward_and_backward_is_refused():
    w = Variable(np.array([2.0]), name="kernel")
    w.path = "dense/kernel"
    loss = ops.sum(w * w)
    backward(loss, retain_graph=True)
    nnet.optimizers.SGD(0.1).apply([w.grad], [w])
    with pytest.raises(RuntimeError, match="dense/kernel was modified in place"):
        backward(loss)
