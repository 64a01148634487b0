"""The Layer base class: the Keras contract `__init__` -> `build(input_shape)` -> `call(inputs)`."""

import functools
import inspect
import threading
import warnings

import numpy as np

from nnet import backend, constraints, dtype_policies, initializers, ops, regularizers, tree
from nnet.autodiff.symbolic import Operation, SymbolicOp, is_symbolic
from nnet.autodiff.tensor import Tensor, Variable
from nnet.layers.input_spec import as_shape, shape_of, specs
from nnet.layers.saving_hooks import SavingHooks
from nnet.naming import name_scope, scoped_path, to_snake_case, uniquify
from nnet.utils.registry import Registry
from nnet.utils.tracking import wrap


class _CallContext(threading.local):
    training = None


_CONTEXT = _CallContext()


_LAYER_ARGS = ("input_shape", "input_dim", "batch_size", "batch_input_shape")


class Layer(SavingHooks, Operation):
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

    # Whether call() takes text (string arrays) although the layer's dtype is numeric.
    _reads_text = False

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        object.__setattr__(self, "_tracking", False)
        shape = self._take_legacy_shape_kwargs(kwargs)
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}"
            )
        self._input_shape_arg = shape
        if name is not None and (not isinstance(name, str) or "/" in name):
            # "/" separates the parts of variable paths (`nnet.name_scope`).
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name} (of type {type(name)})")
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
        # Metrics set as attributes: a model reports them in `metrics`, as Keras does.
        self._metrics = []
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
        elif getattr(value, "_is_metric", False):  # a Metric, which layers do not import
            if all(value is not metric for metric in self._metrics):
                self._metrics.append(value)

    @property
    def trainable(self):
        return self._trainable

    @property
    def dtype_policy(self):
        """The layer's `DTypePolicy` (text layers, of dtype ``"string"``, have none)."""
        return None if self.dtype == "string" else dtype_policies.DTypePolicy(self.dtype)

    @property
    def compute_dtype(self):
        """The dtype of the layer's computations: its `dtype` (nnet has no mixed precision)."""
        return self.dtype

    @property
    def variable_dtype(self):
        """The dtype of the layer's weights: its `dtype` (nnet has no mixed precision)."""
        return self.dtype

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for v in self._trainable_variables:
            v.trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   autocast=True, regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """Create a weight Variable tracked by this layer.

        Its path is the open name scopes, the layer's name, then `name` (``seq/dense/kernel``).

        Args:
            shape: the weight's shape (a scalar when None).
            initializer: an initializer object, name or callable (`glorot_uniform` for floats
                by default, `zeros` otherwise).
            dtype: defaults to the layer's dtype.
            trainable: whether optimizers update it.
            autocast: Keras's cast of the weight under a mixed-precision policy; nnet has no
                mixed precision, so a weight is always read in its own dtype.
            regularizer: a penalty on the weight, added to the model's loss.
            constraint: applied to the weight after each optimizer update.
            aggregation: how replicas combine it, ``"none"``, ``"mean"``, ``"sum"`` or
                ``"only_first_replica"`` (kept for Keras compatibility: data-parallel nnet
                keeps every replica's weights equal).
            overwrite_with_gradient: optimizers set the weight to its gradient instead of
                stepping on it (`Variable.overwrite_with_gradient`).
            name: the variable's name (`kernel`, `bias`, ...).
        """
        if aggregation not in ("none", "mean", "sum", "only_first_replica"):
            raise ValueError(
                "Expected 'none', 'mean', 'sum' or 'only_first_replica' for aggregation. "
                f"Received: aggregation={aggregation!r}")
        shape = () if shape is None else tuple(int(n) for n in shape)
        dtype = _dtype_name(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        value = initializers.get(initializer)(shape, dtype=dtype)
        variable = Variable(
            value, trainable=trainable and self.trainable, name=name or "variable", dtype=dtype,
            constraint=constraints.get(constraint),
        )
        variable.path = scoped_path(self.name, self, variable.name)
        variable.overwrite_with_gradient = overwrite_with_gradient
        (self._trainable_variables if trainable else self._non_trainable_variables).append(variable)
        if regularizer is not None:
            self._regularizers.append((variable, regularizers.get(regularizer)))
        return variable

    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True,
                     regularizer=None, constraint=None, name=None):
        """Alias of `add_weight` with Keras's order of arguments (shape and initializer first).

        Example:
            >>> layer = Layer(name="holder")
            >>> layer.add_variable((2,), "ones", name="scale").path
            'holder/scale'
        """
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype,
                               trainable=trainable, autocast=autocast, regularizer=regularizer,
                               constraint=constraint, name=name)

    def build(self, input_shape):
        """Create the weights for inputs of `input_shape` (batch dim included, maybe None)."""
        self.built = True

    def _build_at_init(self):
        """Mark a layer without weights built from its __init__, as Keras does, unless a
        subclass overrides `build`: that build then runs on the first call."""
        if type(self).build is Layer.build:
            self.built = True

    def call(self, inputs):
        """The layer's computation; subclasses override it."""
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call().")

    def __call__(self, inputs, *args, training=None, **kwargs):
        if type(inputs) is not Tensor:
            if type(inputs) is not np.ndarray and is_symbolic(inputs, args, kwargs):
                if training is not None:
                    kwargs["training"] = training
                return self._symbolic_call(inputs, *args, **kwargs)
            inputs = self._convert_inputs(inputs)
        elif self.autocast and inputs.dtype.kind in "fiub" and inputs.dtype != self.dtype:
            inputs = self._convert_inputs(inputs)
        if not self.built:
            self._maybe_build(shape_of(inputs))
        if self.input_spec is not None:
            shape = inputs.data.shape if type(inputs) is Tensor else shape_of(inputs)
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
            previous_mask = (inputs._keras_mask if type(inputs) is Tensor
                             else _masks_of(inputs))
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
        shapes = shape_of(inputs)
        self._maybe_build(shapes)
        if self.input_spec is not None and not isinstance(shapes, (list, dict)):
            self.input_spec.check(self, shapes)
        return self.symbolic_call(inputs, *args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        """The output KerasTensor(s) for symbolic arguments: from `compute_output_shape` when the
        layer takes one input and defines it, else by running the call once on zeros."""
        if len(args) == 1 and not is_symbolic(kwargs) and \
                type(self).compute_output_shape is not Layer.compute_output_shape:
            return specs(self.compute_output_shape(shape_of(args[0])), self.dtype)
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
            if self.autocast and x.dtype.kind in "fiub" and x.dtype != self.dtype:
                return ops.cast(x, self.dtype)
            return x
        array = backend.asarray(x)
        if self.autocast and (array.dtype.kind in "fiub") and array.dtype != self.dtype:
            array = array.astype(self.dtype)
        elif array.dtype.kind in "OUS" and not self._reads_text and self.dtype != "string":
            raise ValueError(
                f"Expected numeric data for layer '{self.name}' ({type(self).__name__}), but it "
                f"received text of dtype {array.dtype} (first values: "
                f"{array.ravel()[:3].tolist()}). Turn text into numbers first, e.g. with a "
                f"TextVectorization, StringLookup or Hashing layer in front of it."
            )
        return Tensor(array)

    def _maybe_build(self, input_shape):
        if not self.built:
            self._build_shape = input_shape
            # Inside the layer's scope, so that the sublayers it builds nest under its name.
            with name_scope(self.name, caller=self):
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
        return shape_of(Operation.compute_output_spec(self, specs(input_shape, self.dtype)))

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
            self._build_shape = as_shape(args[0])
        build(self, *args, **kwargs)
        self.built = True

    return wrapper


def _unique(items):
    seen, out = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def _masks_of(inputs):
    """The masks carried by `inputs` (same structure), or None when none carries one."""
    masks = tree.map_structure(lambda t: getattr(t, "_keras_mask", None), inputs)
    return masks if any(m is not None for m in tree.flatten(masks)) else None


def _dtype_name(dtype):
    if dtype is None:
        return dtype_policies.dtype_policy().name
    if isinstance(dtype, dtype_policies.DTypePolicy):
        return dtype.name
    if isinstance(dtype, dict):
        dtype = dtype["config"]["name"]
    if isinstance(dtype, str) and (dtype.startswith("mixed_") or dtype == "bfloat16"):
        dtype_policies.DTypePolicy(dtype)  # raises: no mixed precision in nnet
    try:
        # Text is "string" (or a NumPy str/bytes dtype); an object dtype says nothing of it.
        name = None if np.dtype(dtype).kind == "O" else backend.standardize_dtype(dtype)
    except TypeError:
        name = "string" if dtype == "string" else None
    if name is None or (name != "string" and np.dtype(name).kind not in "fiub"):
        raise ValueError(
            "Expected a numeric dtype (e.g. 'float32', 'float64', 'int32') or 'string' for "
            f"dtype. Received: dtype={dtype!r}"
        )
    return name


def _dtype_policy(dtype):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}
