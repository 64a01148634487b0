"""Optimizers against Keras 3 (torch backend): the learning rate and iteration counter as Keras
exposes them, and training with them changed mid-way."""

import os

import numpy as np
import pytest

# Keras reads its backend once, at import: set it before anything can import keras.
os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")

import nnet  # noqa: E402


def _value(tensor):
    return float(keras.ops.convert_to_numpy(tensor) if keras.ops.is_tensor(tensor)
                 else np.asarray(tensor))


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "AdamW"])
def test_learning_rate_is_a_variable_as_keras(name):
    results = {}
    for lib in (nnet, keras):
        optimizer = getattr(lib.optimizers, name)(learning_rate=0.1)
        rate = optimizer.learning_rate
        seen = [type(rate).__name__, _value(rate.value)]
        rate.assign(0.5)
        seen.append(_value(optimizer.learning_rate))
        optimizer.learning_rate = 0.25
        seen += [_value(optimizer.learning_rate), optimizer.learning_rate is rate,
                 bool(optimizer.iterations == 0), type(optimizer.iterations).__name__]
        results[lib.__name__] = seen
    assert results["nnet"] == results["keras"]


def test_a_schedule_learning_rate_is_its_current_value_as_keras():
    x = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    keras.utils.set_random_seed(0)  # fixed start weights: the same case every run
    start = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).get_weights()
    results = {}
    for lib in (nnet, keras):
        schedule = lib.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
        model = lib.Sequential([lib.Input((2,)), lib.layers.Dense(1)])
        model.set_weights(start)
        model.compile(optimizer=lib.optimizers.SGD(schedule), loss="mse")
        before = _value(model.optimizer.learning_rate)
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        results[lib.__name__] = (before, _value(model.optimizer.learning_rate),
                                 int(_value(model.optimizer.iterations)),
                                 bool(model.optimizer.iterations == 2), model.get_weights())
    ours, theirs = results["nnet"], results["keras"]
    assert ours[:4] == pytest.approx(theirs[:4])
    # Weights of size ~1 after float32 updates: an entry that ends near 0 is checked absolutely.
    for our_weight, their_weight in zip(ours[4], theirs[4]):
        np.testing.assert_allclose(our_weight, their_weight, rtol=1e-6, atol=1e-7)


def test_assigning_the_learning_rate_variable_mid_training_acts_as_keras():
    x = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    y = x[:, :1] - x[:, 1:]
    keras.utils.set_random_seed(0)  # fixed start weights: the same case every run
    start = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).get_weights()
    results = {}
    for lib in (nnet, keras):
        model = lib.Sequential([lib.Input((2,)), lib.layers.Dense(1)])
        model.set_weights(start)
        model.compile(optimizer=lib.optimizers.Adam(0.05), loss="mse")
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        model.optimizer.learning_rate.assign(0.5)
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        results[lib.__name__] = history.history["loss"], model.get_weights()
    # Float32 steps at a large rate: the project's float32 tolerance against another framework.
    np.testing.assert_allclose(results["nnet"][0], results["keras"][0], rtol=1e-4)
    for our_weight, their_weight in zip(results["nnet"][1], results["keras"][1]):
        np.testing.assert_allclose(our_weight, their_weight, rtol=1e-4, atol=1e-6)


def _loss_scale_optimizer(lib, inner="Adam"):
    inner = getattr(lib.optimizers, inner)(learning_rate=0.1, name=inner.lower())
    return lib.optimizers.LossScaleOptimizer(inner, initial_scale=8.0, dynamic_growth_steps=2,
                                             name="loss_scale_optimizer")


def test_loss_scale_optimizer_skips_non_finite_steps_and_grows_as_keras():
    rng = np.random.default_rng(2)
    start = rng.normal(size=(3, 2)).astype("float32")
    grads = [rng.normal(size=(3, 2)).astype("float32") * 8 for _ in range(6)]
    # Step 2 grows the scale; steps 3 and 5 are skipped: the scale halves, the counter restarts.
    grads[2][1, 0] = np.inf
    grads[4][0, 1] = np.nan
    results = {}
    for lib in (nnet, keras):
        optimizer = _loss_scale_optimizer(lib)
        variable = lib.Variable(start.copy(), name="kernel")
        seen = []
        for grad in grads:
            optimizer.apply([grad], [variable])
            seen.append((_value(optimizer.dynamic_scale), _value(optimizer.step_counter),
                         _value(optimizer.iterations),
                         keras.ops.convert_to_numpy(variable.value)
                         if lib is keras else variable.numpy()))
        results[lib.__name__] = seen, [
            (v.path, keras.ops.convert_to_numpy(v.value) if lib is keras else v.numpy())
            for v in optimizer.variables
        ]
    (ours, our_vars), (theirs, their_vars) = results["nnet"], results["keras"]
    assert [s[:3] for s in ours] == [s[:3] for s in theirs]
    assert [s[0] for s in ours] == [8.0, 16.0, 8.0, 8.0, 4.0, 4.0]
    for our_step, their_step in zip(ours, theirs):
        np.testing.assert_allclose(our_step[3], their_step[3], rtol=1e-5)
    assert [p for p, _ in our_vars] == [p for p, _ in their_vars]
    for (_, ours_v), (_, theirs_v) in zip(our_vars, their_vars):
        np.testing.assert_allclose(ours_v, theirs_v, rtol=1e-5)


def test_loss_scale_optimizer_config_matches_keras_and_round_trips():
    ours, theirs = (_loss_scale_optimizer(lib) for lib in (nnet, keras))
    our_config, their_config = ours.get_config(), theirs.get_config()
    # Keras names its torch-backend class (module, registered_name); each loads the other's.
    unnamed = {"module": None, "registered_name": None}
    assert ({**our_config["inner_optimizer"], **unnamed}
            == {**their_config["inner_optimizer"], **unnamed})
    assert {**our_config, "inner_optimizer": None} == {**their_config, "inner_optimizer": None}
    for lib, config in ((nnet, their_config), (keras, our_config), (nnet, our_config)):
        again = lib.optimizers.LossScaleOptimizer.from_config(dict(config))
        assert type(again.inner_optimizer).__name__ == "Adam"
        assert again.get_config()["initial_scale"] == 8.0
    again = nnet.optimizers.deserialize(nnet.optimizers.serialize(ours))
    assert again.get_config() == our_config
    with pytest.raises(ValueError, match="clipnorm"):
        nnet.optimizers.LossScaleOptimizer(nnet.optimizers.SGD(), clipnorm=1.0)


def test_fit_with_a_loss_scale_optimizer_matches_keras_and_lowers_the_loss():
    x = np.random.default_rng(3).normal(size=(16, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    keras.utils.set_random_seed(0)  # fixed start weights: the same case every run
    start = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]).get_weights()
    results = {}
    for lib in (nnet, keras):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
        model.set_weights(start)
        model.compile(optimizer=_loss_scale_optimizer(lib, "SGD"), loss="mse")
        history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
        results[lib.__name__] = (history.history["loss"], model.get_weights(),
                                 _value(model.optimizer.dynamic_scale))
    losses = results["nnet"][0]
    assert losses[-1] < losses[0] / 2
    np.testing.assert_allclose(losses, results["keras"][0], rtol=1e-4)
    for our_weight, their_weight in zip(results["nnet"][1], results["keras"][1]):
        np.testing.assert_allclose(our_weight, their_weight, rtol=1e-4, atol=1e-6)
    assert results["nnet"][2] == results["keras"][2] == 8.0 * 2**6


def _multi_optimizer(lib):
    optimizer_map = lib.optimizers.OptimizerMap(
        lib.optimizers.SGD(learning_rate=0.1, name="sgd"),
        {".*dense/kernel": lib.optimizers.Adam(learning_rate=0.05, name="adam")},
    )
    return lib.optimizers.MultiOptimizer(optimizer_map, name="multi_optimizer")


def test_multi_optimizer_updates_each_group_as_keras():
    x = np.random.default_rng(4).normal(size=(16, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32") + 1.0
    keras.utils.set_random_seed(0)  # fixed start weights: the same case every run
    start = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]).get_weights()
    results = {}
    for lib in (nnet, keras):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1, name="dense")])
        model.set_weights(start)
        model.compile(optimizer=_multi_optimizer(lib), loss="mse")
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        optimizer = model.optimizer
        results[lib.__name__] = (
            history.history["loss"], model.get_weights(),
            [(v.path, keras.ops.convert_to_numpy(v.value) if lib is keras else v.numpy())
             for v in optimizer.variables],
            [(o.name, _value(o.iterations)) for o in optimizer.optimizers],
        )
    ours, theirs = results["nnet"], results["keras"]
    assert ours[0][-1] < ours[0][0]
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-4)
    for our_weight, their_weight in zip(ours[1], theirs[1]):
        # Adam's float32 steps on weights of size ~1: absolute error of a few 1e-6.
        np.testing.assert_allclose(our_weight, their_weight, rtol=1e-4, atol=1e-5)
    # Keras's slot names hold the model's name ("sequential_1_dense_kernel_momentum"): compare
    # the owning optimizer and the slot kind.
    def owners(variables):
        return [(p.split("/")[0], p.rsplit("_", 1)[-1]) for p, _ in variables]

    assert owners(ours[2]) == owners(theirs[2])
    for (_, our_v), (_, their_v) in zip(ours[2], theirs[2]):
        np.testing.assert_allclose(our_v, their_v, rtol=1e-4, atol=1e-6)
    assert ours[3] == theirs[3] == [("adam", 8.0), ("sgd", 8.0)]


def test_multi_optimizer_config_matches_keras_and_round_trips():
    ours, theirs = (_multi_optimizer(lib).get_config() for lib in (nnet, keras))
    unnamed = {"module": None, "registered_name": None}

    def strip(config):
        inner = config["optimizer_map"]["config"]
        return {**config, "optimizer_map": {**config["optimizer_map"], "config": {
            "default_optimizer": {**inner["default_optimizer"], **unnamed},
            "optimizer_map": {k: {**v, **unnamed} for k, v in inner["optimizer_map"].items()},
        }}}

    assert strip(ours) == strip(theirs)
    for lib, config in ((nnet, theirs), (keras, ours), (nnet, ours)):
        again = lib.optimizers.MultiOptimizer.from_config(dict(config))
        assert [o.name for o in again.optimizers] == ["adam", "sgd"]
    again = nnet.optimizers.deserialize(nnet.optimizers.serialize(_multi_optimizer(nnet)))
    assert again.get_config() == ours
    with pytest.raises(AttributeError, match="sub-optimizers"):
        _ = again.learning_rate
    with pytest.raises(ValueError, match="LossScaleOptimizer"):
        nnet.optimizers.OptimizerMap(nnet.optimizers.SGD())["x"] = _loss_scale_optimizer(nnet)


# Muon on an Embedding (10, 4), a wide Dense kernel (4, 6), a tall one (6, 5), an output Dense
# (5, 2) and their biases: cases where each rule that picks AdamW or the Muon step decides.
MUON_CASES = {
    "defaults": {},
    "exclude_layers_no_nesterov": {
        "learning_rate": 0.05, "exclude_layers": ["out"], "exclude_embeddings": False,
        "nesterov": False, "rms_rate": None, "ns_steps": 3, "momentum": 0.9,
        "weight_decay": 0.1, "adam_weight_decay": 0.2, "adam_lr_ratio": 0.5,
    },
    "options_shared_by_all_optimizers": {
        "learning_rate": 0.02, "adam_beta_1": 0.8, "adam_beta_2": 0.9, "epsilon": 1e-3,
        "weight_decay": None, "clipnorm": 0.5, "gradient_accumulation_steps": 2,
        "use_ema": True, "ema_momentum": 0.5,
    },
}


def _muon_layers(lib):
    layers = [lib.layers.Embedding(10, 4, name="embedding"), lib.layers.Dense(6, name="wide"),
              lib.layers.Dense(5, name="tall"), lib.layers.Dense(2, name="out")]
    for layer, shape in zip(layers, [(None, 3), (None, 4), (None, 6), (None, 5)]):
        layer.build(shape)
    return [v for layer in layers for v in layer.trainable_variables]


@pytest.mark.parametrize("case", sorted(MUON_CASES))
def test_muon_matches_keras_weights_and_state(case):
    import torch

    kwargs = MUON_CASES[case]
    rng = np.random.default_rng(2)
    theirs_vars = _muon_layers(keras)
    ours_vars = _muon_layers(nnet)
    assert [v.path for v in ours_vars] == [v.path for v in theirs_vars]
    # Seeded start weights (not Keras's unseeded initializers), so the case is the same each run.
    start = [rng.normal(scale=0.5, size=v.shape).astype("float32") for v in ours_vars]
    for ours, theirs, value in zip(ours_vars, theirs_vars, start):
        ours.assign(value)
        theirs.assign(value)
    ours_opt = nnet.optimizers.Muon(name="muon", **kwargs)
    theirs_opt = keras.optimizers.Muon(name="muon", **kwargs)
    for _ in range(6):
        grads = [rng.normal(size=v.shape).astype("float32") for v in ours_vars]
        ours_opt.apply_gradients(zip(grads, ours_vars))
        theirs_opt.apply_gradients(zip([torch.tensor(g) for g in grads], theirs_vars))
    # Which variables took the Muon step: those without a velocity slot.
    assert [v.path for v in ours_opt.variables] == [v.path for v in theirs_opt.variables]
    # Float32 in both: NumPy's and torch's matmuls round differently, and the Newton-Schulz
    # iterations (slope up to a = 3.4 near zero) carry those last-bit differences through five
    # products, so the project's float32 tolerance against another framework applies.
    for ours, theirs in zip(ours_vars + ours_opt.variables, theirs_vars + theirs_opt.variables):
        their_value = keras.ops.convert_to_numpy(theirs.value)
        assert ours.dtype == their_value.dtype
        np.testing.assert_allclose(ours.numpy(), their_value, rtol=1e-4, atol=1e-6,
                                   err_msg=ours.path)
    assert not any(np.allclose(v.numpy(), value) for v, value in zip(ours_vars, start))


def test_muon_orthogonalization_matches_keras():
    x = np.random.default_rng(3).normal(size=(7, 3)).astype("float32")
    for steps in (1, 5):
        ours = nnet.optimizers.Muon().zeropower_via_newtonschulz5(x, steps)
        theirs = keras.optimizers.Muon().zeropower_via_newtonschulz5(
            keras.ops.convert_to_tensor(x), steps)
        np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(theirs), rtol=1e-4,
                                   atol=1e-6)
    # Five steps bring the singular values near 1 (the quintic's coefficients keep them in
    # about [0.7, 1.2] rather than converging).
    singular_values = np.linalg.svd(ours, compute_uv=False)
    assert ((singular_values > 0.6) & (singular_values < 1.25)).all()


@pytest.mark.parametrize("kwargs", [
    {},
    {"exclude_layers": ["out", "head"], "exclude_embeddings": False, "rms_rate": None,
     "nesterov": False, "ns_steps": 3, "adam_weight_decay": None, "clipnorm": 1.0,
     "learning_rate": 0.01},
])
def test_muon_get_config_matches_keras_and_round_trips(kwargs):
    ours = nnet.optimizers.Muon(name="muon", **kwargs)
    theirs = keras.optimizers.Muon(name="muon", **kwargs)
    assert ours.get_config() == theirs.get_config()
    rebuilt = nnet.optimizers.Muon.from_config(ours.get_config())
    assert rebuilt.get_config() == ours.get_config()
    assert keras.optimizers.Muon.from_config(ours.get_config()).get_config() == ours.get_config()
    served = nnet.optimizers.deserialize(nnet.optimizers.serialize(ours))
    assert type(served) is nnet.optimizers.Muon and served.get_config() == ours.get_config()
    assert type(nnet.optimizers.get("muon")) is nnet.optimizers.Muon


@pytest.mark.parametrize("kwargs, message", [
    ({"exclude_layers": "out"}, "exclude_layers='out'"),
    ({"ns_steps": 2.5}, "ns_steps=2.5"),
    ({"ns_steps": -1}, "ns_steps=-1"),
])
def test_muon_constructor_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nnet.optimizers.Muon(**kwargs)


def test_muon_fit_lowers_the_loss_and_steps_allocate_no_arrays():
    import tracemalloc

    rng = np.random.default_rng(4)
    tokens = rng.integers(0, 10, size=(64, 3))
    y = (tokens.sum(axis=1, keepdims=True) / 15.0 - 1.0).astype("float32")
    model = nnet.Sequential([nnet.Input((3,), dtype="int32"), nnet.layers.Embedding(10, 4),
                             nnet.layers.Flatten(), nnet.layers.Dense(16, activation="relu"),
                             nnet.layers.Dense(1, name="out")])
    model.compile(optimizer=nnet.optimizers.Muon(0.02, exclude_layers=["out"]), loss="mse")
    history = model.fit(tokens, y, batch_size=16, epochs=8, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]

    w = nnet.Variable(np.ones((256, 128), "float32"), name="kernel")
    g = np.random.default_rng(5).normal(size=(256, 128)).astype("float32")
    g.setflags(write=False)
    optimizer = nnet.optimizers.Muon()
    optimizer.apply([g], [w])
    tracemalloc.start()
    optimizer.apply([g], [w])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # A single temporary of the weight's size would be 128 KiB.
    assert peak < w.data.nbytes // 8
    assert np.isfinite(w.numpy()).all()
class _KerasScheduleFreeAdamW(keras.optimizers.ScheduleFreeAdamW):
    """Keras's ScheduleFreeAdamW reads ``momentum.value`` before updating the momentum; the torch
    backend updates that tensor in place, so the read sees the new value, unlike JAX and
    TensorFlow. Subtracting out of place gives every backend's (and the paper's) math."""

    def assign_sub(self, variable, value):
        if any(variable is m for m in self._momentums):
            variable._value = variable.value - keras.ops.convert_to_tensor(value)
        else:
            super().assign_sub(variable, value)


_SHAPES = [(5,), (3, 4), (2, 3, 4)]
_NEW_OPTIMIZERS = [
    ("Adafactor", {}),
    ("Adafactor", {"learning_rate": 0.5, "beta_2_decay": -0.5, "epsilon_1": 1e-20,
                   "epsilon_2": 0.01, "clip_threshold": 0.5, "relative_step": False,
                   "weight_decay": 0.01}),
    ("ScheduleFreeAdamW", {}),
    ("ScheduleFreeAdamW", {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99,
                           "epsilon": 1e-6, "warmup_steps": 3, "weight_decay": 0.02}),
]


def _keras_optimizer(name, kwargs):
    cls = _KerasScheduleFreeAdamW if name == "ScheduleFreeAdamW" else getattr(
        keras.optimizers, name)
    return cls(**kwargs)


@pytest.mark.parametrize("name, kwargs", _NEW_OPTIMIZERS)
def test_new_optimizer_steps_and_slots_match_keras(name, kwargs):
    rng = np.random.default_rng(2)
    start = [rng.normal(size=shape).astype("float32") for shape in _SHAPES]
    grads = [[rng.normal(size=shape).astype("float32") for shape in _SHAPES] for _ in range(5)]
    results = {}
    for lib, optimizer in ((nnet, getattr(nnet.optimizers, name)(**kwargs)),
                           (keras, _keras_optimizer(name, kwargs))):
        variables = [lib.Variable(w, name=f"w{i}") for i, w in enumerate(start)]
        for step in grads:
            optimizer.apply(step, variables)
        results[lib.__name__] = ([keras.ops.convert_to_numpy(v.value) for v in variables],
                                 [(tuple(v.shape), keras.ops.convert_to_numpy(v.value))
                                  for v in optimizer.variables])
    (ours, our_slots), (theirs, their_slots) = results["nnet"], results["keras"]
    for our, their in zip(ours, theirs):
        np.testing.assert_allclose(our, their, rtol=2e-6, atol=1e-6)
    assert [s for s, _ in our_slots] == [s for s, _ in their_slots]
    for (_, our), (_, their) in zip(our_slots, their_slots):
        np.testing.assert_allclose(our, their, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", _NEW_OPTIMIZERS)
def test_new_optimizer_config_matches_keras_and_round_trips(name, kwargs):
    ours = getattr(nnet.optimizers, name)(name="opt", **kwargs).get_config()
    theirs = getattr(keras.optimizers, name)(name="opt", **kwargs).get_config()
    assert ours == pytest.approx(theirs)
    assert getattr(nnet.optimizers, name).from_config(theirs).get_config() == ours
    assert getattr(keras.optimizers, name).from_config(ours).get_config() == theirs
    assert type(nnet.optimizers.get(name.lower())).__name__ == name


@pytest.mark.parametrize("name", ["Adafactor", "ScheduleFreeAdamW"])
def test_new_optimizer_fits_a_small_model(name):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]], "float32") + 0.5
    nnet.utils.set_random_seed(0)
    model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(8, activation="relu"),
                             nnet.layers.Dense(1)])
    model.compile(optimizer=getattr(nnet.optimizers, name)(learning_rate=0.05), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=8, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("name, kwargs", [_NEW_OPTIMIZERS[1], _NEW_OPTIMIZERS[3]])
def test_new_optimizer_fit_matches_keras(name, kwargs):
    # fit updates the model's weights laid out in one buffer: the flat path of the optimizers.
    rng = np.random.default_rng(4)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = x @ np.array([[1.0], [-1.0], [2.0]], "float32")
    start = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4),
                              keras.layers.Dense(1)]).get_weights()
    results = {}
    for lib, optimizer in ((nnet, getattr(nnet.optimizers, name)(**kwargs)),
                           (keras, _keras_optimizer(name, kwargs))):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(4), lib.layers.Dense(1)])
        model.set_weights(start)
        model.compile(optimizer=optimizer, loss="mse")
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        results[lib.__name__] = history.history["loss"], model.get_weights()
    np.testing.assert_allclose(results["nnet"][0], results["keras"][0], rtol=1e-5)
    for our_weight, their_weight in zip(results["nnet"][1], results["keras"][1]):
        np.testing.assert_allclose(our_weight, their_weight, rtol=1e-5, atol=1e-6)
