"""The optimizer step over a ParameterBuffer: one update_step call per step for an elementwise
optimizer, flat slots with Keras's names and no extra entries, gradients only read, and the
per-variable fallback whenever the layout does not fit, checked against per-variable runs."""

import warnings
from unittest import mock

import numpy as np
import pytest

import nnet
from nnet import ops, optimizers
from nnet.autodiff import ParameterBuffer, Tensor, Variable, backward
from nnet.layers import Dense

ELEMENTWISE = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam",
               "Lion", "Ftrl"]
SHAPES = {"kernel": (4, 3), "bias": (3,), "scale": ()}


def _variables(dtypes=("float32",) * 3):
    rng = np.random.default_rng(0)
    return [Variable(rng.normal(size=shape), name=name, dtype=dtype)
            for (name, shape), dtype in zip(SHAPES.items(), dtypes)]


def _gradients(variables, steps, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=v.shape).astype(v.dtype) for v in variables] for _ in range(steps)]


def _backward(variables, grads):
    """Gradients `grads` through a real backward pass: d/dv sum(v * g) is g."""
    terms = [ops.sum(v * Tensor(g)) for v, g in zip(variables, grads) if g is not None]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    backward(total)


def _spy(optimizer):
    """Record the variable (a Variable or the ParameterBuffer) of each update_step call."""
    targets = []
    step = optimizer.update_step

    def update_step(gradient, variable, learning_rate):
        targets.append(variable)
        step(gradient, variable, learning_rate)

    optimizer.update_step = update_step
    return targets


def _assert_same_state(ours, reference, variables, reference_variables):
    for v, r in zip(variables, reference_variables):
        np.testing.assert_allclose(v.numpy(), r.numpy(), rtol=1e-6, atol=1e-7)
        assert v.dtype == r.dtype
    assert [v.path for v in ours.variables] == [v.path for v in reference.variables]
    for v, r in zip(ours.variables, reference.variables):
        np.testing.assert_allclose(v.numpy(), r.numpy(), rtol=1e-6, atol=1e-7)


def _make(class_name, **kwargs):
    if class_name == "AdamW":
        kwargs.setdefault("weight_decay", 0.1)
    return getattr(optimizers, class_name)(learning_rate=0.05, name="opt", **kwargs)


# One call per step -----------------------------------------------------------------------

@pytest.mark.parametrize("class_name", ELEMENTWISE)
def test_fit_runs_one_update_step_per_step_over_the_buffer(class_name):
    x = np.random.default_rng(0).normal(size=(24, 4)).astype("float32")
    model = nnet.Sequential([nnet.Input((4,)), Dense(5, activation="tanh"), Dense(1)])
    optimizer = _make(class_name)
    targets = _spy(optimizer)
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(x, x[:, :1], epochs=2, batch_size=8, verbose=0)
    buffer = model.trainable_weights[0].buffer
    assert isinstance(buffer, ParameterBuffer) and buffer.holds(model.trainable_weights)
    assert len(targets) == 6 and all(t is buffer for t in targets)


def test_fit_runs_a_non_elementwise_optimizer_per_variable():
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    model = nnet.Sequential([nnet.Input((4,)), Dense(5, activation="tanh"), Dense(1)])
    optimizer = optimizers.Lamb(learning_rate=0.05)
    targets = _spy(optimizer)
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(x, x[:, :1], epochs=1, batch_size=8, verbose=0)
    assert targets == model.trainable_weights * 2


def test_an_override_of_update_step_must_declare_elementwise_again():
    class Recording(optimizers.SGD):
        def update_step(self, gradient, variable, learning_rate):
            super().update_step(gradient, variable, learning_rate)

    class Declared(Recording):
        elementwise = True

    for cls, expected in ((Recording, "Variable"), (Declared, "ParameterBuffer")):
        variables = _variables()
        ParameterBuffer(variables)
        optimizer = cls(0.1)
        targets = _spy(optimizer)
        optimizer.apply([v.data.copy() for v in variables], variables)
        assert {type(t).__name__ for t in targets} == {expected}


# Flat state ------------------------------------------------------------------------------

def test_slots_are_views_into_one_flat_array_per_name_without_extra_entries():
    variables = _variables()
    ParameterBuffer(variables)
    optimizer = optimizers.Adam(amsgrad=True, use_ema=True, gradient_accumulation_steps=2,
                                name="adam")
    optimizer.build(variables)
    slot_lists = [optimizer._momentums, optimizer._velocities, optimizer._velocity_hats,
                  optimizer._model_variables_moving_average, optimizer._accumulated_gradients]
    for slots in slot_lists:
        assert len(slots) == len(variables)
        flat = slots[0].buffer.data
        assert flat.shape == (16,)
        assert all(s.data.base is flat and s.shape == v.shape for s, v in zip(slots, variables))
    # Keras's names and order, per variable as without a buffer.
    names = ["kernel", "bias", "scale"]
    assert [v.path for v in optimizer.variables] == (
        ["adam/iteration", "adam/learning_rate"]
        + [f"adam/{n}_average" for n in names]
        + [f"adam/{n}_gradient_accumulator" for n in names]
        + [f"adam/{n}_{slot}" for n in names for slot in ("momentum", "velocity")]
        + [f"adam/{n}_velocity_hat" for n in names]
    )


@pytest.mark.parametrize("kwargs", [
    {"loss_scale_factor": 4.0, "clipnorm": 0.5},
    {"gradient_accumulation_steps": 2, "global_clipnorm": 0.3},
    {"clipvalue": 0.1, "weight_decay": 0.2},
])
def test_the_gradient_buffer_is_only_read(kwargs):
    variables = _variables()
    buffer = ParameterBuffer(variables)
    optimizer = optimizers.Adam(0.1, **kwargs)
    targets = _spy(optimizer)
    for grads in _gradients(variables, 2):
        buffer.zero_grad()
        _backward(variables, grads)
        before = buffer.grad.copy()
        optimizer.apply([v.grad for v in variables], variables)
        np.testing.assert_array_equal(buffer.grad, before)
    assert targets and all(t is buffer for t in targets)


# Fallbacks, each checked against the same steps on variables without a buffer ------------

def _compare(class_name, steps, prepare, grads_for, **kwargs):
    """Run `steps` on a laid-out set and on plain copies; `prepare(variables, buffer)` breaks the
    layout, `grads_for(step, grads)` may drop gradients."""
    variables, reference_variables = _variables(), _variables()
    buffer = ParameterBuffer(variables)
    ours, reference = _make(class_name, **kwargs), _make(class_name, **kwargs)
    targets, warned = _spy(ours), []
    for step, grads in enumerate(_gradients(variables, steps)):
        grads = grads_for(step, grads)
        buffer.zero_grad()
        _backward(variables, grads)
        prepare(step, variables, buffer)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ours.apply([v.grad for v in variables], variables)
            warned += [(step, str(w.message)) for w in caught]
            reference.apply(grads, reference_variables)
    _assert_same_state(ours, reference, variables, reference_variables)
    return targets, warned


@pytest.mark.parametrize("class_name", ["Adam", "SGD", "RMSprop", "Nadam"])
def test_a_step_where_a_variable_gets_no_gradient_runs_per_variable(class_name):
    # Step 1 leaves bias without a gradient: bias and its slots must not move (no stale
    # gradient, no momentum step), with Keras's warning.
    targets, warned = _compare(
        class_name, 3, lambda step, variables, buffer: None,
        lambda step, grads: [g if (step, k) != (1, 1) else None for k, g in enumerate(grads)],
        **({"momentum": 0.9} if class_name in ("SGD", "RMSprop") else {}),
    )
    assert [(step, message[:45]) for step, message in warned] == [
        (1, "Gradients do not exist for variables ['bias']")]
    names = [t.name if isinstance(t, Variable) else "flat" for t in targets]
    assert names == ["flat", "kernel", "scale", "flat"]


def test_replaced_data_falls_back_to_per_variable_updates():
    def replace(step, variables, buffer):
        if step == 1:
            variables[0].data = variables[0].data.copy()
            assert not buffer.intact()

    targets, _ = _compare("Adam", 3, replace, lambda step, grads: grads, use_ema=True)
    assert [type(t).__name__ for t in targets] == ["ParameterBuffer"] + ["Variable"] * 6


def test_variables_moved_into_another_buffer_fall_back_to_per_variable_updates():
    def move(step, variables, buffer):
        if step == 1:
            ParameterBuffer(variables[::-1])

    targets, _ = _compare("RMSprop", 3, move, lambda step, grads: grads, momentum=0.5,
                          clipnorm=0.4)
    assert [type(t).__name__ for t in targets] == ["ParameterBuffer"] + ["Variable"] * 6


def test_a_subset_of_the_variables_updates_per_variable():
    variables, reference_variables = _variables(), _variables()
    ParameterBuffer(variables)
    ours, reference = _make("Adam"), _make("Adam")
    ours.build(variables)
    reference.build(reference_variables)
    targets = _spy(ours)
    for grads in _gradients(variables, 2):
        ours.apply(grads[:2], variables[:2])
        reference.apply(grads[:2], reference_variables[:2])
    _assert_same_state(ours, reference, variables, reference_variables)
    assert targets == variables[:2] * 2
    # An optimizer built on part of a buffer's variables updates them one by one too.
    partial = optimizers.SGD(0.1, momentum=0.5)
    targets = _spy(partial)
    partial.apply(grads[1:], variables[1:])
    assert targets == variables[1:]


def test_variables_of_several_dtypes_update_per_variable():
    dtypes = ("float32", "float64", "float32")
    variables, reference_variables = _variables(dtypes), _variables(dtypes)
    assert ParameterBuffer.for_variables(variables) is None
    ParameterBuffer([variables[0], variables[2]])
    ParameterBuffer([variables[1]])
    ours, reference = _make("Adam", global_clipnorm=1.0), _make("Adam", global_clipnorm=1.0)
    targets = _spy(ours)
    for grads in _gradients(variables, 3):
        ours.apply(grads, variables)
        reference.apply(grads, reference_variables)
    _assert_same_state(ours, reference, variables, reference_variables)
    assert targets == variables * 3 and variables[1].dtype == np.float64


# Under fit -------------------------------------------------------------------------------

class _TwoBranches(nnet.Model):
    """``a(x) + b(x)``, or ``a(x)`` alone while `use_b` is False."""

    def __init__(self):
        super().__init__()
        self.a = Dense(1, name="a")
        self.b = Dense(1, name="b")
        self.use_b = True

    def call(self, x, training=None):
        y = self.a(x)
        return y + self.b(x) if self.use_b else y


def test_fit_leaves_a_variable_without_gradient_untouched_in_that_step():
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = _TwoBranches()
    model.compile(optimizer=optimizers.Adam(0.1), loss="mse")
    seen = []

    class Toggle(nnet.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            model.use_b = batch % 2 == 0
            seen.append([model.b.kernel.numpy(), model.a.kernel.numpy()])

        def on_train_batch_end(self, batch, logs=None):
            seen[-1] += [model.b.kernel.numpy(), model.a.kernel.numpy()]

    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables "
                                         r"\['__two_branches/b/kernel', '__two_branches/b/bias'\]"):
        model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0, callbacks=[Toggle()])
    buffer = model.a.kernel.buffer
    assert buffer is model.b.kernel.buffer and buffer.holds(model.trainable_weights)
    for batch, (b_before, a_before, b_after, a_after) in enumerate(seen):
        assert not np.array_equal(a_before, a_after)
        assert np.array_equal(b_before, b_after) == (batch % 2 == 1)


def test_fit_with_layers_of_several_dtypes_trains_per_variable():
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    model = nnet.Sequential([nnet.Input((4,)), Dense(3, dtype="float64"), Dense(1)])
    optimizer = optimizers.Adam(0.05)
    targets = _spy(optimizer)
    model.compile(optimizer=optimizer, loss="mse")
    before = [v.numpy() for v in model.trainable_weights]
    with mock.patch.object(ParameterBuffer, "zero_grad") as zero_grad:
        model.fit(x, x[:, :1], epochs=1, batch_size=8, verbose=0)
    assert zero_grad.call_count == 0
    assert all(v.buffer is None for v in model.trainable_weights)
    assert targets == model.trainable_weights * 2
    assert all(not np.array_equal(b, v.numpy()) for b, v in zip(before, model.trainable_weights))
