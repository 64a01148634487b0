"""The Layer base class: the Keras contract `__init__` -> `build(input_shape)` -> `call(inputs)`."""

import functools
import inspect
import threading
import warnings

import numpy as np

from nnet import backend, constraints, initializers, ops, regularizers, tree
from nnet.autodiff.symbolic import KerasTensor, Operation, SymbolicOp, is_symbolic
from nnet.autodiff.tensor import Tensor, Variable
from nnet.naming import to_snake_case, uniquify
from nnet.utils.registry import Registry
from nnet.utils.tracking import wrap


class _CallContext(threading.local):
    training = None


_CONTEXT = _CallContext()


class InputSpec:
    """What a layer accepts: ``ndim``/``min_ndim`` and fixed sizes along some axes.

    Args:
        ndim: exact rank, or None.
        min_ndim: minimum rank, or None.
        axes: ``{axis: size}`` that every input must match.
    """

    def __init__(self, ndim=None, min_ndim=None, axes=None):
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.axes = axes or {}

    def check(self, layer, shape):
        """Raise a ValueError naming `layer`, the expected and received shapes, and the fix."""
        expected = None
        if self.ndim is not None and len(shape) != self.ndim:
            expected = f"expected ndim={self.ndim}, found ndim={len(shape)}"
        elif self.min_ndim is not None and len(shape) < self.min_ndim:
            expected = f"expected min_ndim={self.min_ndim}, found ndim={len(shape)}"
        else:
            for axis, size in self.axes.items():
                if len(shape) > abs(axis) - (axis < 0) and shape[axis] not in (size, None):
                    expected = (
                        f"expected axis {axis} of the input shape to have value {size}, "
                        f"but received an input with shape {tuple(shape)}"
                    )
                    break
        if expected:
            raise ValueError(
                f'Input 0 of layer "{layer.name}" is incompatible with the layer: {expected}. '
                f"The layer was built for inputs of shape {layer._build_shape_text()}. Reshape the "
                f"data to match, or use a new layer built for the new shape."
            )


_LAYER_ARGS = ("input_shape", "input_dim", "batch_size", "batch_input_shape")


class Layer(Operation):
    """Base class of every layer.

    Subclasses create their weights in `build(input_shape)` with `add_weight`, compute in
    `call(inputs, training=None)` with `nnet.ops`, and never write a backward pass: gradients come
    from the ops. Layers assigned as attributes are tracked (their weights become this layer's).

    Args:
        trainable: whether the layer's weights are updated by training.
        name: a unique name; by default the snake_case class name plus a counter (`dense_1`).
        dtype: the dtype of the weights and computation (`floatx()` by default).
        activity_regularizer: a penalty on the layer's output, added to the loss.

    Example:
        >>> import numpy as np, nnet
        >>> class Scale(nnet.layers.Layer):
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        ...     def call(self, x):
        ...         return x * self.w
        >>> Scale()(np.ones((2, 3))).shape
        (2, 3)
    """

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        object.__setattr__(self, "_tracking", False)
        shape = self._take_legacy_shape_kwargs(kwargs)
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}"
            )
        self._input_shape_arg = shape
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self.built = False
        self._trainable = trainable
        self.dtype = _dtype_name(dtype)
        self.autocast = autocast
        self.input_spec = None
        # As in Keras: a layer that defines compute_mask passes masks on.
        self._computes_mask = type(self).compute_mask is not Layer.compute_mask
        self.supports_masking = self._computes_mask
        self._inbound_nodes = []
        self._trainable_variables = []
        self._non_trainable_variables = []
        self._layers = []
        self._losses = []
        self._regularizers = []
        self._build_shape = None
        self.activity_regularizer = regularizers.get(activity_regularizer)
        parameters = inspect.signature(self.call).parameters
        self._call_has_training = "training" in parameters
        self._call_has_mask = "mask" in parameters
        self._tracking = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # As in Keras, a layer is built once its build() returns, however build() was called.
        if "build" in cls.__dict__:
            cls.build = _marks_built(cls.__dict__["build"])

    def _take_legacy_shape_kwargs(self, kwargs):
        given = {k: kwargs.pop(k) for k in _LAYER_ARGS if k in kwargs}
        if "batch_input_shape" in given:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                f"{{'batch_input_shape': {given['batch_input_shape']!r}}}. This is a Keras 2 "
                f"argument: start the model with nnet.Input(batch_shape=...) instead."
            )
        if "input_shape" in given or "input_dim" in given:
            warnings.warn(
                "Do not pass an `input_shape`/`input_dim` argument to a layer. When using "
                "Sequential models, prefer using an `Input(shape)` object as the first layer in "
                "the model instead.",
                UserWarning,
                stacklevel=3,
            )
        if "input_dim" in given:
            return (given["input_dim"],)
        shape = given.get("input_shape")
        return None if shape is None else tuple(shape)

    # Tracking of sublayers and variables set as attributes.
    def __setattr__(self, name, value):
        if isinstance(value, Layer) and "_tracking" not in self.__dict__:
            raise RuntimeError(
                f"It looks like you are subclassing `{type(self).__name__}` and forgot to call "
                f"`super().__init__()` before assigning the layer '{name}'. Call "
                f"`super().__init__(**kwargs)` at the start of `__init__`."
            )
        if self.__dict__.get("_tracking"):
            if name.startswith("_"):
                self._track(value)
            else:
                # Lists and dicts become tracking ones, so that what is added later counts too.
                value = wrap(value, self._track)
        object.__setattr__(self, name, value)

    def _track(self, value):
        """Adopt a sublayer or a variable set as an attribute (or put into one's containers)."""
        if isinstance(value, Layer):
            if value is not self and all(value is not layer for layer in self._layers):
                self._layers.append(value)
        elif isinstance(value, Variable):
            owned = self._trainable_variables + self._non_trainable_variables
            if all(value is not v for v in owned):
                (self._trainable_variables if value.trainable
                 else self._non_trainable_variables).append(value)
                if value.path == value.name:
                    value.path = f"{self.name}/{value.name}"

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for v in self._trainable_variables:
            v.trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None):
        """Create a weight Variable tracked by this layer.

        Args:
            shape: the weight's shape (a scalar when None).
            initializer: an initializer object, name or callable (`glorot_uniform` for floats
                by default, `zeros` otherwise).
            dtype: defaults to the layer's dtype.
            trainable: whether optimizers update it.
            regularizer: a penalty on the weight, added to the model's loss.
            constraint: applied to the weight after each optimizer update.
            name: the variable's name (`kernel`, `bias`, ...).
        """
        shape = () if shape is None else tuple(int(n) for n in shape)
        dtype = _dtype_name(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        value = initializers.get(initializer)(shape, dtype=dtype)
        variable = Variable(
            value, trainable=trainable and self.trainable, name=name or "variable", dtype=dtype,
            constraint=constraints.get(constraint),
        )
        variable.path = f"{self.name}/{variable.name}"
        (self._trainable_variables if trainable else self._non_trainable_variables).append(variable)
        if regularizer is not None:
            self._regularizers.append((variable, regularizers.get(regularizer)))
        return variable

    def build(self, input_shape):
        """Create the weights for inputs of `input_shape` (batch dim included, maybe None)."""
        self.built = True

    def call(self, inputs):
        """The layer's computation; subclasses override it."""
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call().")

    def __call__(self, inputs, *args, training=None, **kwargs):
        if type(inputs) is not Tensor:
            if is_symbolic(inputs, args, kwargs):
                if training is not None:
                    kwargs["training"] = training
                return self._symbolic_call(inputs, *args, **kwargs)
            inputs = self._convert_inputs(inputs)
        elif self.autocast and inputs.dtype.kind == "f" and inputs.dtype != self.dtype:
            inputs = self._convert_inputs(inputs)
        if not self.built:
            self._maybe_build(_shape_of(inputs))
        if self.input_spec is not None:
            shape = _shape_of(inputs)
            # Checked once per new input shape: the check is pure Python, the shape rarely changes.
            if shape != self.__dict__.get("_checked_shape"):
                self.input_spec.check(self, shape)
                self.__dict__["_checked_shape"] = shape
        outer = _CONTEXT.training
        if training is None:
            training = outer
        if self._call_has_training:
            kwargs["training"] = training
        previous_mask = kwargs.get("mask") if self._call_has_mask else None
        if previous_mask is None:
            previous_mask = _masks_of(inputs)
            if previous_mask is not None and self._call_has_mask:
                kwargs["mask"] = previous_mask
        if self._losses:
            self._losses.clear()
        _CONTEXT.training = training
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            _CONTEXT.training = outer
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(outputs) / outputs.shape[0])
        if previous_mask is not None or self._computes_mask:
            self._set_output_masks(inputs, outputs, previous_mask)
        return outputs

    def _symbolic_call(self, inputs, *args, **kwargs):
        shapes = _shape_of(inputs)
        self._maybe_build(shapes)
        if self.input_spec is not None and not isinstance(shapes, (list, dict)):
            self.input_spec.check(self, shapes)
        return self.symbolic_call(inputs, *args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        """The output KerasTensor(s) for symbolic arguments: from `compute_output_shape` when the
        layer takes one input and defines it, else by running the call once on zeros."""
        if len(args) == 1 and not is_symbolic(kwargs) and \
                type(self).compute_output_shape is not Layer.compute_output_shape:
            return _specs(self.compute_output_shape(_shape_of(args[0])), self.dtype)
        return super().compute_output_spec(*args, **kwargs)

    def compute_mask(self, inputs, previous_mask):
        """The mask of the output: by default the input's mask, unchanged (as in Keras)."""
        return previous_mask

    def _set_output_masks(self, inputs, outputs, previous_mask):
        if not self.supports_masking:
            if previous_mask is None:
                return
            warnings.warn(
                f"Layer '{self.name}' (of type {type(self).__name__}) was passed an input with a "
                f"mask attached to it. However, this layer does not support masking and will "
                f"therefore destroy the mask information. Downstream layers will not see the "
                f"mask.",
                stacklevel=3,
            )
            return
        masks = self.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        flat_outputs = tree.flatten(outputs)
        flat_masks = tree.flatten(masks) if len(flat_outputs) > 1 else [masks]
        for output, mask in zip(flat_outputs, flat_masks):
            if isinstance(output, Tensor) and output._keras_mask is None:
                output._keras_mask = mask

    def _convert_inputs(self, inputs):
        return tree.map_structure(self._convert_input, inputs)

    def _convert_input(self, x):
        if isinstance(x, Tensor):
            if self.autocast and x.dtype.kind == "f" and x.dtype != self.dtype:
                return ops.cast(x, self.dtype)
            return x
        array = backend.asarray(x)
        if self.autocast and (array.dtype.kind in "fiub") and array.dtype != self.dtype:
            array = array.astype(self.dtype)
        return Tensor(array)

    def _maybe_build(self, input_shape):
        if not self.built:
            self._build_shape = input_shape
            self.build(input_shape)
            self.built = True

    def _build_shape_text(self):
        return "unknown" if self._build_shape is None else str(self._build_shape)

    def add_loss(self, loss):
        """Add a scalar loss term (a Tensor) computed in `call`; training adds it to the loss."""
        self._losses.append(loss)

    @property
    def losses(self):
        """The `add_loss` terms of the last call plus weight-regularization penalties."""
        terms = list(self._losses)
        terms.extend(regularizer(variable) for variable, regularizer in self._regularizers)
        for layer in self._layers:
            terms.extend(layer.losses)
        return terms

    def _flatten_layers(self):
        yield self
        for layer in self._layers:
            yield from layer._flatten_layers()

    @property
    def weights(self):
        """All weights: this layer's trainable, then non-trainable, then its sublayers'."""
        return _unique(
            [*self._trainable_variables, *self._non_trainable_variables]
            + [w for layer in self._layers for w in layer.weights]
        )

    @property
    def trainable_weights(self):
        """The weights that training updates, in `weights` order."""
        if not self.trainable:
            return []
        return [w for w in self.weights if w.trainable]

    @property
    def non_trainable_weights(self):
        """The weights that training leaves alone (frozen ones, moving statistics)."""
        if not self.trainable:
            return self.weights
        return [w for w in self.weights if not w.trainable]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        """The weights as a list of NumPy arrays, in `weights` order."""
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, weights):
        """Set the weights from a list of arrays in `weights` order (shapes must match)."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(
                f"Layer {self.name!r} expects {len(own)} weight arrays, but set_weights received "
                f"{len(weights)}. Pass one array per entry of layer.weights."
            )
        for variable, value in zip(own, weights):
            variable.assign(np.asarray(value))

    def count_params(self):
        """The total number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                f"built. Build it first by calling it on data or with `build(input_shape)`."
            )
        return int(sum(w.size for w in self.weights))

    def compute_output_shape(self, input_shape):
        """The output shape for `input_shape` (unknown dims as None).

        The default runs `call` once on zeros of that shape (unknown dims set to 1) without
        recording gradients; layers whose shape rule is simple override it.
        """
        return _shape_of(Operation.compute_output_spec(self, _specs(input_shape, self.dtype)))

    def get_config(self):
        """The constructor arguments as a JSON-friendly dict (Keras's schema)."""
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": _dtype_policy(self.dtype)}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        """Create a layer from the dict returned by `get_config`."""
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"]["config"]["name"]
        return cls(**config)

    def get_build_config(self):
        """What `build_from_config` needs to recreate the layer's state when it is loaded.

        The default is ``{"input_shape": ...}``, the shape the layer was built for (None when
        it was never built). A layer whose state depends on something else (data seen by
        ``adapt``, say) overrides both methods.

        Example:
            >>> import nnet
            >>> layer = nnet.layers.Dense(2)
            >>> layer.build((None, 3))
            >>> layer.get_build_config()
            {'input_shape': (None, 3)}
        """
        if self._build_shape is None:
            return None
        return {"input_shape": self._build_shape}

    def build_from_config(self, config):
        """Create the layer's state from `get_build_config`'s dict, before weights are loaded.

        The default calls ``build(config["input_shape"])`` (or ``build(**config["shapes_dict"])``
        for Keras's layers built from several inputs).

        Args:
            config: the build config; JSON lists count as shapes.

        Example:
            >>> import nnet
            >>> layer = nnet.layers.Dense(2)
            >>> layer.build_from_config({"input_shape": [None, 3]})
            >>> layer.kernel.shape
            (3, 2)
        """
        if not config:
            return
        if "input_shape" in config:
            self.build(_as_shape(config["input_shape"]))
        elif "shapes_dict" in config:
            self.build(**{k: _as_shape(v) for k, v in config["shapes_dict"].items()})

    def save_own_variables(self, store):
        """Write the layer's own state into `store`, a dict-like part of the weights file.

        The default writes its own variables (trainable, then non-trainable, without its
        sublayers', which get stores of their own) under the keys ``"0"``, ``"1"``, ... as
        Keras does. Override it, with `load_own_variables`, to save other state.

        Args:
            store: a mapping from string keys to arrays.

        Example:
            >>> import nnet
            >>> layer = nnet.layers.Dense(2)
            >>> layer.build((None, 3))
            >>> store = {}
            >>> layer.save_own_variables(store)
            >>> {key: value.shape for key, value in store.items()}
            {'0': (3, 2), '1': (2,)}
        """
        for i, variable in enumerate([*self._trainable_variables,
                                      *self._non_trainable_variables]):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Read back what `save_own_variables` wrote; nothing is assigned unless all fits.

        Args:
            store: a mapping from string keys to arrays.

        Raises:
            ValueError: when the number of saved values or a shape differs from the layer's.

        Example:
            >>> import numpy as np, nnet
            >>> layer = nnet.layers.Dense(2)
            >>> layer.build((None, 3))
            >>> layer.load_own_variables({"0": np.ones((3, 2)), "1": np.zeros(2)})
            >>> float(layer.kernel.numpy().sum())
            6.0
        """
        variables = [*self._trainable_variables, *self._non_trainable_variables]
        if len(store.keys()) != len(variables):
            names = [v.name for v in variables]
            hint = (
                " The layer was never built: its build() must create all of its state, or it "
                "needs a build_from_config(config) (and a matching get_build_config()) that "
                "recreates it when the layer is loaded." if not self.built and not variables
                else " Build the same layer that was saved."
            )
            raise ValueError(
                f"Layer '{self.name}' expected {len(variables)} variables {names}, but the "
                f"saved state holds {len(store.keys())}: {list(store.keys())}.{hint}"
            )
        values = [store[str(i)] for i in range(len(variables))]
        for i, (variable, value) in enumerate(zip(variables, values)):
            if np.shape(value) != tuple(variable.shape):
                raise ValueError(
                    f"Layer '{self.name}' variable {i} '{variable.path}' has shape "
                    f"{tuple(variable.shape)} in the model but {np.shape(value)} in the "
                    "saved state."
                )
        for variable, value in zip(variables, values):
            variable.assign(value)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# Every built-in layer registers itself here with ``@LAYERS.register``; `nnet.layers.deserialize`
# looks configs up in it. A layer's config may hold a nested model, whose classes register in
# nnet.models, a floor above: that package is imported by path when a config names a class no
# registry knows yet (data-driven lazy loading, no upward import).
LAYERS = Registry("layer", base=Layer, module="keras.layers", modules=("nnet.models",))
# The operations recorded in a functional graph are saved among its layers; they are defined
# a floor below, in nnet.autodiff.symbolic, so they are registered here.
LAYERS.register(SymbolicOp)


def _marks_built(build):
    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        if self._build_shape is None and args:
            self._build_shape = _as_shape(args[0])
        build(self, *args, **kwargs)
        self.built = True

    return wrapper


def _as_shape(shape):
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
        return [_as_shape(s) for s in shape]
    return tuple(shape) if isinstance(shape, (list, tuple)) else shape


def _unique(items):
    seen, out = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def _shape_of(inputs):
    if isinstance(inputs, (list, tuple)):
        return [_shape_of(x) for x in inputs]
    if isinstance(inputs, dict):
        return {k: _shape_of(v) for k, v in inputs.items()}
    return tuple(inputs.shape)


def _specs(shapes, dtype):
    """KerasTensors for a shape, or a list or dict of shapes."""
    if isinstance(shapes, dict):
        return {k: _specs(v, dtype) for k, v in shapes.items()}
    if isinstance(shapes, list) or (isinstance(shapes, tuple) and shapes
                                    and isinstance(shapes[0], (list, tuple))):
        return [_specs(s, dtype) for s in shapes]
    return KerasTensor(shapes, dtype)


def _masks_of(inputs):
    """The masks carried by `inputs` (same structure), or None when none carries one."""
    if type(inputs) is Tensor:
        return inputs._keras_mask
    masks = tree.map_structure(lambda t: getattr(t, "_keras_mask", None), inputs)
    return masks if any(m is not None for m in tree.flatten(masks)) else None


def _dtype_name(dtype):
    if dtype is None:
        return backend.floatx()
    if isinstance(dtype, dict):
        return dtype["config"]["name"]
    return np.dtype(dtype).name


def _dtype_policy(dtype):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}
