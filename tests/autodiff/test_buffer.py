"""ParameterBuffer: variables are views into one flat weight array, backward writes their
gradients into one flat gradient array, and the layout is checked rather than trusted."""

import numpy as np
import pytest

from nnet import ops
from nnet.autodiff import ParameterBuffer, Tensor, Variable, backward
from nnet.optimizers import SGD


def _variables(dtype="float32"):
    rng = np.random.default_rng(0)
    return [Variable(rng.normal(size=shape), name=name, dtype=dtype)
            for name, shape in (("kernel", (3, 2)), ("bias", (2,)), ("scale", ()))]


def test_variables_become_views_into_the_weight_array_with_their_values_kept():
    variables = _variables()
    values = [v.numpy() for v in variables]
    buffer = ParameterBuffer(variables)
    assert buffer.data.shape == (9,) and buffer.data.dtype == np.float32
    np.testing.assert_array_equal(buffer.data, np.concatenate([a.ravel() for a in values]))
    for v, value, view in zip(variables, values, buffer.views(buffer.data)):
        assert v.buffer is buffer and v.data.base is buffer.data
        assert v.shape == value.shape and v.dtype == np.float32
        np.testing.assert_array_equal(v.numpy(), value)
        np.testing.assert_array_equal(view, value)
    assert buffer.variables == tuple(variables) and buffer.intact()


def test_assign_writes_into_the_buffer():
    kernel, bias, scale = variables = _variables()
    buffer = ParameterBuffer(variables)
    kernel.assign(np.full((3, 2), 7.0))
    bias.assign_add([1.0, 1.0])
    scale.assign_sub(scale.numpy())
    assert buffer.intact()
    np.testing.assert_array_equal(buffer.data[:6], 7.0)
    np.testing.assert_array_equal(buffer.data[6:8], bias.numpy())
    assert buffer.data[8] == 0.0
    # numpy() is a copy: changing it leaves the buffer alone.
    kernel.numpy()[...] = 0.0
    np.testing.assert_array_equal(buffer.data[:6], 7.0)


def test_gradients_land_in_the_gradient_array_and_accumulate_there():
    kernel, bias, scale = variables = _variables()
    twins = [Variable(v.numpy(), name=v.name) for v in variables]
    buffer = ParameterBuffer(variables)
    x = Tensor(np.arange(6.0, dtype="float32").reshape(2, 3))

    def loss(k, b, s):
        return ops.sum(ops.tanh(ops.matmul(x, k) + b) * s)

    for _ in range(2):
        backward(loss(*variables))
        backward(loss(*twins))
    for v, twin, view in zip(variables, twins, buffer.views(buffer.grad)):
        assert v.grad.base is buffer.grad and np.shares_memory(v.grad, view)
        np.testing.assert_allclose(v.grad, twin.grad, rtol=1e-6)
    np.testing.assert_allclose(buffer.grad, np.concatenate([t.grad.ravel() for t in twins]),
                               rtol=1e-6)


def test_gradients_in_the_buffer_are_independent_of_each_other_and_of_the_graph():
    a, b = Variable([1.0, 2.0]), Variable([3.0, 4.0])
    buffer = ParameterBuffer([a, b])
    upstream = Tensor(np.array([5.0, 6.0], "float32"))
    # The vjp of + hands the same array to both inputs.
    backward(ops.sum((a + b) * upstream))
    assert not np.shares_memory(a.grad, b.grad)
    a.grad += 1.0
    np.testing.assert_array_equal(b.grad, [5.0, 6.0])
    np.testing.assert_array_equal(upstream.data, [5.0, 6.0])
    np.testing.assert_array_equal(buffer.grad, [6.0, 7.0, 5.0, 6.0])
    # A read-only broadcast gradient is copied into the view, which stays writable.
    c = Variable(np.ones((2, 3)))
    ParameterBuffer([c])
    backward(ops.sum(c))
    c.grad *= 2.0
    np.testing.assert_array_equal(c.grad, np.full((2, 3), 2.0))


def test_zero_grad_zeroes_the_array_and_leaves_unreached_variables_without_gradient():
    a, b = Variable([1.0]), Variable([2.0])
    buffer = ParameterBuffer([a, b])
    backward(ops.sum(a * b))
    np.testing.assert_array_equal(buffer.grad, [2.0, 1.0])
    buffer.zero_grad()
    assert a.grad is None and b.grad is None
    np.testing.assert_array_equal(buffer.grad, [0.0, 0.0])
    backward(ops.sum(a * 3.0))
    assert b.grad is None
    np.testing.assert_array_equal(a.grad, [3.0])
    np.testing.assert_array_equal(buffer.grad, [3.0, 0.0])


def test_non_trainable_variables_share_the_weights_but_get_no_gradient_array():
    frozen = ParameterBuffer([Variable([1.0], trainable=False), Variable([2.0], trainable=False)])
    assert frozen.grad is None
    frozen.zero_grad()
    mixed_in = Variable([3.0], trainable=False)
    trained = Variable([4.0])
    mixed = ParameterBuffer([mixed_in, trained])
    backward(ops.sum(mixed_in * trained))
    assert mixed_in.grad is None
    np.testing.assert_array_equal(mixed.grad, [0.0, 3.0])


def test_an_update_in_the_buffer_after_the_forward_pass_is_refused():
    w = Variable(np.array([2.0]), name="kernel")
    w.path = "dense/kernel"
    buffer = ParameterBuffer([w])
    loss = ops.sum(w * w)
    backward(loss, retain_graph=True)
    SGD(0.1).apply([w.grad], [w])
    np.testing.assert_allclose(buffer.data, [1.6])
    with pytest.raises(RuntimeError, match="dense/kernel was modified in place"):
        backward(loss)


def test_for_variables_reuses_an_intact_buffer_and_builds_one_otherwise():
    a, b, c = Variable([1.0]), Variable([2.0]), Variable([3.0])
    first = ParameterBuffer.for_variables([a, b])
    assert ParameterBuffer.for_variables([a, b]) is first
    # Another order or another set takes the variables over: the first is no longer intact.
    second = ParameterBuffer.for_variables([b, a, c])
    assert second is not first and not first.intact() and second.intact()
    assert a.buffer is second and not first.holds([a, b]) and second.holds([b, a, c])
    np.testing.assert_array_equal(second.data, [2.0, 1.0, 3.0])
    assert ParameterBuffer.for_variables([]) is None
    assert ParameterBuffer.for_variables([a, Variable([1.0], dtype="float64")]) is None


def test_replacing_data_breaks_the_layout_and_the_gradient_stays_right():
    a, b = Variable([1.0, 2.0]), Variable([3.0])
    buffer = ParameterBuffer([a, b])
    a.data = np.array([5.0, 6.0, 7.0], "float32")
    assert not buffer.intact() and not buffer.holds([a, b])
    backward(ops.sum(a * 2.0) + ops.sum(b))
    np.testing.assert_array_equal(a.grad, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(b.grad, [1.0])


@pytest.mark.parametrize("variables, error, message", [
    ([], ValueError, r"at least one variable"),
    ([np.zeros(2)], TypeError, r"Expected Variables"),
    ([Variable([1.0]), Variable([1.0], dtype="float64")], ValueError,
     r"one dtype.*\['float32', 'float64'\].*one buffer per dtype"),
])
def test_bad_variables_are_refused(variables, error, message):
    with pytest.raises(error, match=message):
        ParameterBuffer(variables)


def test_a_variable_given_twice_is_refused():
    a = Variable([1.0])
    with pytest.raises(ValueError, match="only once"):
        ParameterBuffer([a, a])
