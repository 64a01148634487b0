"""Merging layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot) against
Keras 3: outputs, shapes, configs, masks, float64 gradients, errors, and functional models.

`check_layer` takes one input, so `_check_merge_layer` below runs its checks on a list of inputs.
"""

import importlib
import json
import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import FLOAT32_TOLERANCE, IGNORED_CONFIG_KEYS

import nnet
from nnet.autodiff import check_grad
from nnet.layers.dense import Dense

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

NAMES = {"Add": "add", "Subtract": "subtract", "Multiply": "multiply", "Average": "average",
         "Maximum": "maximum", "Minimum": "minimum", "Concatenate": "concatenate", "Dot": "dot"}


def _nnet(class_name):
    """The nnet class and its lowercase functional form, from the class's own module."""
    module = importlib.import_module(f"nnet.layers.{NAMES[class_name]}")
    return getattr(module, class_name), getattr(module, NAMES[class_name])


def _keras_numpy(value):
    return value.detach().cpu().numpy()


def _comparable(config):
    return json.loads(json.dumps({k: v for k, v in config.items()
                                  if k not in IGNORED_CONFIG_KEYS}))


ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]
SHAPES = [
    [(4, 3), (4, 3)],
    [(4, 2, 3), (4, 2, 3), (4, 2, 3)],
    [(4, 3, 5), (4, 1, 5)],       # a size-1 axis broadcasts
    [(4, 5), (4, 3, 5)],          # a lower-rank input gains axes after the batch axis
    [(4, 1), (4, 3)],
    [(4, 2, 3)],                  # a single input is allowed
]
CASES = [(name, shapes, {}) for name in ELEMENTWISE for shapes in SHAPES
         if name != "Subtract" or len(shapes) == 2]
CASES += [
    ("Concatenate", [(4, 3), (4, 5)], {}),
    ("Concatenate", [(4, 2, 3), (4, 4, 3), (4, 1, 3)], {"axis": 1}),
    ("Concatenate", [(4, 2, 3), (4, 2, 1)], {"axis": 2}),
    ("Concatenate", [(2, 3), (4, 3)], {"axis": 0}),
    ("Dot", [(4, 3), (4, 3)], {"axes": 1}),
    ("Dot", [(4, 3), (4, 3)], {"axes": -1, "normalize": True}),
    ("Dot", [(4, 3, 5), (4, 10, 3)], {"axes": (1, 2)}),
    ("Dot", [(4, 3, 5), (4, 10, 3)], {"axes": [1, -1], "normalize": True}),
    ("Dot", [(4, 2, 3, 5), (4, 3, 6, 2)], {"axes": (2, 1)}),
    ("Dot", [(4, 3), (4, 3, 4)], {"axes": (1, 1), "normalize": True}),
    ("Dot", [(4, 5, 3), (4, 3)], {"axes": -1}),
]


def _inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def _check_merge_layer(class_name, shapes, init_kwargs, seed=0):
    """check_layer's checks on a list of inputs: Keras outputs, functional forms,
    compute_output_shape (known, unknown and mixed batch sizes, and symbolic calls), configs
    both ways, and float64 gradients of every input."""
    cls, functional = _nnet(class_name)
    kcls, kfunctional = getattr(keras.layers, class_name), getattr(keras.layers, NAMES[class_name])
    x64 = _inputs(shapes, seed)
    x32 = [x.astype("float32") for x in x64]

    layer, klayer = cls(**init_kwargs), kcls(**init_kwargs)
    output = layer(x32)
    assert output.dtype == np.float32
    expected = _keras_numpy(klayer(x32))
    np.testing.assert_allclose(output.numpy(), expected, **FLOAT32_TOLERANCE)
    np.testing.assert_allclose(functional(x32, **init_kwargs).numpy(), output.numpy(), rtol=0)
    np.testing.assert_allclose(_keras_numpy(kfunctional(x32, **init_kwargs)), expected,
                               **FLOAT32_TOLERANCE)

    unknown = [(None, *s[1:]) for s in shapes]
    mixed = [tuple(shapes[0]), *unknown[1:]]
    assert layer.compute_output_shape(shapes) == tuple(output.shape)
    for query in (shapes, unknown, mixed):
        assert layer.compute_output_shape(query) == tuple(klayer.compute_output_shape(query)), (
            f"{class_name}{init_kwargs}: compute_output_shape({query})"
        )
    symbolic = layer([nnet.Input(shape=s[1:]) for s in shapes])
    ksymbolic = klayer([keras.Input(shape=s[1:]) for s in shapes])
    assert symbolic.shape == tuple(ksymbolic.shape) == layer.compute_output_shape(unknown)

    config, kconfig = layer.get_config(), klayer.get_config()
    text = json.dumps(config)
    assert _comparable(config) == _comparable(kconfig)
    for source in (config, json.loads(text), kconfig):
        clone = cls.from_config(source)
        np.testing.assert_array_equal(clone(x32).numpy(), output.numpy())
        assert _comparable(clone.get_config()) == _comparable(source)
    assert _comparable(kcls.from_config(config).get_config()) == _comparable(config)

    layer64 = cls(**init_kwargs, dtype="float64")
    assert layer64(x64).dtype == np.float64
    check_grad(lambda *xs: layer64(list(xs)), *x64, seed=seed)


@pytest.mark.parametrize("class_name, shapes, init_kwargs", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_merge_layer_matches_keras(class_name, shapes, init_kwargs):
    _check_merge_layer(class_name, shapes, init_kwargs)


# Masks as Keras attaches them to tensors (e.g. after Embedding(mask_zero=True)): one per input,
# of the input's shape without the last axis.
MASK_CASES = [
    ([(3, 4, 2), (3, 4, 2)], [[[1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 1, 1]],
                              [[1, 1, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0]]]),
    ([(3, 4, 2), (3, 4, 2), (3, 4, 2)], [[[1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 1, 0]], None,
                                         [[0, 1, 1, 0], [0, 0, 0, 1], [1, 0, 1, 0]]]),
    ([(3, 4, 2), (3, 4, 2)], [None, [[1, 1, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0]]]),
]


def _keras_masked(arrays, masks):
    from keras.src.backend import set_keras_mask

    tensors = [torch.tensor(a) for a in arrays]
    for t, m in zip(tensors, masks):
        if m is not None:
            set_keras_mask(t, torch.tensor(np.asarray(m, dtype=bool)))
    return tensors


@pytest.mark.parametrize("class_name, shapes, masks", [
    (name, shapes, masks) for name in ELEMENTWISE + ["Concatenate"] for shapes, masks in MASK_CASES
    if name != "Subtract" or len(shapes) == 2
])
def test_masked_outputs_match_keras(class_name, shapes, masks):
    cls, _ = _nnet(class_name)
    x64 = _inputs(shapes, seed=1)
    x32 = [x.astype("float32") for x in x64]
    bool_masks = [None if m is None else np.asarray(m, dtype=bool) for m in masks]
    layer, klayer = cls(), getattr(keras.layers, class_name)()
    koutput = klayer(_keras_masked(x32, masks))
    np.testing.assert_allclose(layer(x32, mask=bool_masks).numpy(), _keras_numpy(koutput),
                               **FLOAT32_TOLERANCE)
    expected_mask = klayer.compute_mask(_keras_masked(x32, masks),
                                        [None if m is None else torch.tensor(m) for m in
                                         bool_masks])
    actual_mask = layer.compute_mask(x32, bool_masks)
    if expected_mask is None:
        assert actual_mask is None
    else:
        np.testing.assert_array_equal(np.asarray(actual_mask), _keras_numpy(expected_mask))
    # 0/1 masks mean the same as boolean ones.
    np.testing.assert_array_equal(layer(x32, mask=masks).numpy(),
                                  layer(x32, mask=bool_masks).numpy())
    layer64 = cls(dtype="float64")
    check_grad(lambda *xs: layer64(list(xs), mask=bool_masks), *x64, seed=1)


def test_concatenate_mask_of_inputs_with_full_rank_masks_matches_keras():
    x = _inputs([(2, 3, 4), (2, 5, 4)], seed=2)
    masks = [np.ones((2, 3, 4), bool), np.random.default_rng(2).random((2, 5)) > 0.5]
    expected = keras.layers.Concatenate(axis=1).compute_mask(
        [torch.tensor(a) for a in x], [torch.tensor(m) for m in masks])
    actual = _nnet("Concatenate")[0](axis=1).compute_mask(x, masks)
    np.testing.assert_array_equal(np.asarray(actual), _keras_numpy(expected))


@pytest.mark.parametrize("class_name", list(NAMES))
def test_unmasked_inputs_give_no_output_mask(class_name):
    cls, _ = _nnet(class_name)
    init = {"axes": -1} if class_name == "Dot" else {}
    x = _inputs([(2, 3), (2, 3)])
    layer = cls(**init)
    assert layer.supports_masking
    assert layer.compute_mask(x) is None
    assert layer.compute_mask(x, [None, None]) is None
    if class_name == "Dot":
        assert layer.compute_mask(x, [np.ones(2, bool), np.ones(2, bool)]) is None


# (class name, init kwargs, shapes, regex the message must match)
BAD_SHAPES = [
    ("Add", {}, [(2, 3), (2, 4)], r'"add\w*" \(Add\).*\[\(2, 3\), \(2, 4\)\].*broadcast'),
    ("Multiply", {}, [(2, 3, 4), (2, 5, 4)], r"Multiply.*\(2, 3, 4\), \(2, 5, 4\)"),
    ("Maximum", {}, [(2, 3), (5, 3)], r"Maximum.*different batch sizes.*\(5, 3\)"),
    ("Subtract", {}, [(2, 3)] * 3, r"Subtract.*exactly 2 inputs"),
    ("Subtract", {}, [(2, 3)], r"Subtract.*exactly 2 inputs"),
    ("Average", {}, [], r"Average.*non-empty list of tensors"),
    ("Concatenate", {}, [(2, 3, 4), (2, 5, 6)], r"Concatenate.*axis 1 has sizes \[3, 5\]"),
    ("Concatenate", {}, [(2, 3), (3, 3)], r"Concatenate.*axis 0 has sizes \[2, 3\]"),
    ("Concatenate", {}, [(2, 3), (2, 3, 1)], r"Concatenate.*same rank"),
    ("Concatenate", {"axis": 2}, [(2, 3), (2, 3)], r"Concatenate.*axis=2.*\[-2, 2\)"),
    ("Dot", {"axes": 1}, [(2, 3), (2, 4)], r"Dot.*3 \(axis 1 of the first input\) != 4"),
    ("Dot", {"axes": 0}, [(2, 3), (2, 3)], r"Dot.*batch axis 0 cannot"),
    ("Dot", {"axes": (1, 3)}, [(2, 3), (2, 3, 4)], r"Dot.*axes=\(1, 3\)"),
    ("Dot", {"axes": 1}, [(2, 3)] * 3, r"Dot.*exactly 2 inputs"),
    ("Dot", {"axes": -1}, [(2,), (2,)], r"Dot.*at least one more axis"),
    ("Dot", {"axes": 1}, [(2, 3), (4, 3)], r"Dot.*batch sizes differ"),
]


@pytest.mark.parametrize("class_name, init_kwargs, shapes, message", BAD_SHAPES)
def test_incompatible_shapes_raise_naming_the_layer_and_shapes(class_name, init_kwargs, shapes,
                                                               message):
    cls, _ = _nnet(class_name)
    with pytest.raises(ValueError, match=message):
        cls(**init_kwargs)([np.zeros(s) for s in shapes])
    # Keras refuses them too, with its own messages and exception types.
    with pytest.raises((ValueError, TypeError, RuntimeError, IndexError)):
        getattr(keras.layers, class_name)(**init_kwargs)([np.zeros(s, "float32") for s in shapes])


@pytest.mark.parametrize("class_name, init_kwargs, good, bad, message", [
    ("Add", {}, [(2, 3), (2, 3)], [(2, 3), (2, 4)], r"Add.*\(2, 3\), \(2, 4\)"),
    # NumPy would broadcast a batch of 1 against a batch of 4 without a word.
    ("Minimum", {}, [(2, 3), (2, 3)], [(1, 3), (4, 3)], r"Minimum.*different batch sizes"),
    ("Concatenate", {}, [(2, 3), (2, 4)], [(2, 3), (3, 4)], r"Concatenate.*axis 0"),
    ("Dot", {"axes": 1}, [(2, 3), (2, 3)], [(2, 3), (2, 4)], r"Dot.*3 .* != 4"),
])
def test_a_built_layer_checks_the_shapes_of_every_call(class_name, init_kwargs, good, bad,
                                                       message):
    layer = _nnet(class_name)[0](**init_kwargs)
    layer([np.zeros(s) for s in good])
    with pytest.raises(ValueError, match=message):
        layer([np.zeros(s) for s in bad])


@pytest.mark.parametrize("class_name, init_kwargs, shapes, message", [
    ("Add", {}, [(3,), (4,)], r'"add\w*" \(Add\).*\[\(None, 3\), \(None, 4\)\]'),
    ("Subtract", {}, [(3,)] * 3, r"Subtract.*exactly 2 inputs"),
    ("Concatenate", {}, [(3, 4), (5, 6)], r"Concatenate.*axis 1 has sizes \[3, 5\]"),
    ("Dot", {"axes": 1}, [(3,), (4,)], r"Dot.*3 \(axis 1 of the first input\) != 4"),
])
def test_incompatible_symbolic_shapes_raise_while_building_the_graph(class_name, init_kwargs,
                                                                     shapes, message):
    cls, _ = _nnet(class_name)
    with pytest.raises(ValueError, match=message):
        cls(**init_kwargs)([nnet.Input(shape=s) for s in shapes])


@pytest.mark.parametrize("class_name", list(NAMES))
def test_a_single_tensor_instead_of_a_list_raises(class_name):
    cls, _ = _nnet(class_name)
    layer = cls(**({"axes": 1} if class_name == "Dot" else {}))
    with pytest.raises(ValueError, match=rf"{class_name}.*list of tensors.*input_shape=\(2, 3\)"):
        layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="list of tensors"):
        layer.compute_output_shape((None, 3))


def test_masks_of_the_wrong_form_raise():
    maximum = _nnet("Maximum")[0]()
    x = _inputs([(2, 3, 4), (2, 3, 4)])
    with pytest.raises(ValueError, match=r"2 inputs but 1 masks"):
        maximum(x, mask=[np.ones((2, 3), bool)])
    with pytest.raises(ValueError, match=r"`mask` to be a list"):
        maximum(x, mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 4\).*pass a mask of shape \(2, 3\)"):
        maximum(x, mask=[np.ones((2, 4), bool), None])


@pytest.mark.parametrize("axes, error", [
    ("1", TypeError), ((1, 2, 3), ValueError), ((1.0, 2), ValueError), ([1], ValueError),
])
def test_dot_rejects_malformed_axes_as_keras_does(axes, error):
    dot_cls, _ = _nnet("Dot")
    with pytest.raises(error, match=r"axes="):
        dot_cls(axes=axes)
    with pytest.raises(error):
        keras.layers.Dot(axes=axes)


def test_functional_dot_defaults_to_the_last_axes():
    _, dot = _nnet("Dot")
    x = _inputs([(3, 4), (3, 4)])
    np.testing.assert_allclose(dot(x).numpy(), np.sum(x[0] * x[1], axis=1, keepdims=True),
                               rtol=1e-6)
    assert dot(x, normalize=True).numpy().max() <= 1 + 1e-6


def test_merge_without_a_merge_function_says_so():
    from nnet.layers.merge import Merge

    with pytest.raises(NotImplementedError, match="_merge_function"):
        Merge()([np.zeros((1, 2))])


def _copy_weights_to_keras(model, kmodel):
    for layer in model.layers:
        if layer.weights:
            kmodel.get_layer(layer.name).set_weights(layer.get_weights())


def _two_branch_models(class_name, init_kwargs, widths=(4, 4)):
    """The same two-input graph in nnet and Keras: Dense on each input, merged, then Dense."""
    cls, _ = _nnet(class_name)
    models = []
    for lib, merge in ((nnet, cls), (keras, getattr(keras.layers, class_name))):
        a, b = lib.Input(shape=(5,), name="a"), lib.Input(shape=(3,), name="b")
        dense = Dense if lib is nnet else keras.layers.Dense
        x = dense(widths[0], activation="tanh", name="left")(a)
        y = dense(widths[1], activation="tanh", name="right")(b)
        merged = merge(**init_kwargs, name="merged")([x, y])
        out = dense(2, name="out")(merged)
        models.append(lib.Model([a, b], out))
    return models


@pytest.mark.parametrize("class_name, init_kwargs", [
    ("Add", {}), ("Subtract", {}), ("Multiply", {}), ("Average", {}), ("Maximum", {}),
    ("Minimum", {}), ("Concatenate", {}), ("Dot", {"axes": 1, "normalize": True}),
])
def test_functional_model_with_a_merge_predicts_as_keras(class_name, init_kwargs):
    widths = (4, 6) if class_name == "Concatenate" else (4, 4)
    model, kmodel = _two_branch_models(class_name, init_kwargs, widths)
    _copy_weights_to_keras(model, kmodel)
    data = [x.astype("float32") for x in _inputs([(7, 5), (7, 3)], seed=3)]
    expected = kmodel.predict(data, verbose=0)
    np.testing.assert_allclose(model.predict(data, verbose=0), expected, **FLOAT32_TOLERANCE)
    merged = model.get_layer("merged")
    assert merged.output.shape == tuple(kmodel.get_layer("merged").output.shape)


def test_concatenate_model_from_the_issue_predicts_and_trains():
    a, b = nnet.Input(shape=(6,), name="a"), nnet.Input(shape=(2,), name="b")
    x, y = Dense(4, activation="relu")(a), Dense(3, activation="relu")(b)
    concatenated = _nnet("Concatenate")[0]()([x, y])
    assert concatenated.shape == (None, 7)
    model = nnet.Model([a, b], Dense(1)(concatenated))
    ka, kb = keras.Input(shape=(6,), name="a"), keras.Input(shape=(2,), name="b")
    kx = keras.layers.Dense(4, activation="relu")(ka)
    ky = keras.layers.Dense(3, activation="relu")(kb)
    kmodel = keras.Model([ka, kb], keras.layers.Dense(1)(keras.layers.Concatenate()([kx, ky])))
    kmodel.set_weights(model.get_weights())
    rng = np.random.default_rng(4)
    data = [rng.standard_normal((16, 6)).astype("float32"),
            rng.standard_normal((16, 2)).astype("float32")]
    np.testing.assert_allclose(model.predict(data, verbose=0), kmodel.predict(data, verbose=0),
                               **FLOAT32_TOLERANCE)
    before = [w.copy() for w in model.get_weights()]
    model.compile(optimizer="sgd", loss="mse")
    model.fit(data, rng.standard_normal((16, 1)).astype("float32"), epochs=1, verbose=0)
    # Both branches learn: the gradient flows through the concatenation to each input side.
    assert all(not np.array_equal(w, old) for w, old in zip(model.get_weights(), before))


def test_merge_in_a_graph_rejects_mismatched_branches_before_training():
    a, b = nnet.Input(shape=(5,), name="a"), nnet.Input(shape=(3,), name="b")
    x, y = Dense(4, name="left")(a), Dense(6, name="right")(b)
    with pytest.raises(ValueError, match=r"\(None, 4\), \(None, 6\)"):
        _nnet("Add")[0]()([x, y])
