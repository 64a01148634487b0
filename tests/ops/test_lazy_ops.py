"""The ops modules that load on first use: `import nnet` does not load them, every name they
export resolves (and lists in `nnet.ops.__all__`), and a saved graph that names one of their
ops loads in a fresh interpreter that has not imported the module yet."""

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

import nnet
from nnet import ops

ROOT = Path(nnet.__file__).resolve().parents[1]


def _run(script):
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_import_nnet_leaves_the_lazy_ops_modules_unloaded():
    out = _run("""
        import sys, nnet
        print(" ".join(m for m in sys.modules if m.startswith("nnet.ops.")))
    """)
    assert not set(out.split()) & {f"nnet.ops.{family}" for family in ops._LAZY_FAMILIES}


def test_every_public_function_of_a_lazy_module_is_exported():
    for family, names in ops._LAZY_FAMILIES.items():
        module_name = f"nnet.ops.{family}"
        module = sys.modules.get(module_name) or __import__(module_name, fromlist=["_"])
        public = {name for name, fn in vars(module).items()
                  if inspect.isfunction(fn) and not name.startswith("_")
                  and fn.__module__ == module_name}
        assert public == set(names), module_name
        assert set(names) <= set(ops.__all__) and all(getattr(ops, n) for n in names)


def test_a_saved_graph_naming_a_lazy_op_loads_in_a_fresh_interpreter(tmp_path):
    inputs = nnet.Input((4, 6))
    model = nnet.Model(inputs, ops.rearrange(ops.top_k(inputs, 2)[0], "b t k -> b (k t)"))
    path = tmp_path / "model.keras"
    model.save(path)
    x = np.random.default_rng(0).standard_normal((2, 4, 6)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    out = _run(f"""
        import sys, numpy as np, nnet
        assert "nnet.ops.layout" not in sys.modules
        model = nnet.saving.load_model({str(path)!r})
        np.save({str(tmp_path / "y.npy")!r}, model.predict(np.load({str(tmp_path / "x.npy")!r}),
                                                         verbose=0))
        print("ok")
    """)
    assert out.split() == ["ok"]
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), model.predict(x, verbose=0))
