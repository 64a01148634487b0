"""nnet.ops.keras_classes: the table of Keras's op classes against Keras itself, and the mapping
of each class onto the `nnet.ops` function that computes it."""

import importlib
import inspect
import os
import re

import numpy as np
import pytest

import nnet
from nnet.autodiff.symbolic import is_registered_op
from nnet.ops.keras_classes import KERAS_OPS, from_keras, keras_class, keras_ops

os.environ.setdefault("KERAS_BACKEND", "torch")

# Keras's functions of these names build their result from several op classes (kaiser) or hand
# over to another function (extract_patches_3d records an ExtractPatches, as nnet does).
COMPOSED_IN_KERAS = {"kaiser", "extract_patches_3d"}


@pytest.fixture(scope="module")
def keras_modules():
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    return {sub: importlib.import_module(f"keras.src.ops.{sub}") for sub in KERAS_OPS}


def _operation_classes(module):
    from keras.src.ops.operation import Operation

    return {name: cls for name, cls in vars(module).items()
            if isinstance(cls, type) and issubclass(cls, Operation)
            and cls.__module__ == module.__name__}


def test_the_table_lists_every_op_class_of_keras_with_its_parameters(keras_modules):
    listed = {(op.module, op.class_name): (op.call, op.init) for op in keras_ops().values()}
    found = {}
    for module in keras_modules.values():
        for name, cls in _operation_classes(module).items():
            if name == "SegmentReduction":  # the base of SegmentSum & co., never recorded
                continue
            init = tuple(p.name for p in inspect.signature(cls.__init__).parameters.values()
                         if p.name not in ("self", "name")
                         and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
            call = tuple(("*" if p.kind is p.VAR_POSITIONAL else "") + p.name
                         for p in inspect.signature(cls.call).parameters.values()
                         if p.name != "self" and p.kind is not p.VAR_KEYWORD)
            found[(module.__name__, name)] = (call, init)
    assert listed == found


def _mapped():
    return [op for op in keras_ops().values() if op.function() is not None]


@pytest.mark.parametrize("op", _mapped(), ids=lambda op: op.class_name)
def test_each_mapped_function_takes_the_arguments_of_its_keras_class(op):
    """The call parameters come first, in Keras's order; every constructor argument is a
    parameter (or goes to the function's **kwargs)."""
    parameters = inspect.signature(op.function()).parameters
    kinds = {name: p.kind for name, p in parameters.items()}
    has_kwargs = inspect.Parameter.VAR_KEYWORD in kinds.values()
    missing = [name for name in op.init if name not in parameters and not has_kwargs]
    assert not missing, f"{op.function().__name__} lacks {missing}"
    rest = [name for name, kind in kinds.items()
            if name not in op.init and kind is not inspect.Parameter.VAR_KEYWORD]
    assert len(rest) >= len(op.call)
    for keras_name, name in zip(op.call, rest):
        assert keras_name.startswith("*") == (kinds[name] is inspect.Parameter.VAR_POSITIONAL)
    assert keras_class(op.function()) is not None


def _recorded_classes(module, name, hops=2):
    """The op classes that Keras's function `name` records, read from its source (following a
    function that only hands over to another, such as ``abs`` to ``absolute``)."""
    source = inspect.getsource(getattr(module, name))
    classes = _operation_classes(module)
    found = {c for c in re.findall(r"\b([A-Z]\w*)\(", source) if c in classes}
    if not found and hops:
        for target in re.findall(r"return (\w+)\(", source):
            if target != name and inspect.isfunction(getattr(module, target, None)):
                found |= _recorded_classes(module, target, hops - 1)
    return found


def test_nnet_functions_save_as_the_class_that_keras_function_of_that_name_records(
        keras_modules):
    checked = 0
    for submodule, module in keras_modules.items():
        namespace = nnet.ops.image if submodule == "image" else nnet.ops
        for name, fn in vars(module).items():
            ours = getattr(namespace, name, None)
            if (not inspect.isfunction(fn) or fn.__module__ != module.__name__
                    or name.startswith("_") or name in COMPOSED_IN_KERAS
                    or ours is None or not is_registered_op(ours)):
                continue
            recorded = _recorded_classes(module, name)
            op = keras_class(ours)
            if not recorded:  # a function of no tensor (bartlett): never recorded
                assert op is None, name
                continue
            assert op is not None and op.class_name in recorded, (name, recorded)
            checked += 1
    assert checked > 100


def test_lookup_by_function_prefers_the_class_that_keras_records():
    assert keras_class(nnet.ops.abs).class_name == "Absolute"
    assert keras_class(nnet.ops.divide).class_name == "Divide"
    assert keras_class(nnet.ops.getitem).class_name == "GetItem"
    assert keras_class(nnet.ops.image.resize).module == "keras.src.ops.image"
    assert keras_class(nnet.ops.dense) is None  # nnet's fused op: Keras has no class for it
    # TrueDivide (what ``x / y`` records in Keras) is computed by divide while nnet has no
    # true_divide; Amax by max.
    by_name = {op.class_name: op for op in keras_ops().values()}
    if not hasattr(nnet.ops, "true_divide"):
        assert by_name["TrueDivide"].function() is nnet.ops.divide
    if not hasattr(nnet.ops, "amax"):
        assert by_name["Amax"].function() is nnet.ops.max


@pytest.mark.parametrize("op", _mapped(), ids=lambda op: op.class_name)
def test_each_mapped_function_records_one_node_on_symbolic_tensors(op):
    """A primitive, or a composite marked with graph_op: a graph holds the op itself, which
    saves as Keras's class, not the primitives it is built from."""
    assert hasattr(op.function(), "__wrapped__"), \
        f"decorate nnet.ops {op.function().__name__} with nnet.autodiff.symbolic.graph_op"


def test_a_composite_records_itself_and_runs_the_same():
    x, y = nnet.Input((2, 3)), nnet.Input((2, 3))
    model = nnet.Model([x, y], nnet.ops.concatenate([x, nnet.ops.softmax(y)], axis=-1))
    assert [getattr(op, "fn", None) for op in model._operations[2:]] == \
        [nnet.ops.softmax, nnet.ops.concatenate]
    a, b = np.ones((1, 2, 3), "float32"), np.zeros((1, 2, 3), "float32")
    np.testing.assert_allclose(model.predict([a, b], verbose=0),
                               np.concatenate([a, b + 1 / 3], axis=-1), rtol=1e-6)


def _prepare(class_name, module="keras.src.ops.numpy", **config):
    _, prepare = from_keras({"module": module, "class_name": class_name, "name": "op",
                             "config": {"name": "op", **config}})
    return prepare


def test_saved_arguments_are_placed_where_the_nnet_function_takes_them():
    a, b, c = (np.full((2, 2), v, "float32") for v in (1.0, 2.0, 3.0))
    # Tensors by keyword become positional: primitives look for tensors there.
    args, kwargs = _prepare("Where")([c > 2], {"x1": a, "x2": b})
    assert len(args) == 3 and args[1] is a and args[2] is b and kwargs == {}
    # A constructor argument before the call arguments takes its place among them.
    assert _prepare("Full", shape=[2, 3], dtype=None)([7.0], {}) == \
        ([(2, 3), 7.0], {"dtype": None})
    args, kwargs = _prepare("Einsum", subscripts="ij,jk->ik")([a, b], {})
    assert args[0] == "ij,jk->ik" and args[1] is a and args[2] is b
    # JSON's lists come back as the tuples they were (axes), and GetItem's key as a tuple.
    assert _prepare("Mean", axis=[0, 1], keepdims=False)([a], {}) == \
        ([a], {"axis": (0, 1), "keepdims": False})
    key = [slice(None), 0]
    assert _prepare("GetItem")([a, key], {})[0][1] == (slice(None), 0)


def test_saved_arguments_the_function_cannot_take_are_refused():
    with pytest.raises(ValueError, match="'Add' cannot be applied as nnet.ops.add"):
        _prepare("Add")([1.0, 2.0, 3.0], {})
    with pytest.raises(ValueError, match="'Mean' is given 'axis' twice"):
        _prepare("Mean", axis=0)([np.ones(2)], {"axis": 0})
