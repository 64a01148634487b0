"""Custom layers and components plug into nnet the way they plug into Keras.

A custom Layer (add_weight, add_loss, nnet.ops) gets exact gradients and trains; a subclass of
each component base class (Loss, Metric, Callback, Initializer, Regularizer, Constraint,
LearningRateSchedule) takes effect in compile/fit/Dense, checked against values computed by
hand; and the registered ones survive a config round trip. Custom training steps are in
test_custom_training.py.
"""

import json

import numpy as np
import pytest
from custom_helpers import LogRecorder, regression_data

import nnet
from nnet import ops
from nnet.autodiff import numerical_grad
from nnet.layers import Dense
from nnet.utils import register_keras_serializable

PACKAGE = "nnet_custom_components_tests"


@register_keras_serializable(package=PACKAGE)
class GatedProjection(nnet.layers.Layer):
    """``tanh(x @ w) * gate``, adding ``penalty * mean(output**2)`` with add_loss."""

    def __init__(self, units, penalty=0.01, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.penalty = penalty
        self.kernel_initializer = nnet.initializers.get(kernel_initializer)

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer=self.kernel_initializer, name="w")
        self.gate = self.add_weight(shape=(self.units,), initializer="ones", name="gate")

    def call(self, inputs):
        outputs = ops.tanh(ops.matmul(inputs, self.w)) * self.gate
        self.add_loss(self.penalty * ops.mean(ops.square(outputs)))
        return outputs

    def get_config(self):
        return {**super().get_config(), "units": self.units, "penalty": self.penalty,
                "kernel_initializer": nnet.initializers.serialize(self.kernel_initializer)}


@register_keras_serializable(package=PACKAGE)
class ArangeInitializer(nnet.initializers.Initializer):
    """``offset + scale * [0, 1, 2, ...]`` in the weight's shape."""

    def __init__(self, scale=0.1, offset=0.0):
        self.scale = scale
        self.offset = offset

    def __call__(self, shape, dtype=None):
        values = self.offset + self.scale * np.arange(int(np.prod(shape)), dtype="float64")
        return values.reshape(shape).astype(dtype or "float32")

    def get_config(self):
        return {"scale": self.scale, "offset": self.offset}


@register_keras_serializable(package=PACKAGE)
class CubicPenalty(nnet.regularizers.Regularizer):
    """``factor * sum(|x|**3)``."""

    def __init__(self, factor=0.01):
        self.factor = factor

    def __call__(self, x):
        return self.factor * ops.sum(ops.abs(x) ** 3)

    def get_config(self):
        return {"factor": self.factor}


@register_keras_serializable(package=PACKAGE)
class ClipWeights(nnet.constraints.Constraint):
    """Clips every weight to ``[-limit, limit]``."""

    def __init__(self, limit=0.1):
        self.limit = limit

    def __call__(self, w):
        return ops.clip(w, -self.limit, self.limit)

    def get_config(self):
        return {"limit": self.limit}


@register_keras_serializable(package=PACKAGE)
class ScaledSquaredError(nnet.losses.Loss):
    """``scale * mean((y_pred - y_true)**2, axis=-1)`` per sample."""

    def __init__(self, scale=2.0, name="scaled_squared_error", **kwargs):
        super().__init__(name=name, **kwargs)
        self.scale = scale

    def call(self, y_true, y_pred):
        return self.scale * ops.mean(ops.square(y_pred - y_true), axis=-1)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@register_keras_serializable(package=PACKAGE)
class WithinTolerance(nnet.metrics.Metric):
    """The fraction of predictions within `tolerance` of their target, over all batches."""

    def __init__(self, tolerance=0.5, name="within_tolerance", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.tolerance = tolerance
        self.hits = self.add_variable(shape=(), name="hits")
        self.count = self.add_variable(shape=(), name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        close = np.abs(np.asarray(y_pred) - np.asarray(y_true)) < self.tolerance
        self.hits.assign(self.hits.numpy() + close.sum())
        self.count.assign(self.count.numpy() + close.size)

    def result(self):
        return float(self.hits.numpy() / self.count.numpy())

    def get_config(self):
        return {**super().get_config(), "tolerance": self.tolerance}


@register_keras_serializable(package=PACKAGE)
class HalvingSchedule(nnet.optimizers.schedules.LearningRateSchedule):
    """``initial_learning_rate / 2 ** (step // every)``."""

    def __init__(self, initial_learning_rate=0.1, every=2):
        self.initial_learning_rate = initial_learning_rate
        self.every = every

    def __call__(self, step):
        return self.initial_learning_rate * 0.5 ** (int(step) // self.every)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "every": self.every}


class RecordingSGD(nnet.optimizers.SGD):
    """SGD that records each update_step call: the step, the rate, w before, gradient, w after."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.updates = []

    def update_step(self, gradient, variable, learning_rate):
        before = variable.numpy().copy()
        super().update_step(gradient, variable, learning_rate)
        self.updates.append((int(self.iterations.numpy()), learning_rate, before,
                             np.array(gradient), variable.numpy().copy()))


def _linear_model(features=4, seed=1, **dense_kwargs):
    """Input -> Dense(1) with fixed random weights (a model whose gradients are easy by hand)."""
    rng = np.random.default_rng(seed)
    model = nnet.Sequential([nnet.Input((features,)), Dense(1, **dense_kwargs)])
    model.layers[0].set_weights([rng.standard_normal((features, 1)).astype("float32"),
                                 rng.standard_normal(1).astype("float32")])
    return model


# Custom Layer -------------------------------------------------------------------------------

def _fit_objective(layer, target):
    """``mean((layer(x) - target)**2)`` plus the layer's add_loss terms, at given weights."""

    def objective(inputs, w, gate):
        layer.set_weights([w, gate])
        total = ops.mean(ops.square(layer(inputs) - target))
        for term in layer.losses:
            total = total + term
        return total

    return objective


def test_custom_layer_gradients_match_float64_numerical_gradients():
    rng = np.random.default_rng(0)
    x, target = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    weights = [rng.standard_normal((4, 3)), 1 + 0.3 * rng.standard_normal(3)]
    grads = {}
    for penalty in (0.0, 0.5):
        layer = GatedProjection(3, penalty=penalty, dtype="float64")
        layer(x)
        objective = _fit_objective(layer, target)
        inputs = nnet.Tensor(x, requires_grad=True)
        nnet.backward(objective(inputs, *weights))
        analytic = [inputs.grad, layer.w.grad, layer.gate.grad]
        assert all(g is not None and g.dtype == np.float64 for g in analytic)
        with nnet.no_grad():
            for i, wrt in enumerate(("inputs", "w", "gate")):
                numerical = numerical_grad(objective, [x, *weights], i)
                np.testing.assert_allclose(analytic[i], numerical, rtol=1e-6, atol=1e-9,
                                           err_msg=f"d/d{wrt}")
        grads[penalty] = analytic
    # The add_loss term contributes its own gradient.
    assert not np.allclose(grads[0.0][1], grads[0.5][1])


def test_build_called_directly_builds_a_custom_layer_once():
    # Keras marks a layer built after its build() returns, even when build() does not say so.
    layer = GatedProjection(3)
    layer.build((None, 4))
    assert layer.built
    layer(np.ones((2, 4), "float32"))
    assert [w.shape for w in layer.weights] == [(4, 3), (3,)]


def test_custom_layer_trains_and_its_add_loss_is_in_the_logged_loss():
    nnet.utils.set_random_seed(0)
    x, y = regression_data()
    model = nnet.Sequential([nnet.Input((4,)), GatedProjection(16, penalty=0.05), Dense(1)])
    model.compile(optimizer=nnet.optimizers.Adam(0.02), loss="mse")
    w, gate = (v.numpy() for v in model.layers[0].weights)
    kernel, bias = model.layers[1].get_weights()
    hidden = np.tanh(x @ w) * gate
    expected = np.mean((hidden @ kernel + bias - y) ** 2) + 0.05 * np.mean(hidden ** 2)
    assert model.evaluate(x, y, batch_size=len(x), verbose=0) == pytest.approx(expected, rel=1e-5)
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]


# Custom component classes -------------------------------------------------------------------

def test_custom_loss_value_and_gradient_train_the_model():
    x, y = regression_data(n=32)
    model = _linear_model()
    model.compile(optimizer=nnet.optimizers.SGD(0.05), loss=ScaledSquaredError(scale=3.0))
    kernel, bias = model.get_weights()
    residual = x @ kernel + bias - y
    assert model.evaluate(x, y, verbose=0) == pytest.approx(3 * np.mean(residual ** 2), rel=1e-5)
    assert model.train_on_batch(x, y) == pytest.approx(3 * np.mean(residual ** 2), rel=1e-5)
    # d/dW of 3 * mean(residual**2) is 6 * x.T @ residual / N.
    expected_kernel = kernel - 0.05 * 6 * x.T @ residual / len(x)
    expected_bias = bias - 0.05 * 6 * residual.mean(0)
    np.testing.assert_allclose(model.get_weights()[0], expected_kernel, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(model.get_weights()[1], expected_bias, rtol=1e-5, atol=1e-7)
    history = model.fit(x, y, epochs=10, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_custom_metric_matches_a_hand_computation_and_resets():
    x, y = regression_data(n=30)
    metric = WithinTolerance(tolerance=0.75)
    model = _linear_model()
    model.compile(optimizer=nnet.optimizers.SGD(0.0), loss="mse", metrics=[metric])
    close = np.abs(model.predict(x, verbose=0) - y) < 0.75
    assert 0 < close.sum() < close.size
    for _ in range(2):
        logs = model.evaluate(x, y, batch_size=7, verbose=0, return_dict=True)
        assert logs["within_tolerance"] == pytest.approx(close.mean(), rel=1e-6)
        assert float(metric.hits.numpy()) == close.sum()
    history = model.fit(x, y, epochs=2, batch_size=7, shuffle=False, verbose=0)
    assert history.history["within_tolerance"] == pytest.approx([close.mean()] * 2, rel=1e-6)
    metric.reset_state()
    assert float(metric.count.numpy()) == 0


def test_custom_callback_sees_model_params_and_logs_and_can_stop_training():
    x, y = regression_data(n=32)
    model = _linear_model()
    model.compile(optimizer="sgd", loss="mse")
    recorder = LogRecorder(stop_after=2)
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[recorder])
    assert history.epoch == [0, 1]
    assert recorder.model is model
    assert recorder.events[0] == ("train_begin", {"verbose": 0, "epochs": 5, "steps": 4})
    assert recorder.events[1:] == [
        ("epoch_begin", 0), ("epoch_end", 0), ("epoch_begin", 1), ("epoch_end", 1),
        ("train_end", None)]
    assert len(recorder.batch_logs) == 8
    assert [logs["loss"] for logs in recorder.epoch_logs] == history.history["loss"]
    assert recorder.batch_logs[3]["loss"] == pytest.approx(history.history["loss"][0])


def test_custom_initializer_gives_the_initial_weights():
    x, y = regression_data(n=16)
    model = nnet.Sequential([
        nnet.Input((4,)),
        Dense(3, kernel_initializer=ArangeInitializer(0.1),
              bias_initializer=ArangeInitializer(scale=-0.5, offset=1.0)),
        GatedProjection(2, kernel_initializer=ArangeInitializer(0.01, offset=-0.02)),
    ])
    kernel, bias, w, gate = model.get_weights()
    np.testing.assert_array_equal(kernel, (0.1 * np.arange(12.0)).reshape(4, 3).astype("float32"))
    np.testing.assert_array_equal(bias, (1.0 - 0.5 * np.arange(3.0)).astype("float32"))
    np.testing.assert_array_equal(w, (-0.02 + 0.01 * np.arange(6.0)).reshape(3, 2)
                                  .astype("float32"))
    np.testing.assert_array_equal(gate, np.ones(2, "float32"))
    assert kernel.dtype == np.float32
    wide = Dense(2, kernel_initializer=ArangeInitializer(0.25), dtype="float64")
    wide.build((None, 2))
    assert wide.kernel.dtype == np.float64
    np.testing.assert_array_equal(wide.kernel.numpy(), [[0.0, 0.25], [0.5, 0.75]])
    expected = np.tanh((x @ kernel + bias) @ w) * gate
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-7)


def test_custom_regularizer_penalty_is_logged_and_its_gradient_applied():
    x, y = regression_data(n=32)
    plain = _linear_model()
    penalized = _linear_model(kernel_regularizer=CubicPenalty(0.05))
    for model in (plain, penalized):
        model.compile(optimizer=nnet.optimizers.SGD(0.1), loss="mse")
    kernel, bias = plain.get_weights()
    penalty = 0.05 * np.sum(np.abs(kernel) ** 3)
    assert penalized.evaluate(x, y, verbose=0) == pytest.approx(
        plain.evaluate(x, y, verbose=0) + penalty, rel=1e-5)
    assert penalized.train_on_batch(x, y) == pytest.approx(plain.train_on_batch(x, y) + penalty,
                                                           rel=1e-5)
    # d/dW of 0.05 * sum(|W|**3) is 0.15 * W * |W|; the bias has no penalty.
    # (A difference of two float32 weights near 1 is known to about 1e-5 relative.)
    np.testing.assert_allclose(penalized.get_weights()[0] - plain.get_weights()[0],
                               -0.1 * 0.15 * kernel * np.abs(kernel), rtol=1e-4, atol=1e-7)
    np.testing.assert_array_equal(penalized.get_weights()[1], plain.get_weights()[1])
    kernel, bias = penalized.get_weights()
    expected = np.mean((x @ kernel + bias - y) ** 2) + 0.05 * np.sum(np.abs(kernel) ** 3)
    # One full-batch step: fit logs the loss at the weights before the update.
    history = penalized.fit(x, y, epochs=1, batch_size=32, verbose=0)
    assert history.history["loss"] == pytest.approx([expected], rel=1e-5)


def test_custom_activity_regularizer_penalty_is_logged():
    x, y = regression_data(n=32)
    plain = _linear_model()
    penalized = _linear_model(activity_regularizer=CubicPenalty(0.05))
    for model in (plain, penalized):
        model.compile(optimizer="sgd", loss="mse")
    outputs = plain.predict(x, verbose=0)
    # Keras divides an activity penalty by the batch size.
    penalty = 0.05 * np.sum(np.abs(outputs) ** 3) / len(x)
    assert penalized.evaluate(x, y, batch_size=32, verbose=0) == pytest.approx(
        plain.evaluate(x, y, batch_size=32, verbose=0) + penalty, rel=1e-5)


def test_custom_constraint_holds_after_every_step():
    x, y = regression_data(n=64)
    model = nnet.Sequential([nnet.Input((4,)), Dense(8, kernel_constraint=ClipWeights(0.1),
                                                    bias_constraint=ClipWeights(0.05)),
                             Dense(1)])
    model.compile(optimizer=nnet.optimizers.SGD(0.5), loss="mse")
    layer = model.layers[0]
    extremes = []

    class Check(nnet.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            extremes.append((np.abs(layer.kernel.numpy()).max(), np.abs(layer.bias.numpy()).max()))

    model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[Check()])
    assert len(extremes) == 12
    for kernel_max, bias_max in extremes:
        assert kernel_max <= np.float32(0.1) and bias_max <= np.float32(0.05)
    # The constraint binds: some weights sit on the bound.
    assert any(k == np.float32(0.1) for k, _ in extremes)


def test_custom_schedule_sets_the_learning_rate_of_each_step():
    x, y = regression_data(n=48)
    schedule = HalvingSchedule(initial_learning_rate=0.2, every=2)
    optimizer = RecordingSGD(learning_rate=schedule)
    model = _linear_model()
    model.compile(optimizer=optimizer, loss="mse")
    rates_seen = []

    class ReadRate(nnet.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            rates_seen.append(float(self.model.optimizer.learning_rate))

    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0, callbacks=[ReadRate()])
    expected = [schedule(step) for step in range(6)]
    assert expected == [0.2, 0.2, 0.1, 0.1, 0.05, 0.05]
    assert rates_seen == pytest.approx(expected)
    # update_step may run once per variable or once over all of them laid end to end.
    assert sorted({update[0] for update in optimizer.updates}) == list(range(6))
    for step, rate, before, gradient, after in optimizer.updates:
        assert rate == pytest.approx(expected[step])
        np.testing.assert_allclose(after, before - rate * gradient, rtol=1e-6, atol=1e-8)
    assert float(optimizer.learning_rate) == pytest.approx(schedule(6))


# Serialization of custom objects ------------------------------------------------------------

@pytest.mark.parametrize("module,obj", [
    (nnet.initializers, ArangeInitializer(0.3, offset=1.0)),
    (nnet.regularizers, CubicPenalty(0.25)),
    (nnet.constraints, ClipWeights(0.7)),
    (nnet.losses, ScaledSquaredError(scale=4.0, reduction="sum")),
    (nnet.metrics, WithinTolerance(0.2, name="close")),
    (nnet.optimizers.schedules, HalvingSchedule(0.5, every=3)),
], ids=lambda value: getattr(value, "__name__", type(value).__name__))
def test_registered_custom_objects_round_trip(module, obj):
    config = json.loads(json.dumps(module.serialize(obj)))
    # Keras writes the defining module of a registered class (None only for __main__).
    assert config["module"] == type(obj).__module__
    assert config["registered_name"] == f"{PACKAGE}>{type(obj).__name__}"
    clone = module.deserialize(config)
    assert type(clone) is type(obj) and clone.get_config() == obj.get_config()


def test_optimizer_with_a_custom_schedule_round_trips():
    optimizer = nnet.optimizers.SGD(learning_rate=HalvingSchedule(0.4, every=5), momentum=0.5)
    clone = nnet.optimizers.SGD.from_config(json.loads(json.dumps(optimizer.get_config())))
    assert clone.get_config() == optimizer.get_config()
    assert float(clone.learning_rate) == pytest.approx(0.4)


def _custom_model():
    return nnet.Sequential([
        nnet.Input((4,)),
        GatedProjection(5, penalty=0.02, kernel_initializer=ArangeInitializer(0.01)),
        Dense(3, activation="tanh", kernel_initializer=ArangeInitializer(-0.02, offset=0.1),
              kernel_regularizer=CubicPenalty(0.3), kernel_constraint=ClipWeights(0.5)),
    ])


def test_sequential_with_registered_custom_objects_round_trips():
    x, _ = regression_data(n=8)
    model = _custom_model()
    text = json.dumps(model.get_config())
    clone = nnet.Sequential.from_config(json.loads(text))
    assert json.dumps(clone.get_config()) == text
    custom, dense = clone.layers
    assert type(custom) is GatedProjection and custom.penalty == 0.02
    assert type(dense.kernel_regularizer) is CubicPenalty and dense.kernel_regularizer.factor == 0.3
    assert type(dense.kernel_constraint) is ClipWeights and dense.kernel_constraint.limit == 0.5
    np.testing.assert_array_equal(clone.get_weights()[2], model.get_weights()[2])
    rng = np.random.default_rng(0)
    model.set_weights([w + rng.standard_normal(w.shape).astype(w.dtype)
                       for w in model.get_weights()])
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


class LocalScale(nnet.layers.Layer):
    """An unregistered custom layer: ``inputs * factor``."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class LocalOnes(nnet.initializers.Initializer):
    """An unregistered custom initializer."""

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=dtype or "float32")


def test_unregistered_custom_layer_loads_through_custom_objects():
    model = nnet.Sequential([nnet.Input((3,)), LocalScale(3.0), Dense(2)])
    config = json.loads(json.dumps(model.get_config()))
    clone = nnet.Sequential.from_config(config, custom_objects={"LocalScale": LocalScale})
    assert type(clone.layers[0]) is LocalScale and clone.layers[0].factor == 3.0
    clone.set_weights(model.get_weights())
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_unregistered_object_inside_a_layer_loads_through_custom_objects():
    # Keras resolves custom_objects for the objects nested in a layer's config too.
    model = nnet.Sequential([nnet.Input((3,)), Dense(2, kernel_initializer=LocalOnes())])
    config = json.loads(json.dumps(model.get_config()))
    clone = nnet.Sequential.from_config(config, custom_objects={"LocalOnes": LocalOnes})
    assert type(clone.layers[0].kernel_initializer) is LocalOnes
    np.testing.assert_array_equal(clone.layers[0].kernel.numpy(), np.ones((3, 2)))
