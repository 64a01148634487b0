"""Lambda: wraps an arbitrary function of the inputs as a layer.

Loading never runs code by default: a Lambda whose function is a Python ``lambda`` is saved as
bytecode, and `Lambda.from_config` refuses such a config unless the caller passes
``safe_mode=False``. Named functions are saved by name and looked up when loading.
"""

import base64
import builtins
import inspect
import marshal
import types

import nnet
from nnet import activations, ops
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.rescaling import _deserialize_value, _serialize_value
from nnet.utils.object_registration import _custom_objects, get_registered_name, in_safe_mode


def _is_shape(value):
    return isinstance(value, (list, tuple)) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value
    )


def _validate_output_shape(output_shape):
    """None, a callable, a shape tuple, or a list of shape tuples (one per output)."""
    if output_shape is None or callable(output_shape):
        return output_shape
    if _is_shape(output_shape):
        return tuple(output_shape)
    if isinstance(output_shape, (list, tuple)) and output_shape and all(
        _is_shape(s) for s in output_shape
    ):
        return [tuple(s) for s in output_shape]
    raise ValueError(
        "Expected a shape tuple without the batch axis (e.g. (16,)), a list of such tuples, or "
        f"a function of the input shape for output_shape. Received: output_shape={output_shape!r}"
    )


def _parameter_names(function):
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return set()


def _is_python_lambda(function):
    return isinstance(function, types.LambdaType) and function.__name__ == "<lambda>"


def _serialize_function(function):
    """Keras's config of a function: bytecode for a Python lambda, else its registered name."""
    if _is_python_lambda(function):
        code = base64.encodebytes(marshal.dumps(function.__code__)).decode("ascii")
        closure = function.__closure__
        return {"class_name": "__lambda__", "config": {
            "code": code,
            "defaults": function.__defaults__,
            "closure": None if not closure else tuple(cell.cell_contents for cell in closure),
        }}
    return {"module": "builtins", "class_name": "function",
            "config": get_registered_name(function), "registered_name": "function"}


def _is_function_config(config):
    return isinstance(config, dict) and config.get("class_name") in ("__lambda__", "function")


def _load_bytecode(config):
    """Rebuild a Python lambda from its bytecode config. This runs code: only with safe_mode off."""
    code = marshal.loads(base64.decodebytes(config["code"].encode("ascii")))
    defaults = config.get("defaults")
    closure = config.get("closure")
    return types.FunctionType(
        code, {"__builtins__": builtins, "nnet": nnet, "ops": ops}, code.co_name,
        None if defaults is None else tuple(defaults),
        None if closure is None else tuple(types.CellType(v) for v in closure),
    )


def _deserialize_function(config, argument, custom_objects, safe_mode):
    if isinstance(config, dict) and config.get("class_name") == "__lambda__":
        if safe_mode:
            raise ValueError(
                f"Refusing to load the {argument} of a Lambda layer: it is a Python lambda "
                f"saved as bytecode, and running bytecode from a config or file can execute "
                f"arbitrary code. If you trust its source, load it with safe_mode=False (e.g. "
                f"Lambda.from_config(config, safe_mode=False), or call "
                f"nnet.config.enable_unsafe_deserialization()). Better: give the function a "
                f"name, register it with @nnet.utils.register_keras_serializable() and save the "
                f"model again."
            )
        return _load_bytecode(config["config"])
    name = config.get("config") if isinstance(config, dict) else config
    if not isinstance(name, str):
        raise ValueError(
            f"Expected a Python lambda's config or a function name for the {argument} of a "
            f"Lambda layer. Received: {argument}={config!r}"
        )
    found = (custom_objects or {}).get(name) or _custom_objects().get(name)
    if found is None:
        try:
            found = activations.get(name)
        except ValueError:
            found = None
    if found is None:
        raise ValueError(
            f"Could not find the function {name!r} used as the {argument} of a Lambda layer. "
            f"Decorate it with @nnet.utils.register_keras_serializable() before loading, or pass "
            f"custom_objects={{{name!r}: <the function>}}."
        )
    return found


@LAYERS.register
class Lambda(Layer):
    """Wraps ``function(inputs, **arguments)`` as a layer, for quick computations in a model.

    The function is called on the layer's inputs (a Tensor, or a list/dict of them) and must
    compute with `nnet.ops` (or Tensor operators) so that gradients flow through it. If it
    accepts ``mask`` or ``training`` arguments they are passed on. Lambdas have no weights: for
    anything with state, subclass `Layer`.

    Saving: a named function is saved by its registered name (``"Custom>double"`` after
    `nnet.utils.register_keras_serializable`, else its ``__name__``) and found again by that
    name among the registered objects, the ``custom_objects`` and the built-in activations. A
    Python ``lambda`` is saved as marshalled bytecode, as Keras does; loading it executes that
    code, so `from_config` refuses it unless ``safe_mode=False`` is passed. A lambda loaded that
    way sees only the globals ``nnet`` and ``ops`` (= `nnet.ops`).

    Args:
        function: the callable to apply; takes the inputs as its first argument.
        output_shape: the output shape, used to build functional graphs without running the
            function: a tuple without the batch axis (the input's batch size is prepended), a
            list of such tuples for several outputs, or a function from the full input shape to
            the full output shape. None infers it by running the function on zeros.
        mask: None, a callable ``mask(inputs, previous_mask)`` that computes the output mask,
            or a fixed mask returned as is.
        arguments: optional dict of keyword arguments passed to `function`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> import numpy as np
        >>> from nnet.layers.lambda_layer import Lambda
        >>> layer = Lambda(lambda x, power: x ** power, arguments={"power": 2})
        >>> layer(np.array([[1.0, 2.0, 3.0]])).numpy()
        array([[1., 4., 9.]], dtype=float32)
        >>> Lambda.from_config(layer.get_config())
        Traceback (most recent call last):
        ...
        ValueError: Refusing to load the function of a Lambda layer: it is a Python lambda ...
        >>> Lambda.from_config(layer.get_config(), safe_mode=False)(np.array([[4.0]])).numpy()
        array([[16.]], dtype=float32)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(
                f"Expected a callable for function (e.g. lambda x: x ** 2). "
                f"Received: function={function!r}"
            )
        if arguments is not None and not isinstance(arguments, dict):
            raise ValueError(
                f"Expected a dict of keyword arguments for arguments. "
                f"Received: arguments={arguments!r}"
            )
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = _validate_output_shape(output_shape)
        parameters = _parameter_names(function)
        self._fn_expects_mask_arg = "mask" in parameters
        self._fn_expects_training_arg = "training" in parameters

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        """The output mask: ``mask(inputs, previous_mask)`` if `mask` is callable, else `mask`."""
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            try:
                return super().compute_output_shape(input_shape)
            except Exception as error:
                raise ValueError(
                    f"Could not infer the output shape of Lambda layer '{self.name}' by running "
                    f"its function on zeros of shape {input_shape}: {error}. Pass "
                    f"output_shape= to the Lambda layer."
                ) from error
        if callable(self._output_shape):
            shape = self._output_shape(input_shape)
            return [tuple(s) for s in shape] if isinstance(shape, list) else tuple(shape)
        batch = input_shape[0]
        while isinstance(batch, (list, tuple)):
            batch = batch[0] if batch else None
        if isinstance(self._output_shape, list):
            return [(batch, *shape) for shape in self._output_shape]
        return (batch, *self._output_shape)

    def get_config(self):
        config = super().get_config()
        config["function"] = _serialize_function(self.function)
        if self._output_shape is not None:
            config["output_shape"] = (_serialize_function(self._output_shape)
                                      if callable(self._output_shape) else self._output_shape)
        if self.mask is not None:
            config["mask"] = (_serialize_function(self.mask) if callable(self.mask)
                              else _serialize_value(self.mask))
        config["arguments"] = _serialize_value(self.arguments)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Create a Lambda from its config without running any code from it.

        Args:
            config: the dict returned by `get_config` (nnet's or Keras's).
            custom_objects: optional ``{name: function}`` for functions saved by name.
            safe_mode: True refuses functions saved as bytecode (Python lambdas) with a
                ValueError; pass False only for configs from a trusted source. None (the
                default) follows the enclosing `load_model(safe_mode=...)`, which is True.
        """
        if safe_mode is None:
            safe_mode = in_safe_mode()
        config = dict(config)
        config["function"] = _deserialize_function(
            config["function"], "function", custom_objects, safe_mode
        )
        for key in ("output_shape", "mask"):
            if _is_function_config(config.get(key)):
                config[key] = _deserialize_function(config[key], key, custom_objects, safe_mode)
        if "mask" in config and not callable(config["mask"]):
            config["mask"] = _deserialize_value(config["mask"])
        if "arguments" in config:
            config["arguments"] = _deserialize_value(config["arguments"])
        return super().from_config(config)
