"""Shared test harnesses (DESIGN.md §3, §8): `check_op` for primitives, `check_layer` for layers.

`check_op` runs one row of an op table: values against a NumPy reference in float32 and float64,
and float64 gradients against central differences (broadcasting included when the row's input
shapes differ). `check_layer` takes a layer through shapes, config round trips, float64 gradient
checks of its inputs and trainable weights, one training step and, when asked, a comparison with
the same layer in Keras 3 (torch backend) given the same weights.

Import them from any test with ``from harness import check_layer, check_op`` (tests/conftest.py
puts this directory on sys.path).
"""

import copy
import json
import os

# Keras reads its backend once, at import: set it before anything can import keras.
os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest

from nnet import ops
from nnet.autodiff import Tensor, backward, check_grad, no_grad

FLOAT32_TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}
FLOAT64_TOLERANCE = {"rtol": 1e-9, "atol": 1e-12}
# Config keys that legitimately differ between two otherwise identical layers (auto-numbering).
IGNORED_CONFIG_KEYS = ("name",)


def _sample(rng, shape, domain=None):
    """Float64 test values: standard normal, or uniform on `domain` = (low, high)."""
    if domain is None:
        return rng.standard_normal(shape)
    return rng.uniform(domain[0], domain[1], size=shape)


def check_op(fn, numpy_reference, input_shapes, kwargs=None, *, domain=None, grad=True,
             float32_tolerance=None, float64_tolerance=None, seed=0):
    """Check one op-table row: values in float32 and float64, then float64 gradients.

    Args:
        fn: the op, called as ``fn(*tensors, **kwargs)``.
        numpy_reference: the same function on NumPy arrays, called with the same arguments.
        input_shapes: one entry per input: a shape (random float values are drawn), or an array
            used as is (integer indices, labels); rows with different shapes test broadcasting.
        kwargs: keyword arguments for both functions.
        domain: (low, high) to draw uniform inputs (e.g. (0.1, 3) for log), else standard normal.
        grad: whether to check gradients (False for integer-valued or piecewise-constant ops).
        float32_tolerance, float64_tolerance: ``{"rtol", "atol"}`` overrides.
        seed: the seed of the input values and of the gradient directions.

    The float32 run also checks that the op keeps the reference's dtype.

    Example:
        >>> import numpy as np
        >>> from nnet import ops
        >>> check_op(ops.multiply, np.multiply, [(2, 3), (3,)])
    """
    kwargs = kwargs or {}
    rng = np.random.default_rng(seed)
    values = [np.asarray(s) if isinstance(s, np.ndarray) else _sample(rng, s, domain)
              for s in input_shapes]
    drawn = [i for i, s in enumerate(input_shapes) if not isinstance(s, np.ndarray)]
    for dtype, tolerance in (("float32", float32_tolerance or FLOAT32_TOLERANCE),
                             ("float64", float64_tolerance or FLOAT64_TOLERANCE)):
        arrays = [v.astype(dtype) if i in drawn else v for i, v in enumerate(values)]
        expected = np.asarray(numpy_reference(*arrays, **kwargs))
        result = fn(*[Tensor(a) for a in arrays], **kwargs)
        actual = result.numpy() if isinstance(result, Tensor) else np.asarray(result)
        assert actual.shape == expected.shape, (
            f"{_name(fn)} in {dtype}: shape {actual.shape}, expected {expected.shape}"
        )
        assert actual.dtype == expected.dtype, (
            f"{_name(fn)} in {dtype}: dtype {actual.dtype}, expected {expected.dtype}"
        )
        np.testing.assert_allclose(actual, expected, **tolerance,
                                   err_msg=f"{_name(fn)} values in {dtype}")
        if grad:
            _check_grad_dtypes(fn, arrays, drawn, kwargs, dtype)
    if grad:
        # check_grad makes every input float64, so fixed (integer) inputs are closed over.
        def on_drawn(*tensors):
            args = [Tensor(v) for v in values]
            for i, t in zip(drawn, tensors):
                args[i] = t
            return fn(*args, **kwargs)

        check_grad(on_drawn, *[values[i] for i in drawn], seed=seed)


def _check_grad_dtypes(fn, arrays, drawn, kwargs, dtype):
    """Gradients keep the dtype of their input (a float64 gradient would slow float32 training)."""
    leaves = [Tensor(a, requires_grad=i in drawn) for i, a in enumerate(arrays)]
    out = fn(*leaves, **kwargs)
    backward(out, np.ones(out.shape, dtype=out.dtype))
    for i in drawn:
        grad = leaves[i].grad
        assert grad is None or grad.dtype == dtype, (
            f"{_name(fn)} in {dtype}: gradient of input {i} has dtype {grad.dtype}"
        )


def _name(fn):
    return getattr(fn, "__name__", repr(fn))


def check_layer(layer_factory, input_shape, init_kwargs=None, *, call_kwargs=None,
                keras_class=None, keras_init_kwargs=None, deterministic=True,
                training_gradient=True, input_data=None, inputs_as=None,
                constant_weights=(), expected_output_shape=None,
                expected_num_trainable_weights=None, expected_num_non_trainable_weights=None,
                seed=0):
    """Run a layer through the shared checks and return the (built, float32) layer.

    1. Shapes: the output shape equals `compute_output_shape` (also with an unknown batch size)
       and `expected_output_shape` when given; the weight counts match when given.
    2. Config: `get_config` is JSON-friendly; `from_config` on it (and on its JSON round trip)
       gives an equal config, and the same outputs after `set_weights`.
    3. Gradients: the layer built with ``dtype="float64"`` has its inputs and every trainable
       weight checked with `nnet.autodiff.check_grad`, with ``training=False`` and, for
       deterministic layers whose `training_gradient` is exact, ``training=True``. The layer's
       state (moving statistics) is restored before each evaluation so that every evaluation
       sees the same function.
    4. Training: one small gradient step on ``sum((output - target)**2)`` (a random target, so
       that no weight starts at a stationary point) lowers the loss and changes every trainable
       weight; a layer without trainable weights must pass a finite gradient to its input.
    5. Keras (when `keras_class` is given): the same layer in Keras 3 with the torch backend,
       given nnet's weights, gives the same outputs to float32 precision (``training=False``
       and, for deterministic layers, ``training=True``, after which the weights, e.g. moving
       statistics, must agree too), the same `compute_output_shape`, and the same config,
       ignoring `IGNORED_CONFIG_KEYS` (auto-generated names differ) and comparing the JSON
       forms (a tuple and a list are the same JSON). Each library must load the other's config.

    Trainable weights are moved off their initial values (plus 0.5 * N(0, 1)) and non-trainable
    ones shifted up (plus 0.5 * |N(0, 1)|, keeping variances positive), so that the
    comparisons do not rest on zeros and ones.

    Args:
        layer_factory: called as ``layer_factory(**init_kwargs)`` (plus ``dtype="float64"`` for
            the gradient checks), usually the layer class.
        input_shape: the input's shape, batch included.
        init_kwargs: the constructor's keyword arguments.
        call_kwargs: extra keyword arguments for every call (e.g. a ``mask``).
        keras_class: a Keras layer class, or its name in ``keras.layers``.
        keras_init_kwargs: the Keras constructor's arguments, when they differ from
            `init_kwargs` (e.g. nnet objects that Keras would not accept).
        deterministic: False for layers whose training-mode output is random (Dropout).
        training_gradient: False when the layer stops gradients on purpose in training mode, so
            that its gradient is not the derivative of its output (batch renormalization).
        input_data: an array to use instead of random normal inputs; integer arrays (token
            ids) stay integers and only the weights' gradients are checked (a list of float
            arrays for several inputs).
        inputs_as: for a layer of several inputs, with `input_shape` a list of shapes:
            ``"list"`` calls ``layer([a, b])`` (Attention), ``"args"`` calls ``layer(a, b)``
            (MultiHeadAttention); the shape methods and Keras's ``build`` get the shapes
            the same way.
        constant_weights: paths (or their ends) of weights that the output does not depend
            on, so that the training step checks that their gradient is zero rather than that
            they change (the key projection's bias of an attention layer, which the softmax
            cancels; a weight used only by another call mode).
        expected_output_shape: the output shape to expect.
        expected_num_trainable_weights, expected_num_non_trainable_weights: counts to expect.
        seed: the seed of the inputs, the weight offsets and the gradient directions.
    """
    init_kwargs = dict(init_kwargs or {})
    call_kwargs = dict(call_kwargs or {})
    rng = np.random.default_rng(seed)
    if inputs_as is not None:
        data = input_data or [rng.standard_normal(shape) for shape in input_shape]
        x64 = _Several(inputs_as, [np.asarray(a, dtype="float64") for a in data])
        x = x64.astype("float32")
    elif input_data is not None and np.asarray(input_data).dtype.kind in "iu":
        # Integer inputs (token ids) stay integers, and only the weights' gradients are checked.
        x64 = x = np.asarray(input_data)
    else:
        x64 = np.asarray(input_data if input_data is not None
                         else rng.standard_normal(input_shape), dtype="float64")
        x = x64.astype("float32")

    layer = layer_factory(**init_kwargs)
    output = _call(layer, x, **call_kwargs)
    _check_shapes(layer, x, output, expected_output_shape)
    _check_weight_counts(layer, expected_num_trainable_weights,
                         expected_num_non_trainable_weights)
    _perturb_weights(layer, rng)
    _check_config_round_trip(layer, x, call_kwargs)

    layer64 = layer_factory(**init_kwargs, dtype="float64")
    _call(layer64, x64, **call_kwargs)
    _perturb_weights(layer64, rng)
    for training in (False, True) if deterministic and training_gradient else (False,):
        _check_gradients(layer64, x64, training, call_kwargs, seed)

    if keras_class is not None:
        _check_against_keras(layer, keras_class, keras_init_kwargs or init_kwargs, x,
                             call_kwargs, deterministic)
    _check_training_step(layer, x, call_kwargs, rng, constant_weights)
    return layer


class _Several(list):
    """The inputs of a layer that takes several: called as ``layer(list)`` or ``layer(*list)``."""

    def __init__(self, inputs_as, arrays):
        if inputs_as not in ("list", "args"):
            raise ValueError(f"inputs_as must be 'list' or 'args'. Received: {inputs_as!r}")
        super().__init__(arrays)
        self.inputs_as = inputs_as

    def astype(self, dtype):
        return _Several(self.inputs_as, [a.astype(dtype) for a in self])


def _call(layer, x, **kwargs):
    """Call `layer` on one input, or on several as the layer takes them."""
    if isinstance(x, _Several):
        return layer(*x, **kwargs) if x.inputs_as == "args" else layer(list(x), **kwargs)
    return layer(x, **kwargs)


def _shapes(x, batch=True):
    """The input shape(s) of `x`, with the batch size or None."""
    def shape(a):
        full = tuple(a) if isinstance(a, tuple) else tuple(a.shape)  # an array or its shape
        return full if batch else (None, *full[1:])
    return [shape(a) for a in x] if isinstance(x, _Several) else shape(x)


def _shape_call(method, x, shapes):
    """A shape method (compute_output_shape, build) given `shapes` as the layer takes inputs."""
    if isinstance(x, _Several) and x.inputs_as == "args":
        return method(*shapes)
    return method(shapes)


def _check_shapes(layer, x, output, expected_output_shape):
    shape = tuple(output.shape)
    input_shape = _shapes(x)
    computed = _shape_call(layer.compute_output_shape, x, input_shape)
    assert tuple(computed) == shape, (
        f"{layer.name}: compute_output_shape({input_shape}) = {computed}, but the output has "
        f"shape {shape}"
    )
    unknown_batch = _shapes(x, batch=False)
    computed = _shape_call(layer.compute_output_shape, x, unknown_batch)
    assert tuple(computed) == (None, *shape[1:]), (
        f"{layer.name}: compute_output_shape({unknown_batch}) = {computed}, expected "
        f"{(None, *shape[1:])}"
    )
    if expected_output_shape is not None:
        assert shape == tuple(expected_output_shape), (
            f"{layer.name}: output shape {shape}, expected {tuple(expected_output_shape)}"
        )


def _check_weight_counts(layer, trainable, non_trainable):
    if trainable is not None:
        assert len(layer.trainable_weights) == trainable, (
            f"{layer.name}: {len(layer.trainable_weights)} trainable weights, expected {trainable}"
        )
    if non_trainable is not None:
        assert len(layer.non_trainable_weights) == non_trainable, (
            f"{layer.name}: {len(layer.non_trainable_weights)} non-trainable weights, "
            f"expected {non_trainable}"
        )


def _perturb_weights(layer, rng):
    trainable = {id(w) for w in layer.trainable_weights}
    for w in layer.weights:
        if w.dtype.kind != "f":
            continue
        noise = 0.5 * rng.standard_normal(w.shape)
        w.assign((w.numpy() + (noise if id(w) in trainable else np.abs(noise))).astype(w.dtype))


def _comparable(config):
    """The config's JSON form without the keys that may differ."""
    return json.loads(json.dumps({k: v for k, v in config.items()
                                  if k not in IGNORED_CONFIG_KEYS}))


def _check_config_round_trip(layer, x, call_kwargs):
    config = layer.get_config()
    try:
        text = json.dumps(config)
    except TypeError as error:
        raise AssertionError(f"{layer.name}: get_config() is not JSON-friendly: {error}") from None
    expected = _call(layer, x, training=False, **call_kwargs).numpy()
    for source in (config, json.loads(text)):
        clone = type(layer).from_config(source)
        _call(clone, x, training=False, **call_kwargs)
        assert json.dumps(clone.get_config(), sort_keys=True) == json.dumps(
            config, sort_keys=True), (
            f"{layer.name}: from_config(get_config()) changed the config:\n"
            f"{clone.get_config()}\n!=\n{config}"
        )
        clone.set_weights(layer.get_weights())
        np.testing.assert_allclose(
            _call(clone, x, training=False, **call_kwargs).numpy(), expected, rtol=1e-7, atol=0,
            err_msg=f"{layer.name}: a clone from get_config() with the same weights differs",
        )


def _weight_slots(layer):
    """(owner layer, attribute name) for each trainable weight, so that it can be swapped."""
    slots = []
    for weight in layer.trainable_weights:
        slot = next(((sub, name) for sub in layer._flatten_layers()
                     for name, value in vars(sub).items() if value is weight), None)
        assert slot is not None, (
            f"{layer.name}: check_layer needs each trainable weight stored as a layer attribute; "
            f"weight {weight.path} is not"
        )
        slots.append(slot)
    return slots


def _check_gradients(layer, x, training, call_kwargs, seed):
    """check_grad over the input and every trainable weight, each one swapped for a Tensor."""
    slots = _weight_slots(layer)
    state = layer.get_weights()

    count = len(x) if isinstance(x, _Several) else 1

    def fn(*values):
        inputs, weights = values[:count], values[count:]
        inputs = _Several(x.inputs_as, inputs) if isinstance(x, _Several) else inputs[0]
        layer.set_weights(state)
        originals = [getattr(owner, name) for owner, name in slots]
        for (owner, name), value in zip(slots, weights):
            object.__setattr__(owner, name, value)
        try:
            return _call(layer, inputs, training=training, **call_kwargs)
        finally:
            for (owner, name), value in zip(slots, originals):
                object.__setattr__(owner, name, value)

    try:
        weights = [w.numpy() for w in layer.trainable_weights]
        if count == 1 and x.dtype.kind in "iu":
            check_grad(lambda *w: fn(x, *w), *weights, seed=seed)
        else:
            check_grad(fn, *(x if count > 1 else [x]), *weights, seed=seed)
    except AssertionError as error:
        names = ["inputs"] * count + [w.path for w in layer.trainable_weights]
        raise AssertionError(f"{layer.name} (training={training}), inputs are {names}: "
                             f"{error}") from None
    finally:
        layer.set_weights(state)


def _squared_error(layer, x, target, call_kwargs):
    output = _call(layer, x, training=True, **call_kwargs)
    return ops.sum(ops.square(output - target))


def _check_training_step(layer, x, call_kwargs, rng, constant_weights=()):
    with no_grad():
        target = rng.standard_normal(_call(layer, x, training=True, **call_kwargs).shape)
    target = target.astype(layer.dtype)
    weights = layer.trainable_weights
    if not weights:
        if isinstance(x, _Several):
            inputs = _Several(x.inputs_as, [Tensor(a, requires_grad=True) for a in x])
        else:
            inputs = Tensor(x, requires_grad=True)
        backward(_squared_error(layer, inputs, target, call_kwargs))
        for tensor in inputs if isinstance(x, _Several) else [inputs]:
            assert tensor.grad is not None and np.all(np.isfinite(tensor.grad)), (
                f"{layer.name}: no finite gradient reached the input"
            )
        return
    for w in weights:
        w.grad = None
    loss = _squared_error(layer, x, target, call_kwargs)
    backward(loss)
    grads = [np.zeros(w.shape, w.dtype) if w.grad is None else np.asarray(w.grad)
             for w in weights]
    norm = np.sqrt(sum(float((g * g).sum()) for g in grads))
    assert norm > 0 and np.isfinite(norm), f"{layer.name}: gradient norm {norm} after backward"
    before = [w.numpy().copy() for w in weights]
    # A step of length 1e-2 in weight space: large enough to show in float32, small enough
    # for the first-order decrease to dominate.
    for w, g in zip(weights, grads):
        w.assign(w.numpy() - (1e-2 / norm) * g)
    with no_grad():
        new_loss = float(_squared_error(layer, x, target, call_kwargs).numpy())
    assert new_loss < float(loss.numpy()), (
        f"{layer.name}: a gradient step did not lower the loss ({float(loss.numpy())} -> "
        f"{new_loss})"
    )
    for w, old, g in zip(weights, before, grads):
        if any(w.path == p or w.path.endswith(f"/{p}") for p in constant_weights):
            np.testing.assert_allclose(g, 0, atol=1e-5 * norm,
                                       err_msg=f"{layer.name}: weight {w.path} has a gradient")
            continue
        assert np.any(g != 0) and not np.array_equal(w.numpy(), old), (
            f"{layer.name}: weight {w.path} got no gradient or did not change in a training step"
        )


def _keras_numpy(value):
    return value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)


def _check_against_keras(layer, keras_class, keras_init_kwargs, x, call_kwargs, deterministic):
    keras = pytest.importorskip("keras")
    pytest.importorskip("torch")
    if isinstance(keras_class, str):
        keras_class = getattr(keras.layers, keras_class)
    klayer = keras_class(**keras_init_kwargs)
    _shape_call(klayer.build, x, _shapes(x))
    weights = layer.get_weights()
    assert [w.shape for w in klayer.get_weights()] == [w.shape for w in weights], (
        f"{layer.name}: weight shapes {[w.shape for w in weights]} differ from Keras's "
        f"{[w.shape for w in klayer.get_weights()]}"
    )
    klayer.set_weights(weights)
    kcall = {k: (np.asarray(v) if isinstance(v, Tensor) else v) for k, v in call_kwargs.items()}
    for training in (False, True) if deterministic else (False,):
        expected = _keras_numpy(_call(klayer, x, training=training, **kcall))
        actual = _call(layer, x, training=training, **call_kwargs).numpy()
        np.testing.assert_allclose(
            actual, expected, **FLOAT32_TOLERANCE,
            err_msg=f"{layer.name}: outputs differ from Keras's (training={training})",
        )
        for w, kw in zip(layer.get_weights(), klayer.get_weights()):
            np.testing.assert_allclose(
                w, kw, **FLOAT32_TOLERANCE,
                err_msg=f"{layer.name}: weights differ from Keras's after a call "
                        f"(training={training})",
            )
    unknown_batch = _shapes(x, batch=False)
    assert tuple(_shape_call(layer.compute_output_shape, x, unknown_batch)) == tuple(
        _shape_call(klayer.compute_output_shape, x, unknown_batch)
    ), f"{layer.name}: compute_output_shape differs from Keras's"
    config, kconfig = layer.get_config(), klayer.get_config()
    assert _comparable(config) == _comparable(kconfig), (
        f"{layer.name}: config differs from Keras's:\n{config}\n!=\n{kconfig}"
    )
    # A copy: Keras's Wrapper.from_config pops the inner layer's config from what it is given.
    assert _comparable(keras_class.from_config(copy.deepcopy(config)).get_config()) == \
        _comparable(config), (
        f"{layer.name}: Keras does not load nnet's config back to the same config"
    )
    assert _comparable(type(layer).from_config(kconfig).get_config()) == _comparable(kconfig), (
        f"{layer.name}: nnet does not load Keras's config back to the same config"
    )
