"""`import nnet` loads nothing until used, and every public name still resolves.

Each check runs in a fresh interpreter, since this test process has long imported everything.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nnet

# The interpreter starts in the checkout that holds the nnet under test ("-c" puts it first).
ROOT = Path(nnet.__file__).resolve().parents[1]
HIGHER_FLOORS = ("nnet.callbacks", "nnet.saving", "nnet.metrics", "nnet.losses",
                 "nnet.optimizers", "nnet.models", "nnet.training", "nnet.distribution")


def _run(script):
    """The stdout of `script` run by a fresh interpreter; its errors fail the test."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _loaded_after(statement, package="nnet"):
    """The modules of `package` loaded by `statement` in a fresh interpreter."""
    out = _run(f"""
        import sys
        {statement}
        print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] == {package!r})))
    """)
    return set(out.split())


def test_import_nnet_loads_the_engine_and_ops_only():
    loaded = _loaded_after("import nnet")
    # nnet.ops gives Tensors their operators, so it loads with nnet (and the engine under it).
    assert {"nnet.autodiff.tensor", "nnet.ops.operators"} <= loaded
    assert not {m for m in loaded if m.startswith(HIGHER_FLOORS + ("nnet.layers",))}
    core = ("nnet._lazy", "nnet.backend", "nnet.autodiff", "nnet.ops", "nnet.tree",
            "nnet.naming", "nnet.utils.registry")
    assert {m for m in loaded if not m.startswith(core)} == {"nnet"}


def test_a_tensor_has_its_operators_whatever_was_imported():
    out = _run("""
        from nnet.autodiff.tensor import Tensor
        print((Tensor([1.0]) + 1).numpy())
    """)
    assert out.split() == ["[2.]"]


def test_mpi_loads_only_when_a_distribution_is_made():
    assert not _loaded_after("import nnet", "mpi4py")
    assert not _loaded_after("import nnet.distribution; nnet.distribution.size()", "mpi4py")


def test_distribution_loads_nothing_from_the_floors_above():
    # It sits beside training, which uses it: it needs the backend and nnet.tree only.
    loaded = _loaded_after("import nnet.distribution")
    assert "nnet.distribution.distribution_lib" in loaded
    assert not {m for m in loaded if m.startswith(HIGHER_FLOORS[:-1] + ("nnet.layers",))}


def test_layers_load_nothing_from_the_floors_above():
    loaded = _loaded_after("from nnet.layers import Dense")
    assert "nnet.layers.dense" in loaded
    assert not {m for m in loaded if m.startswith(HIGHER_FLOORS)}


def test_registering_a_custom_object_loads_no_model_code():
    loaded = _loaded_after("from nnet.saving import register_keras_serializable")
    assert "nnet.utils.registry" in loaded
    assert not {m for m in loaded if m.startswith(("nnet.models", "nnet.saving.keras_format"))}


def test_public_names_resolve_on_first_use_and_are_listed():
    out = _run("""
        import numpy as np
        import nnet as keras

        t = keras.Tensor(np.ones(2, dtype="float32"))
        assert (t + 1).numpy().tolist() == [2.0, 2.0]
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        assert model(np.ones((1, 3))).shape == (1, 2)
        assert isinstance(keras.Variable(np.zeros(2)), keras.Tensor)
        assert keras.ops.add(1.0, 2.0).numpy() == 3.0
        assert issubclass(keras.Sequential, keras.Model)

        from nnet.layers import Dense
        from nnet.callbacks import EarlyStopping
        from nnet.saving import load_model
        from nnet.models import load_model as load_model_again
        assert Dense is keras.layers.Dense and load_model is load_model_again
        assert EarlyStopping is keras.callbacks.EarlyStopping

        for package in (keras, keras.utils, keras.callbacks, keras.saving, keras.models):
            for name in package.__all__:
                getattr(package, name)
                assert name in dir(package), (package.__name__, name)
        try:
            keras.Dens
        except AttributeError as error:
            assert "module 'nnet' has no attribute 'Dens'" in str(error)
        else:
            raise AssertionError("nnet.Dens resolved")

        namespace = {}
        exec("from nnet import *", namespace)
        assert {"Model", "Sequential", "Input", "Variable", "layers", "ops"} <= set(namespace)
        print("ok")
    """)
    assert out.split() == ["ok"]


def test_the_numpy_named_op_families_load_on_first_use_and_from_saved_graphs():
    families = {"nnet.ops.sorting", "nnet.ops.statistics", "nnet.ops.nan_reduce"}
    assert not families & _loaded_after("import nnet")
    assert "nnet.ops.sorting" in _loaded_after("import nnet; nnet.ops.sort([2.0, 1.0])")
    # A saved functional graph names its ops by module: loading it loads their families.
    config = _run("""
        import json, nnet
        x = nnet.Input((4,))
        ordered = nnet.ops.sort(x)
        y = nnet.ops.nanmedian(nnet.ops.where(ordered > 3, float("nan"), ordered), axis=-1,
                               keepdims=True)
        print(json.dumps(nnet.Model(x, y).get_config()))
    """)
    # As Keras's op classes: the composite nanmedian is one node.
    assert [layer["class_name"] for layer in json.loads(config)["layers"]] == \
        ["InputLayer", "Sort", "Greater", "Where", "Nanmedian"]
    out = _run(f"""
        import json, sys, nnet
        assert "nnet.ops.sorting" not in sys.modules
        model = nnet.Model.from_config(json.loads({config.strip()!r}))
        print(model.predict([[4.0, 1.0, 3.0, 2.0]], verbose=0).tolist())
    """)
    assert out.split() == ["[[2.0]]"]
    # nnet's own form names the module: the decorated composite is what it loads.
    out = _run("""
        import sys, nnet
        from nnet.autodiff.symbolic import SymbolicOp
        assert "nnet.ops.nan_reduce" not in sys.modules
        op = SymbolicOp("nnet.ops.nan_reduce:nanmedian")
        print(op.fn is nnet.ops.nanmedian, op.get_config()["function"])
    """)
    assert out.split() == ["True", "nnet.ops.nan_reduce:nanmedian"]
