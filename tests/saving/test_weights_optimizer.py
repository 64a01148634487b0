"""`.weights.h5` files of compiled models carry the optimizer's state under ``optimizer/vars``,
as Keras 3's do: the layout against Keras's files, and files exchanged both ways."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnet  # noqa: E402

h5py = pytest.importorskip("h5py")

RNG = np.random.default_rng(0)
X = RNG.random((32, 4), dtype=np.float32)
Y = RNG.random((32, 2), dtype=np.float32)


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def model_of(lib, optimizer="adam", compiled=True):
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, activation="relu", name="h"),
                            lib.layers.Dense(2, name="out")], name="net")
    if compiled:
        model.compile(optimizer=optimizer, loss="mse")
    return model


def layout(path):
    """{dataset: shape} and {group: name attribute} of an HDF5 file."""
    datasets, names = {}, {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                datasets[name] = obj.shape
            elif "name" in obj.attrs:
                names[name] = obj.attrs["name"]
        f.visititems(visit)
    return datasets, names


def keras_values(variables):
    from keras import ops

    return [ops.convert_to_numpy(v.value) for v in variables]


def nnet_values(variables):
    return [np.asarray(v.numpy()) for v in variables]


def assert_all_close(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("trained", [False, True])
def test_layout_equals_keras(keras, tmp_path, trained):
    files = {}
    for lib in (nnet, keras):
        model = model_of(lib, optimizer=lib.optimizers.Adam(name="adam"))
        if trained:
            model.fit(X, Y, batch_size=16, epochs=1, shuffle=False, verbose=0)
        files[lib.__name__] = tmp_path / f"{lib.__name__}.weights.h5"
        model.save_weights(files[lib.__name__])
    ours, theirs = layout(files["nnet"]), layout(files["keras"])
    assert ours == theirs
    assert "optimizer/vars/0" in ours[0] and ours[1]["optimizer/vars"] == "adam"
    assert ("optimizer/vars/5" in ours[0]) == trained


def test_uncompiled_model_writes_no_optimizer_group_and_ignores_one(tmp_path):
    path = tmp_path / "plain.weights.h5"
    model_of(nnet, compiled=False).save_weights(path)
    assert not any(name.startswith("optimizer") for name in layout(path)[0])
    trained = model_of(nnet)
    trained.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    trained.save_weights(path)
    fresh = model_of(nnet, compiled=False)
    fresh.load_weights(path)
    assert_all_close(nnet_values(fresh.weights), nnet_values(trained.weights))


def test_training_resumes_exactly_after_a_weights_round_trip(tmp_path):
    path = tmp_path / "m.weights.h5"
    model = model_of(nnet)
    model.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    model.save_weights(path)
    restored = model_of(nnet)
    restored.load_weights(path)
    assert int(restored.optimizer.iterations.numpy()) == 4
    assert_all_close(nnet_values(restored.optimizer.variables),
                     nnet_values(model.optimizer.variables))
    for m in (model, restored):
        m.fit(X, Y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert_all_close(nnet_values(restored.weights), nnet_values(model.weights))


def test_keras_file_loads_its_optimizer_state_in_nnet(keras, tmp_path):
    path = tmp_path / "keras.weights.h5"
    theirs = model_of(keras)
    theirs.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    theirs.save_weights(path)
    ours = model_of(nnet)
    ours.load_weights(path)
    assert_all_close(nnet_values(ours.optimizer.variables),
                     keras_values(theirs.optimizer.variables))
    assert_all_close(nnet_values(ours.weights), keras_values(theirs.weights))


def test_nnet_file_loads_its_optimizer_state_in_keras(keras, tmp_path):
    path = tmp_path / "nnet.weights.h5"
    ours = model_of(nnet)
    ours.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    ours.save_weights(path)
    theirs = model_of(keras)
    theirs.optimizer.build(theirs.trainable_variables)
    theirs.load_weights(path)
    assert_all_close(keras_values(theirs.optimizer.variables),
                     nnet_values(ours.optimizer.variables))
    assert_all_close(keras_values(theirs.weights), nnet_values(ours.weights))


def test_another_optimizers_state_is_skipped_with_keras_warning(tmp_path):
    path = tmp_path / "adam.weights.h5"
    model = model_of(nnet)
    model.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    model.save_weights(path)
    other = model_of(nnet, optimizer=nnet.optimizers.SGD(momentum=0.9))
    other.optimizer.build(other.trainable_weights)
    slots = nnet_values(other.optimizer.variables)
    with pytest.warns(UserWarning, match=r"optimizer 'sgd(_\d+)?', because it has 6 "
                                         "variables whereas the saved optimizer has 10"):
        other.load_weights(path)
    assert_all_close(nnet_values(other.optimizer.variables), slots)
    assert_all_close(nnet_values(other.weights), nnet_values(model.weights))


def test_optimizer_slot_of_another_shape_is_refused_and_nothing_loads(tmp_path):
    path = tmp_path / "adam.weights.h5"
    model = model_of(nnet)
    model.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    model.save_weights(path)
    with h5py.File(path, "r+") as f:
        del f["optimizer/vars/2"]
        f["optimizer/vars/2"] = np.zeros((5, 3), "float32")
    other = model_of(nnet)
    before = nnet_values(other.weights)
    with pytest.raises(ValueError, match=r"optimizer 'adam.*' \(at 'optimizer/vars'\)"):
        other.load_weights(path)
    assert_all_close(nnet_values(other.weights), before)
    with pytest.warns(UserWarning, match="Skipping optimizer"):
        other.load_weights(path, skip_mismatch=True)
    assert_all_close(nnet_values(other.weights), nnet_values(model.weights))
