"""Model: a Layer with the training API. Subclass it, or build a graph from `Input`s."""

import numpy as np

from nnet.autodiff.tensor import Tensor
from nnet.layers.layer import Layer
from nnet.naming import to_snake_case, uniquify
from nnet.training import Trainer
from nnet.utils.registry import Registry
from nnet.utils.summary import print_summary


class Model(Trainer, Layer):
    """A trainable model: layers plus compile/fit/evaluate/predict.

    Subclass it: create layers in ``__init__`` (they are tracked when set as attributes) and
    compute the output in ``call(inputs, training=None)``.

    Example:
        >>> import numpy as np, nnet
        >>> class TwoLayer(nnet.Model):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = nnet.layers.Dense(8, activation="relu")
        ...         self.out = nnet.layers.Dense(1)
        ...     def call(self, x, training=None):
        ...         return self.out(self.hidden(x))
        >>> model = TwoLayer()
        >>> model(np.ones((2, 3))).shape
        (2, 1)
        >>> len(model.weights)
        4
    """

    # The functional model class; nnet.models.functional sets it where it defines the class.
    _functional = None

    def __new__(cls, *args, **kwargs):
        functional = Model._functional
        functional_arguments = len(args) == 2 or (len(args) == 1 and "outputs" in kwargs) or (
            "inputs" in kwargs and "outputs" in kwargs)
        if functional_arguments and not issubclass(cls, functional):
            # As in Keras, a Model (or a subclass of it) called with inputs and outputs is a
            # functional model, of that subclass when there is one.
            return super().__new__(functional if cls is Model else _functional_subclass(cls))
        return super().__new__(cls)

    def __init__(self, *args, trainable=True, name=None, dtype=None, **kwargs):
        if args:
            raise TypeError(
                f"{type(self).__name__}() takes only keyword arguments in a subclassed model. "
                f"Received positional arguments {args!r}."
            )
        base = "functional" if type(self) is Model else to_snake_case(type(self).__name__)
        Layer.__init__(self, trainable=trainable, name=name or uniquify(base), dtype=dtype,
                       **kwargs)
        self._init_trainer()

    def _convert_input(self, x):
        # Text goes on to the model's layers as it is: each of them says whether it reads text.
        if not isinstance(x, Tensor):
            array = np.asarray(x)
            if array.dtype.kind in "OUS":
                return array
        return Layer._convert_input(self, x)

    def build(self, input_shape=None):
        """Create the weights by running `call` once on zeros of `input_shape`."""
        if input_shape is not None and not self.built:
            self.built = True
            self.compute_output_shape(input_shape)
        self.built = True

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a model from `get_config`: a functional graph, or a subclass's arguments."""
        if "input_layers" in config:
            return Model._functional.from_config.__func__(cls, config, custom_objects)
        return super().from_config(config)

    @property
    def layers(self):
        """The layers this model tracks, in the order they were assigned."""
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A layer by `name` or by `index` into `layers`."""
        if index is not None and name is not None:
            raise ValueError(
                f"Provide only a layer name or a layer index, not both. Received: "
                f"name={name!r}, index={index!r}"
            )
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(self.layers)} layers."
                )
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}."
        )

    def get_state_tree(self, value_format="backend_tensor"):
        """The model's variables as nested dicts keyed by the parts of their paths, as Keras.

        ``{"trainable_variables", "non_trainable_variables", "optimizer_variables",
        "metrics_variables"}``, each ``{"my_model": {"dense": {"kernel": value, ...}}}``.
        The values are the variables' live arrays (``"backend_tensor"``: NumPy or CuPy arrays,
        which training updates in place) or NumPy copies (``"numpy_array"``). Metric states
        are float64, as nnet keeps them.

        Args:
            value_format: ``"backend_tensor"`` or ``"numpy_array"``.

        Example:
            >>> import nnet
            >>> model = nnet.Sequential([nnet.Input((2,)), nnet.layers.Dense(1, name="d")],
            ...                         name="seq")
            >>> model.compile(optimizer="sgd", loss="mse")
            >>> tree = model.get_state_tree("numpy_array")
            >>> list(tree), list(tree["trainable_variables"]["seq"]["d"])
            (['trainable_variables', 'non_trainable_variables', 'optimizer_variables', \
'metrics_variables'], ['kernel', 'bias'])
        """
        if value_format not in ("backend_tensor", "numpy_array"):
            raise ValueError(
                "Invalid `value_format` argument. Expected one of {'numpy_array', "
                f"'backend_tensor'}}. Received: value_format={value_format}")
        optimizer = getattr(self, "optimizer", None)
        groups = {
            "trainable_variables": self.trainable_variables,
            "non_trainable_variables": self.non_trainable_variables,
            "optimizer_variables": optimizer.variables if optimizer is not None else [],
            "metrics_variables": self.metrics_variables,
        }
        return {key: _nested_dict(variables, value_format) for key, variables in groups.items()}

    def set_state_tree(self, state_tree):
        """Assign the values of a `get_state_tree`-shaped dict (or part of one) to the
        variables at those paths; paths that no variable has are skipped, as in Keras.

        Args:
            state_tree: ``{group: nested dict of values}``, the groups being those of
                `get_state_tree`.

        Example:
            >>> import nnet, numpy as np
            >>> model = nnet.Sequential([nnet.Input((2,)), nnet.layers.Dense(1, name="d")],
            ...                         name="seq2")
            >>> model.set_state_tree({"trainable_variables": {"seq2": {"d": {"bias": [5.0]}}}})
            >>> model.layers[0].bias.numpy()
            array([5.], dtype=float32)
        """
        optimizer = getattr(self, "optimizer", None)
        groups = {
            "trainable_variables": lambda: self.trainable_variables,
            "non_trainable_variables": lambda: self.non_trainable_variables,
            "optimizer_variables": lambda: optimizer.variables if optimizer is not None else [],
            "metrics_variables": lambda: self.metrics_variables,
        }
        for key, values in state_tree.items():
            if key not in groups:
                raise ValueError(
                    f"Unknown variable name: {key}. Expected the keys of get_state_tree(): "
                    f"{', '.join(groups)}.")
            by_path = {v.path: v for v in groups[key]()}
            for path, value in _flatten_nested_dict(values).items():
                if path in by_path:
                    by_path[path].assign(value)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print a table of the layers, their output shapes and parameter counts (Keras 3 style)."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save the model as a ``.keras`` file (or a legacy ``.h5`` one), atomically (see
        `nnet.saving.save_model`).

        The file holds the architecture, the weights, the compile arguments and the optimizer
        state; `nnet.saving.load_model` (or Keras's ``keras.saving.load_model``) restores them.
        """
        from nnet.saving.keras_format import save_model

        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None,
               **kwargs):
        """Export the model's inference graph for another runtime; nnet writes ``format="onnx"``
        (see `nnet.export.onnx.export_onnx` for `input_signature` and ``opset_version``).

        The file runs in onnxruntime with a dynamic batch dimension:
        ``session = onnxruntime.InferenceSession(path)``, then
        ``session.run(None, {session.get_inputs()[0].name: x})``.
        """
        formats = ("tf_saved_model", "onnx", "openvino", "litert", "torch")
        if format not in formats:
            raise ValueError(
                f"Unrecognized format={format}. Supported formats are: {list(formats)}."
            )
        if format != "onnx":
            raise ValueError(
                f"nnet exports format='onnx' only. Received: format={format!r}. Call "
                f"model.export(filepath, format='onnx')."
            )
        try:
            from nnet.export.onnx import export_onnx
        except ImportError as error:
            raise ImportError(
                f"ONNX export needs the `onnx` package ({error}). Install it with "
                f"`pip install onnx onnxruntime` (nnet's `onnx` extra)."
            ) from error

        export_onnx(self, filepath, verbose=verbose, input_signature=input_signature, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Write the weights to `filepath` (``.weights.h5`` or ``.weights.npz``), atomically."""
        from nnet.saving.weights import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights written by `save_weights`, or a legacy ``.h5`` file (the file's code is
        never executed); ``by_name=True`` matches a legacy file's layers by name."""
        from nnet.saving.weights import load_weights

        by_name = kwargs.pop("by_name", False)
        if kwargs:
            raise ValueError(
                f"Invalid keyword arguments: {kwargs}. load_weights takes filepath, "
                "skip_mismatch and, for legacy `.h5` files, by_name."
            )
        load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def get_compile_config(self):
        """compile()'s arguments in Keras's JSON form (empty before compile)."""
        from nnet.saving.keras_format import compile_config

        return compile_config(self) if self.compiled else {}

    def compile_from_config(self, config):
        """Compile with the arguments `get_compile_config` returned."""
        from nnet.saving.keras_format import compile_from_config

        compile_from_config(self, config)

    def to_json(self, **kwargs):
        """The model's architecture (and compile arguments) as Keras's JSON envelope.

        `nnet.models.model_from_json` rebuilds the model from it, with fresh weights.
        """
        from nnet.saving.keras_format import model_to_json

        return model_to_json(self, **kwargs)


def _nested_dict(variables, value_format):
    """``{"a": {"b": value}}`` for the variable of path ``a/b``."""
    nested, seen = {}, set()
    for variable in variables:
        if variable.path in seen:
            raise ValueError(
                f"The following variable path is found twice in the model: '{variable.path}'. "
                "`get_state_tree()` can only be called when all variable paths are unique. "
                "Make sure to give unique names to your layers (and other objects).")
        seen.add(variable.path)
        *parents, leaf = variable.path.split("/")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = variable.value if value_format == "backend_tensor" else variable.numpy()
    return nested


def _flatten_nested_dict(nested, prefix=""):
    flat = {}
    for key, value in nested.items():
        if isinstance(value, dict):
            flat.update(_flatten_nested_dict(value, f"{prefix}{key}/"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


# Models are layers too: `layers.deserialize` and `deserialize_keras_object` find them here.
# Model registers here, Sequential and Functional where they are defined.
MODELS = Registry("model", Model, module="keras")
MODELS.register(Model)
# Keras does not export Functional: its configs name the module that defines it.
FUNCTIONAL_MODELS = Registry("model", Model, module="keras.src.models.functional")


_FUNCTIONAL_SUBCLASSES = {}


def _functional_subclass(cls):
    """`cls` with the functional model mixed in: its own methods (a custom train_step) first."""
    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Model._functional), {
            "__module__": cls.__module__, "__qualname__": cls.__qualname__})
    return _FUNCTIONAL_SUBCLASSES[cls]
