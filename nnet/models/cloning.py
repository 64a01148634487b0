"""`clone_model`: a new model with the same structure as another and new weights."""

import inspect

from nnet import tree
from nnet.autodiff.symbolic import KerasTensor
from nnet.layers.input_layer import Input
from nnet.models.functional import Functional
from nnet.models.sequential import Sequential
from nnet.utils.registry import deserialize_keras_object, serialize_keras_object


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the structure of `model` and newly initialized weights.

    Each layer is replaced by ``clone_function(layer)`` (by default a new layer of the same
    class and config, so weights are not shared). A layer used several times (a shared layer)
    gives one clone used at the same places. A Sequential model keeps its input; a functional
    model is rebuilt by calling the clones on new inputs (or on `input_tensors`), through
    ``call_function(layer, *args, **kwargs)`` when given. A subclassed model is rebuilt from its
    config. A compiled model's clone is compiled with the same arguments (a new optimizer).

    Args:
        model: a Sequential, functional or subclassed model.
        input_tensors: symbolic tensors (from `nnet.Input`) to build the clone on, in the
            structure of ``model.input``; a Sequential model takes one. Functional and
            Sequential models only.
        clone_function: ``layer -> new layer``; Functional and Sequential models only.
        call_function: ``(layer, *args, **kwargs) -> outputs``, how each cloned layer is called
            in a functional model.
        recursive: also clone the layers inside nested Sequential and functional models with
            `clone_function` (otherwise a nested model is cloned as one layer).

    Example:
        >>> import nnet
        >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2, name="out")])
        >>> clone = clone_model(model)
        >>> [layer.name for layer in clone.layers], clone.layers[0] is model.layers[0]
        (['out'], False)
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    if isinstance(model, (Sequential, Functional)):
        wrapped = _wrap_clone_function(clone_function, call_function, recursive, cache)
        if isinstance(model, Sequential):
            if call_function is not None:
                raise ValueError(
                    "`call_function` argument is not supported with Sequential models. In a "
                    "Sequential model, layers aren't called at model-construction time (they're "
                    "merely listed). Use `call_function` with Functional models only. Received "
                    f"model of type '{type(model).__name__}', with "
                    f"call_function={call_function}"
                )
            return _clone_sequential_model(model, wrapped, input_tensors)
        return _clone_functional_model(model, wrapped, input_tensors, call_function)
    if clone_function is not None or input_tensors is not None:
        raise ValueError(
            "Arguments `clone_function` and `input_tensors` are only supported for Sequential "
            f"models or Functional models. Received model of type '{type(model).__name__}', "
            f"with clone_function={clone_function} and input_tensors={input_tensors}"
        )
    if call_function is not None:
        raise ValueError(
            "Argument `call_function` is only supported for Functional models. Received model "
            f"of type '{type(model).__name__}', with call_function={call_function}"
        )
    return deserialize_keras_object(serialize_keras_object(model),
                                     custom_objects={type(model).__name__: type(model)})


def _clone_layer(layer):
    return type(layer).from_config(layer.get_config())


def _wrap_clone_function(clone_function, call_function, recursive, cache):
    """`clone_function` (or `_clone_layer`), answering a layer seen before with its first clone,
    and with `recursive`, cloning nested models layer by layer."""
    clone_function = clone_function or _clone_layer
    cache = {} if cache is None else cache

    def wrapped(layer):
        if id(layer) not in cache:
            if recursive and isinstance(layer, (Sequential, Functional)):
                cache[id(layer)] = clone_model(
                    layer, clone_function=clone_function, recursive=True, cache=cache,
                    call_function=None if isinstance(layer, Sequential) else call_function)
            else:
                cache[id(layer)] = clone_function(layer)
        return cache[id(layer)]

    return wrapped


def _check_clone_function(clone_function):
    if not callable(clone_function):
        raise ValueError(
            "Expected `clone_function` argument to be a callable. "
            f"Received: clone_function={clone_function}"
        )


def _clone_sequential_model(model, clone_function, input_tensors=None):
    _check_clone_function(clone_function)
    new_layers = [clone_function(layer) for layer in model.layers]
    reference = model._input_layer
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError(
                "Argument `input_tensors` must be a KerasTensor. "
                f"Received invalid value: input_tensors={input_tensors}"
            )
        new_layers.insert(0, Input(
            tensor=input_tensors, name=None if reference is None else reference.name,
            optional=False if reference is None else reference.optional))
    elif reference is not None:
        new_layers.insert(0, Input(batch_shape=reference.batch_shape, dtype=reference.dtype,
                                   name=reference.name, optional=reference.optional))
    clone = Sequential(new_layers, name=model.name, trainable=model.trainable)
    _compile_like(model, clone)
    return clone


def _clone_functional_model(model, clone_function, input_tensors=None, call_function=None):
    _check_clone_function(clone_function)
    if input_tensors is not None:
        if not all(isinstance(x, KerasTensor) for x in tree.flatten(input_tensors)):
            raise ValueError(
                "All entries in `input_tensors` must be KerasTensors. "
                f"Received invalid values: inputs_tensors={input_tensors}"
            )
        try:
            tree.assert_same_structure(input_tensors, model.input)
        except ValueError as error:
            raise ValueError(
                "`input_tensors` must have the same structure as model.input"
                f"\nReference structure: {model.input}\nReceived structure: {input_tensors}"
            ) from error
    else:
        input_tensors = tree.map_structure(
            lambda x: Input(batch_shape=x.shape, dtype=x.dtype, name=x.name), model.input)
    outputs = model._run_through_graph(tree.flatten(input_tensors), operation_fn=clone_function,
                                       call_fn=call_function)
    cls = type(model) if _functional_like_constructor(type(model)) else Functional
    clone = cls(input_tensors, outputs, name=model.name)
    _compile_like(model, clone)
    return clone


def _functional_like_constructor(cls):
    """Whether `cls` is built as ``cls(inputs, outputs, name=...)``, like Functional."""
    spec = inspect.getfullargspec(cls.__init__)
    if spec.args[1:] == inspect.getfullargspec(Functional.__init__).args[1:]:
        return True
    return spec.varargs is not None and spec.varkw is not None


def _compile_like(model, clone):
    if model.compiled:
        clone.compile_from_config(model.get_compile_config())
