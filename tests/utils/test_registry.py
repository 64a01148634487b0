"""Every built-in component is found by name: each registers itself where it is defined.

The completeness tests walk what each package exports, so a class or function that forgot its
``@...register`` decorator fails here instead of failing `load_model` later.
"""

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import nnet
from nnet import (
    activations,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
)
from nnet.autodiff.symbolic import SymbolicOp
from nnet.layers import LAYERS, Layer
from nnet.metrics import MeanMetricWrapper
from nnet.models import functional
from nnet.optimizers import schedules
from nnet.utils.registry import Registry


def _exported(module):
    """The public objects of `module`: its ``__all__``, else every name without an underscore."""
    names = getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")])
    return [getattr(module, name) for name in names]


def _classes(module, base):
    return {obj for obj in _exported(module) if inspect.isclass(obj) and issubclass(obj, base)}


FAMILIES = [
    # (package, its base class); Keras's layers.deserialize does not build a bare "Layer".
    (layers, Layer),
    (losses, losses.Loss),
    (metrics, metrics.Metric),
    (optimizers, optimizers.Optimizer),
    (schedules, schedules.LearningRateSchedule),
    (initializers, initializers.Initializer),
    (regularizers, regularizers.Regularizer),
    (constraints, constraints.Constraint),
]
CLASS_CASES = [
    pytest.param(package, cls, id=f"{package.__name__}.{cls.__name__}")
    for package, base in FAMILIES
    for cls in sorted(_classes(package, base) - {Layer}, key=lambda c: c.__name__)
]
# Models are layers too (nested models); Functional and the graph's operations (SymbolicOp)
# appear in saved configs.
MODEL_CASES = sorted(_classes(models, Layer) | {functional.Functional, SymbolicOp},
                     key=lambda c: c.__name__)


def _resolved_class(monkeypatch, package, cls, name):
    """The class that ``package.deserialize`` picks for `name`, without building an instance."""
    monkeypatch.setattr(cls, "from_config", classmethod(lambda resolved, config: resolved))
    return package.deserialize({"class_name": name, "config": {}})


@pytest.mark.parametrize("package, cls", CLASS_CASES)
def test_every_exported_class_deserializes_by_its_class_name(monkeypatch, package, cls):
    assert _resolved_class(monkeypatch, package, cls, cls.__name__) is cls


@pytest.mark.parametrize("cls", MODEL_CASES, ids=lambda c: c.__name__)
def test_model_classes_deserialize_through_the_layer_registry(monkeypatch, cls):
    assert _resolved_class(monkeypatch, layers, cls, cls.__name__) is cls


def _component_functions(package, *defined_in):
    """Exported functions written in the modules of `defined_in` (not the package's helpers)."""
    prefixes = tuple(f"{module.__name__}." for module in defined_in)
    return [fn for fn in _exported(package)
            if inspect.isfunction(fn) and fn.__module__.startswith(prefixes)]


@pytest.mark.parametrize("fn", _component_functions(losses, losses), ids=lambda f: f.__name__)
def test_every_loss_function_resolves_by_name(fn):
    assert losses.get(fn.__name__) is fn
    assert losses.deserialize(losses.serialize(fn)) is fn


# Most metric functions are the loss functions themselves.
@pytest.mark.parametrize("fn", _component_functions(metrics, metrics, losses),
                         ids=lambda f: f.__name__)
def test_every_metric_function_rebuilds_a_wrapper_by_name(fn):
    config = MeanMetricWrapper(fn).get_config()
    assert MeanMetricWrapper.from_config(json.loads(json.dumps(config)))._fn is fn


ACTIVATION_NAMES = [name for name in activations.__all__
                    if name not in ("get", "serialize", "deserialize")]


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_every_exported_activation_resolves_by_name(name):
    fn = getattr(activations, name)
    assert activations.get(name) is fn
    assert activations.deserialize(activations.serialize(fn)) is fn


def test_user_subclasses_stay_out_of_the_builtin_table():
    class ScaledDense(layers.Dense):
        pass

    assert "ScaledDense" not in LAYERS.names()
    config = {"class_name": "ScaledDense", "config": {"units": 2}}
    with pytest.raises(ValueError, match="Unknown layer identifier: layer='ScaledDense'"):
        layers.deserialize(config)
    rebuilt = layers.deserialize(config, custom_objects={"ScaledDense": ScaledDense})
    assert type(rebuilt) is ScaledDense and rebuilt.units == 2


def test_register_as_a_decorator_with_and_without_aliases():
    registry = Registry("thing")

    @registry.register
    class BigThing:
        pass

    @registry.register(aliases=("small",))
    def small_thing():
        pass

    assert registry.names() == ["BigThing", "big_thing", "small", "small_thing"]
    assert registry.lookup("big_thing") is BigThing
    assert registry.get("small", instantiate=False) is small_thing


@pytest.mark.parametrize("function_first", [True, False])
def test_an_exact_name_wins_over_a_derived_one_in_any_order(function_first):
    # The function huber and the class Huber both claim "huber"; Keras means the function.
    registry = Registry("loss")

    def huber():
        pass

    class Huber:
        pass

    for obj in ((huber, Huber) if function_first else (Huber, huber)):
        registry.register(obj)
    assert registry.lookup("huber") is huber
    assert registry.lookup("Huber") is Huber


def test_a_name_taken_by_another_object_is_refused():
    registry = Registry("layer")

    @registry.register
    class Dense:
        pass

    registry.register(Dense)  # the same object again is harmless
    with pytest.raises(ValueError, match="layer name 'Dense' is already registered"):
        registry.register(type("Dense", (), {}))



def test_a_model_config_loads_before_nnet_models_is_imported():
    # The layer registry imports the model modules on its first miss (they sit a floor above).
    inputs = nnet.Input((3,))
    nested = nnet.Model(inputs, layers.Dense(2)(inputs))
    sequential = nnet.Sequential([nnet.Input((3,)), layers.Dense(2)])
    configs = json.dumps([layers.serialize(nested), layers.serialize(sequential)])
    script = (
        "import json, sys\n"
        "from nnet.layers import deserialize\n"
        "assert not any(m.startswith('nnet.models') for m in sys.modules), 'models loaded'\n"
        f"rebuilt = [deserialize(c) for c in json.loads({configs!r})]\n"
        "print([type(m).__name__ for m in rebuilt], [m.count_params() for m in rebuilt])\n"
    )
    # The interpreter starts in the checkout that holds the nnet under test.
    root = Path(nnet.__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == "['Functional', 'Sequential'] [8, 8]"

