"""State trees, variable paths under name scopes, add_variable and overwrite_with_gradient,
against Keras 3 (torch backend)."""

import os

import numpy as np
import pytest

import nnet

os.environ["KERAS_BACKEND"] = "torch"


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def _numpy(keras, value):
    return np.asarray(keras.ops.convert_to_numpy(value))


def _shapes(lib, tree):
    return lib.tree.map_structure(lambda v: tuple(np.shape(v)), tree)


def _sequential(lib):
    # Normalization first: a bias just before it would have a gradient of rounding noise only.
    model = lib.Sequential([lib.Input((3,), name="x"), lib.layers.BatchNormalization(name="bn"),
                            lib.layers.Dense(2, name="hidden"),
                            lib.layers.Dense(1, name="out")], name="net")
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def test_state_tree_layout_and_values_as_keras(keras):
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    trees = {}
    # The optimizers' automatic names ("adam", "adam_1", ...) count from the last clear_session.
    nnet.utils.clear_session()
    keras.backend.clear_session(free_memory=False)
    ours, theirs = _sequential(nnet), _sequential(keras)
    assert _shapes(nnet, ours.get_state_tree()) == _shapes(keras, theirs.get_state_tree())
    ours.set_state_tree(theirs.get_state_tree("numpy_array"))
    for lib, model in ((nnet, ours), (keras, theirs)):
        model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
        trees[lib.__name__] = model.get_state_tree("numpy_array")
    assert _shapes(nnet, trees["nnet"]) == _shapes(keras, trees["keras"])
    for group in ("trainable_variables", "non_trainable_variables", "optimizer_variables",
                  "metrics_variables"):
        mine = nnet.tree.flatten(trees["nnet"][group])
        reference = nnet.tree.flatten(trees["keras"][group])
        assert all(isinstance(v, np.ndarray) for v in mine)
        for a, b in zip(mine, reference):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_backend_tensors_are_live_and_set_state_tree_assigns():
    model = _sequential(nnet)
    live = model.get_state_tree()["trainable_variables"]["net"]["out"]["bias"]
    copy = model.get_state_tree("numpy_array")["trainable_variables"]["net"]["out"]["bias"]
    model.set_state_tree({"trainable_variables": {"net": {"out": {"bias": [7.0], "nope": [1]}}},
                          "non_trainable_variables": {"net": {"bn": {"moving_mean": [1, 2, 3]}}}})
    assert live[0] == 7.0 and copy[0] == 0.0
    np.testing.assert_array_equal(model.get_layer("bn").moving_mean.numpy(), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Unknown variable name: weights"):
        model.set_state_tree({"weights": {}})
    with pytest.raises(ValueError, match="value_format=tensor"):
        model.get_state_tree("tensor")


def test_duplicate_paths_are_refused():
    inputs = nnet.Input((2,))
    model = nnet.Model(inputs, nnet.layers.Dense(1, name="d")(nnet.layers.Dense(2, name="d")(
        inputs)))
    with pytest.raises(ValueError, match="'d/kernel'"):
        model.get_state_tree()


class _Sub:
    """A subclassed model, for either library."""

    @staticmethod
    def make(lib):
        class Sub(lib.Model):
            def __init__(self):
                super().__init__(name="sub")
                self.inner = lib.layers.Dense(2, name="inner")

            def call(self, x):
                return self.inner(x)

        return Sub()


def test_variable_paths_as_keras(keras):
    paths = {}
    for lib in (nnet, keras):
        inputs = lib.Input((2,))
        functional = lib.Model(inputs, lib.layers.Dense(1, name="f_dense")(inputs), name="f")
        sequential = lib.Sequential([lib.layers.Dense(1, name="s_dense")], name="s")
        sequential(np.ones((1, 2), "float32"))
        sub = _Sub.make(lib)
        sub(np.ones((1, 2), "float32"))
        with lib.name_scope("outer"):
            with lib.name_scope("middle"):
                scoped = lib.layers.Dense(1, name="scoped")
                scoped.build((None, 2))
        holder = lib.layers.Layer(name="holder")
        holder.add_variable((2,), "ones", name="scale")
        optimizer = lib.optimizers.Adam(name="opt")
        optimizer.build(sub.trainable_variables)
        metric = lib.metrics.MeanAbsoluteError(name="m/ae")
        paths[lib.__name__] = [v.path for model in (functional, sequential, sub, scoped, holder,
                                                    optimizer, metric)
                               for v in (model.variables if model is optimizer or model is metric
                                         else model.weights)]
    assert paths["nnet"] == paths["keras"]


def test_name_scope_rejects_slashes():
    with pytest.raises(ValueError, match="name='a/b'"):
        nnet.name_scope("a/b")


@pytest.mark.parametrize("accumulation", [None, 2])
def test_overwrite_with_gradient_as_keras(keras, accumulation):
    grads = [np.array([3.0, -1.0], "float32"), np.array([1.0, 4.0], "float32"),
             np.array([-2.0, 2.0], "float32"), np.array([0.5, 0.5], "float32")]
    results = {}
    for lib in (nnet, keras):
        flagged = lib.Variable(np.array([1.0, 1.0], "float32"))
        plain = lib.Variable(np.array([1.0, 1.0], "float32"))
        flagged.overwrite_with_gradient = True
        optimizer = lib.optimizers.SGD(0.5, gradient_accumulation_steps=accumulation)
        values = []
        for g in grads:
            pair = [g, g] if lib is nnet else [keras.ops.convert_to_tensor(g)] * 2
            optimizer.apply(pair, [flagged, plain])
            values.append((_numpy(keras, flagged.value).copy(), _numpy(keras, plain.value).copy()))
        results[lib.__name__] = values
    for (a_flagged, a_plain), (b_flagged, b_plain) in zip(results["nnet"], results["keras"]):
        np.testing.assert_array_equal(a_flagged, b_flagged)
        np.testing.assert_allclose(a_plain, b_plain, rtol=1e-6)


def test_overwrite_with_gradient_flag():
    layer = nnet.layers.Layer()
    weight = layer.add_weight((2,), overwrite_with_gradient=True, name="amax")
    assert weight.overwrite_with_gradient is True
    assert layer.add_weight((2,), name="other").overwrite_with_gradient is False
    with pytest.raises(TypeError, match="must be a boolean. Received: 1"):
        weight.overwrite_with_gradient = 1
    with pytest.raises(ValueError, match="aggregation='max'"):
        layer.add_weight((2,), aggregation="max")


def test_layer_names_with_a_slash_are_refused_as_keras(keras):
    for lib in (nnet, keras):
        with pytest.raises(ValueError, match="cannot contain character `/`. Received: name=a/b"):
            lib.layers.Dense(2, name="a/b")
