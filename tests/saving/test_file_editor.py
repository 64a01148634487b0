"""KerasFileEditor against Keras 3's (torch backend): the same weights tree from the same file,
the same edits giving files that nnet and Keras both load, comparisons, errors, atomic saves."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnet  # noqa: E402
from nnet.saving import KerasFileEditor  # noqa: E402

h5py = pytest.importorskip("h5py")

RNG = np.random.default_rng(0)
X = RNG.random((16, 3), dtype=np.float32)
Y = RNG.random((16, 1), dtype=np.float32)


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def old_model(lib):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, name="a"),
                            lib.layers.Dense(2, name="b"), lib.layers.Dense(1, name="c")],
                           name="old")
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    return model


def new_model(lib):
    """The old model with its middle layer widened: the file must be edited to fit."""
    return lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, name="a"),
                           lib.layers.Dense(5, name="b"), lib.layers.Dense(1, name="c")],
                          name="new")


def plain(tree):
    """The editor's tree as nested plain dicts of NumPy arrays."""
    return {k: plain(v) if isinstance(v, dict) else np.asarray(v) for k, v in tree.items()}


def assert_trees_equal(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], dict):
            assert_trees_equal(a[key], b[key])
        else:
            assert a[key].dtype == b[key].dtype
            np.testing.assert_array_equal(a[key], b[key])


def datasets(path):
    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: found.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
    return found


@pytest.mark.parametrize("writer", ["nnet", "keras"])
@pytest.mark.parametrize("suffix", [".keras", ".weights.h5"])
def test_reads_the_same_tree_as_keras(keras, tmp_path, writer, suffix):
    lib = nnet if writer == "nnet" else keras
    path = tmp_path / f"model{suffix}"
    model = old_model(lib)
    model.save(path) if suffix == ".keras" else model.save_weights(path)
    ours = KerasFileEditor(path)
    theirs = keras.saving.KerasFileEditor(str(path))
    assert_trees_equal(plain(ours.weights_dict), plain(theirs.weights_dict))
    assert ours.object_metadata == {k: dict(v) for k, v in theirs.object_metadata.items()}
    if suffix == ".keras":
        assert ours.config == theirs.config and ours.metadata == theirs.metadata


def edit(editor, kernel, bias, kernel_c, short_names):
    """The same edits, by path (Keras's editor counts a name that occurs once inside a nested
    object more than once) or, with `short_names`, by name where the name is unique."""
    layers = "" if short_names else "layers/"
    editor.delete_weight("layers/dense_1", "0")
    editor.add_weights(f"{layers}dense_1", {"0": kernel, "1": bias})
    editor.rename_object(f"{layers}dense_2", "tmp")
    editor.rename_object("layers/tmp", "dense_2")
    editor.delete_object(f"{layers}dense_2")
    editor.add_object("layers/dense_2", {"0": kernel_c, "1": np.zeros(1, "float32")})
    editor.delete_object("optimizer")


def test_edits_give_a_file_that_nnet_and_keras_load(keras, tmp_path, capsys):
    source = tmp_path / "old.keras"
    old_model(nnet).save(source)
    kernel = RNG.random((4, 5), dtype=np.float32)
    bias = RNG.random(5, dtype=np.float32)
    kernel_c = RNG.random((5, 1), dtype=np.float32)
    ours, theirs = KerasFileEditor(source), keras.saving.KerasFileEditor(str(source))
    assert ours.compare(new_model(nnet))["status"] == "error"
    assert theirs.compare(new_model(keras))["status"] == "error"
    edit(ours, kernel, bias, kernel_c, short_names=True)
    edit(theirs, kernel, bias, kernel_c, short_names=False)
    assert_trees_equal(plain(ours.weights_dict), plain(theirs.weights_dict))
    capsys.readouterr()
    report = ours.compare(new_model(nnet))
    assert report == {"status": "success", "error_count": 0, "match_count": 6}
    assert "Comparison successful" in capsys.readouterr().out
    assert theirs.compare(new_model(keras))["status"] == "success"

    ours_path, theirs_path = tmp_path / "ours.weights.h5", tmp_path / "theirs.weights.h5"
    ours.save(ours_path)
    theirs.resave_weights(str(theirs_path))
    assert_trees_equal(datasets(ours_path), datasets(theirs_path))
    for lib, path in ((nnet, ours_path), (keras, ours_path), (nnet, theirs_path)):
        model = new_model(lib)
        model.load_weights(path)
        weights = [np.asarray(w.numpy() if lib is nnet else keras.ops.convert_to_numpy(w))
                   for w in model.weights]
        np.testing.assert_array_equal(weights[2], kernel)
        np.testing.assert_array_equal(weights[3], bias)
        np.testing.assert_array_equal(weights[4], kernel_c)
    # The layer names stored with each object follow it through the edits.
    with h5py.File(ours_path, "r") as f:
        assert f["layers/dense_1/vars"].attrs["name"] == "b"


def test_compare_reports_each_mismatch(tmp_path, capsys):
    path = tmp_path / "old.weights.h5"
    old_model(nnet).save_weights(path)
    editor = KerasFileEditor(path)
    capsys.readouterr()
    report = editor.compare(new_model(nnet))
    out = capsys.readouterr().out
    assert report == {"status": "error", "error_count": 4, "match_count": 3}
    assert "Weight shape mismatch for /layers/dense_1/0" in out
    assert "In reference model: shape=(4, 5)\n    In saved file: shape=(4, 2)" in out
    assert "...Object /optimizer present in saved file, missing from reference model" in out


def test_summary_prints_the_tree(tmp_path, capsys):
    path = tmp_path / "old.weights.h5"
    old_model(nnet).save_weights(path)
    KerasFileEditor(path).summary()
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:5] == ["Weights structure", "  > layers", "  │   ├─ dense ('a')",
                          "  │   │   ├─ 0: shape=(3, 4), dtype=float32"]


def test_bad_arguments_raise_clear_errors(tmp_path):
    path = tmp_path / "old.weights.h5"
    old_model(nnet).save_weights(path)
    editor = KerasFileEditor(path)
    with pytest.raises(ValueError, match="occurs more than once"):
        editor.delete_weight("0", "0")
    with pytest.raises(ValueError, match="does not appear in the model"):
        editor.delete_object("dense_9")
    with pytest.raises(ValueError, match="Path 'layers/dense_9' not found"):
        editor.delete_object("layers/dense_9")
    with pytest.raises(ValueError, match="should be a leaf name"):
        editor.rename_object("dense", "layers/x")
    with pytest.raises(ValueError, match="should be a dict"):
        editor.add_object("layers/x", [np.ones(2)])
    with pytest.raises(ValueError, match="Weight 7 not found in object dense"):
        editor.delete_weight("dense", "7")
    with pytest.raises(ValueError, match="expected a `.weights.h5` extension"):
        editor.save(tmp_path / "x.h5")
    with pytest.raises(ValueError, match="expected a `.keras` `.weights.h5` extension"):
        KerasFileEditor(tmp_path / "x.npz")


def test_save_is_atomic(tmp_path):
    path = tmp_path / "old.weights.h5"
    old_model(nnet).save_weights(path)
    before = path.read_bytes()
    editor = KerasFileEditor(path)
    editor.add_weights("dense", {"2": np.array([object()])})
    with pytest.raises(TypeError):
        editor.save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["old.weights.h5"]


def test_links_out_of_the_file_are_refused(tmp_path):
    path = tmp_path / "old.weights.h5"
    old_model(nnet).save_weights(path)
    with h5py.File(path, "r+") as f:
        f["layers/extra/vars/0"] = h5py.ExternalLink("/etc/passwd", "/x")
    with pytest.raises(ValueError, match="ExternalLink"):
        KerasFileEditor(path)


def test_a_damaged_layout_is_a_clear_error(tmp_path):
    path = tmp_path / "old.weights.h5"
    old_model(nnet).save_weights(path)
    with h5py.File(path, "r+") as f:
        del f["layers/dense/vars"]
        f["layers/dense/vars"] = np.zeros(3)
    with pytest.raises(ValueError, match="'/layers/dense/vars' is a dataset"):
        KerasFileEditor(path)
