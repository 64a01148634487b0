"""Keras programs from Keras's own guides that run unchanged on nnet: nested functional models,
layers called on several tensors, Model subclasses built from inputs and outputs, masks."""

import numpy as np
import pytest

import nnet


def _data(n=64, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    return x, (x @ rng.normal(size=(d, 1))).astype("float32")


@pytest.mark.parametrize("outer", ["functional", "sequential"])
def test_a_functional_model_nested_in_another_model_calls_predicts_and_trains(outer):
    i = nnet.Input((4,))
    inner = nnet.Model(i, nnet.layers.Dense(3, activation="relu")(i), name="inner")
    if outer == "functional":
        j = nnet.Input((4,))
        model = nnet.Model(j, nnet.layers.Dense(1)(inner(j)))
    else:
        model = nnet.Sequential([nnet.Input((4,)), inner, nnet.layers.Dense(1)])
    x, y = _data()
    kernel, bias = (w.numpy() for w in inner.weights)
    head_kernel, head_bias = (w.numpy() for w in model.layers[-1].weights)
    expected = np.maximum(x @ kernel + bias, 0) @ head_kernel + head_bias
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5)
    assert len(model.trainable_weights) == 4
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert not np.allclose(inner.weights[0].numpy(), kernel)


class _Scaled(nnet.layers.Layer):
    """A layer whose call takes two tensors."""

    def call(self, a, b):
        return a * 2.0 + b


def test_a_layer_whose_call_takes_two_tensors_runs_on_two_symbolic_inputs():
    a, b = nnet.Input((3,)), nnet.Input((3,))
    model = nnet.Model([a, b], _Scaled()(a, b))
    assert model.output.shape == (None, 3)
    xa, xb = np.ones((2, 3), "float32"), np.full((2, 3), 5.0, "float32")
    np.testing.assert_allclose(model.predict([xa, xb], verbose=0), np.full((2, 3), 7.0))


class _CustomModel(nnet.Model):
    """The 'customize what happens in fit' guide's model: its own train_step."""

    steps = 0

    def train_step(self, data):
        _CustomModel.steps += 1
        return super().train_step(data)


def test_a_model_subclass_built_from_inputs_and_outputs_is_functional_of_that_class():
    inputs = nnet.Input((4,))
    outputs = nnet.layers.Dense(1)(inputs)
    model = _CustomModel(inputs, outputs)
    assert isinstance(model, _CustomModel) and isinstance(model, nnet.models.Functional)
    assert type(model).__name__ == "_CustomModel"
    model.compile(optimizer="sgd", loss="mse")
    x, y = _data()
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert _CustomModel.steps == 8
    assert model.predict(x, verbose=0).shape == (64, 1)


class _Masker(nnet.layers.Layer):
    def call(self, x):
        return x

    def compute_mask(self, inputs, previous_mask):
        return inputs[:, :, 0].numpy() != 0


class _SeesMask(nnet.layers.Layer):
    def __init__(self):
        super().__init__()
        self.supports_masking = True

    def call(self, x, mask=None):
        self.seen = mask
        return x * 1.0


@pytest.mark.parametrize("how", ["eager", "functional", "sequential"])
def test_a_mask_from_compute_mask_reaches_the_next_layers_mask_argument(how):
    x = np.array([[[1.0], [2.0], [0.0]], [[3.0], [0.0], [0.0]]], "float32")
    masker, sees = _Masker(), _SeesMask()
    if how == "eager":
        sees(nnet.layers.Activation("linear")(masker(x)))
    elif how == "functional":
        i = nnet.Input((3, 1))
        nnet.Model(i, sees(nnet.layers.Activation("linear")(masker(i)))).predict(x, verbose=0)
    else:
        model = nnet.Sequential([nnet.Input((3, 1)), masker, nnet.layers.Activation("linear"),
                                 sees])
        model.predict(x, verbose=0)
    np.testing.assert_array_equal(sees.seen, [[True, True, False], [True, False, False]])


def test_a_layer_without_masking_support_warns_that_it_drops_the_mask():
    class Plain(nnet.layers.Layer):
        def call(self, x):
            return x

    with pytest.warns(UserWarning, match="does not support masking"):
        Plain()(_Masker()(np.ones((1, 2, 1), "float32")))


def test_sequential_has_inputs_and_outputs():
    model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(2)])
    assert [t.shape for t in model.inputs] == [(None, 4)]
    assert [t.shape for t in model.outputs] == [(None, 2)]


def test_a_sequential_nested_in_a_graph_takes_the_mask_keyword_keras_records():
    inner = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2)])
    x = nnet.Input((3,))
    model = nnet.Model(x, inner(x, mask=None))
    data = np.ones((4, 3), "float32")
    np.testing.assert_allclose(model.predict(data, verbose=0), inner.predict(data, verbose=0))
    seen = _SeesMask()
    outer = nnet.Sequential([nnet.Input((2,)), seen])
    mask = np.array([True, False])
    outer(np.ones((2, 2), "float32"), mask=mask)
    np.testing.assert_array_equal(seen.seen, mask)
