"""Crafted files that try to make the loader read other local files (HDF5 external storage,
external and soft links, virtual datasets) or allocate far more than the file holds (shape bombs
in layer and optimizer variables, padded config.json, a deflated weights member): each is
refused with an error that names the file and the offending entry, allocating little, and leaves
the model as it was. Genuine files, custom hooks' own state included, still round trip."""

import contextlib
import os
import resource
import tracemalloc
import zipfile

import numpy as np
import pytest

import nnet
from nnet.saving import load_model, register_keras_serializable

h5py = pytest.importorskip("h5py")

MEMBERS = ["metadata.json", "config.json", "model.weights.h5"]
KERNEL = "layers/dense/vars/0"
# 2**17 x 2**16 float32: 32 GiB declared, nothing stored (chunked, never written).
HUGE = (1 << 17, 1 << 16)
MiB = 1 << 20


def trained_model():
    """Input(4) -> Dense(3), trained one step with Adam, so the optimizer has slots."""
    model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(3, name="d")])
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.random((8, 4), dtype=np.float32), rng.random((8, 3), dtype=np.float32),
              epochs=1, verbose=0)
    return model


def values(model):
    return [w.numpy().copy() for w in model.weights]


@contextlib.contextmanager
def small_footprint(limit=16 * MiB):
    """Assert the block allocates under `limit` bytes through Python and NumPy; meanwhile cap
    the address space, so that a loader that does allocate gigabytes fails with MemoryError
    instead of exhausting the machine."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as f:
        in_use = int(f.read().split()[0]) * resource.getpagesize()
    cap = in_use + (4 << 30)
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY
                                            else min(cap, hard), hard))
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert peak < limit, f"the refusal allocated {peak} bytes"


def edit_h5(path, edit):
    with h5py.File(path, "r+") as f:
        edit(f)


def edit_keras(path, edit, tmp_path):
    """Apply `edit` to the model.weights.h5 member of the `.keras` archive at `path`."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in MEMBERS}
    weights = tmp_path / "member.weights.h5"
    weights.write_bytes(members["model.weights.h5"])
    edit_h5(weights, edit)
    members["model.weights.h5"] = weights.read_bytes()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def other_file(tmp_path):
    """Another local HDF5 file, whose data a crafted weights file tries to pull in."""
    path = tmp_path / "secret.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.full((4, 3), 7.0, np.float32)
    return path


def replace(group_path, key, make):
    """An edit that replaces the dataset `group_path/key` by what `make(group, key)` creates."""
    def edit(f):
        group = f[group_path]
        del group[key]
        make(group, key)
    return edit


def external_storage(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.full(12, 7.0, np.float32).tobytes())
    return (lambda group, key: group.create_dataset(
        key, shape=(4, 3), dtype="float32", external=[(str(secret), 0, 48)]),
        "external file")


def external_link(tmp_path):
    path = other_file(tmp_path)

    def make(group, key):
        group[key] = h5py.ExternalLink(str(path), "/data")
    return make, "ExternalLink"


def virtual_dataset(tmp_path):
    path = other_file(tmp_path)

    def make(group, key):
        layout = h5py.VirtualLayout(shape=(4, 3), dtype="float32")
        layout[:] = h5py.VirtualSource(str(path), "data", shape=(4, 3))
        group.create_virtual_dataset(key, layout)
    return make, "virtual dataset"


def soft_link(tmp_path):
    def make(group, key):
        group.file["stash"] = np.full((4, 3), 7.0, np.float32)
        group[key] = h5py.SoftLink("/stash")
    return make, "SoftLink"


OUTSIDE = {"external storage": external_storage, "external link": external_link,
           "virtual dataset": virtual_dataset, "soft link": soft_link}


@pytest.mark.parametrize("kind", OUTSIDE)
def test_weights_file_reaching_outside_is_refused(tmp_path, kind):
    model = trained_model()
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    make, what = OUTSIDE[kind](tmp_path)
    edit_h5(path, replace("layers/dense/vars", "0", make))
    before = values(model)
    with pytest.raises(ValueError, match=rf"m\.weights\.h5.*'{KERNEL}'.*{what}.*self-contained"):
        model.load_weights(path)
    for kept, value in zip(values(model), before, strict=True):
        np.testing.assert_array_equal(kept, value)


@pytest.mark.parametrize("group", ["layers/dense/vars", "optimizer/vars"])
@pytest.mark.parametrize("kind", OUTSIDE)
def test_keras_archive_reaching_outside_is_refused(tmp_path, kind, group):
    path = tmp_path / "m.keras"
    trained_model().save(path)
    make, what = OUTSIDE[kind](tmp_path)
    edit_keras(path, replace(group, "2" if group.startswith("optimizer") else "0", make),
               tmp_path)
    with pytest.raises(ValueError, match=rf"m\.keras/model\.weights\.h5.*'{group}/.*{what}"):
        load_model(path)


def test_an_external_link_to_a_group_is_refused(tmp_path):
    model = trained_model()
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    secret = other_file(tmp_path)

    def edit(f):
        del f["layers/dense"]
        f["layers/dense"] = h5py.ExternalLink(str(secret), "/")
    edit_h5(path, edit)
    with pytest.raises(ValueError, match=r"'layers/dense' is a ExternalLink to '/' in .*secret"):
        model.load_weights(path)


def huge(group, key, dtype="float32"):
    group.create_dataset(key, shape=HUGE, dtype=dtype, chunks=(1, 1024), fillvalue=0)


def test_layer_shape_bomb_in_weights_file_is_refused_before_reading(tmp_path):
    model = trained_model()
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    edit_h5(path, replace("layers/dense/vars", "0", huge))
    assert os.path.getsize(path) < 64 * 1024
    before = values(model)
    with small_footprint(), pytest.raises(
            ValueError, match=r"m\.weights\.h5.*'sequential(_\d+)?/d/kernel' has shape \(4, 3\) "
                              r"in the model but "
                              rf"\(131072, 65536\) in the file \(declared by '{KERNEL}'\)"):
        model.load_weights(path)
    for kept, value in zip(values(model), before, strict=True):
        np.testing.assert_array_equal(kept, value)


def test_layer_shape_bomb_is_skipped_with_skip_mismatch(tmp_path):
    model = trained_model()
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    edit_h5(path, replace("layers/dense/vars", "0", huge))
    with small_footprint(), pytest.warns(
            UserWarning, match=r"Skipping layer 'd'.*\(131072, 65536\) in the file"):
        model.load_weights(path, skip_mismatch=True)


@pytest.mark.parametrize("group,key,variable", [
    ("layers/dense/vars", "0", r"layer 'd' .*'d/kernel'"),
    ("optimizer/vars", "2", r"optimizer 'adam\w*' .*'adam\w*/d_kernel_momentum'"),
])
def test_shape_bomb_in_keras_archive_is_refused_before_reading(tmp_path, group, key, variable):
    path = tmp_path / "m.keras"
    trained_model().save(path)
    edit_keras(path, replace(group, key, huge), tmp_path)
    assert os.path.getsize(path) < 64 * 1024
    with small_footprint(), pytest.raises(
            ValueError, match=rf"m\.keras/model\.weights\.h5.*{variable} has shape \(4, 3\) in "
                              rf"the model but \(131072, 65536\) in the file \(declared by "
                              rf"'{group}/{key}'\)"):
        load_model(path)


def test_variable_of_strings_is_refused_before_reading(tmp_path):
    model = trained_model()
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    edit_h5(path, replace("layers/dense/vars", "0", lambda group, key: group.create_dataset(
        key, shape=(4, 3), dtype="S4096", chunks=(1, 1))))
    with small_footprint(), pytest.raises(ValueError, match=r"holds \|S4096 values.*numbers"):
        model.load_weights(path)


@register_keras_serializable(package="file_safety")
class Table(nnet.layers.Layer):
    """A layer whose hooks save state of their own: a lookup table that is no variable."""

    def __init__(self, size=4, **kwargs):
        super().__init__(**kwargs)
        self.table = np.arange(size, dtype=np.float32)

    def call(self, inputs):
        return inputs

    def save_own_variables(self, store):
        store["table"] = self.table

    def load_own_variables(self, store):
        self.table = store["table"]


def table_model(size):
    return nnet.Sequential([nnet.Input((2,)), Table(size)])


def test_custom_hooks_state_round_trips(tmp_path):
    path = tmp_path / "m.weights.h5"
    # Over the floor for undeclared data, but genuinely stored: the file is as large.
    table_model((80 * MiB) // 4).save_weights(path)
    restored = table_model(1)
    restored.load_weights(path)
    np.testing.assert_array_equal(restored.layers[0].table,
                                  np.arange((80 * MiB) // 4, dtype=np.float32))


def test_custom_hooks_shape_bomb_is_refused_before_reading(tmp_path):
    path = tmp_path / "m.weights.h5"
    table_model(4).save_weights(path)
    edit_h5(path, replace("layers/table/vars", "table", huge))
    model = table_model(4)
    with small_footprint(), pytest.raises(
            ValueError, match=r"'layers/table/vars/table' declares 34359738368 bytes .* stores "
                              r"0; refusing"):
        model.load_weights(path)
    np.testing.assert_array_equal(model.layers[0].table, np.arange(4, dtype=np.float32))


def padded_config(path, padding):
    """Rewrite the `.keras` at `path` with `padding` bytes of JSON whitespace after its config,
    deflated, so the archive stays small."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in MEMBERS}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("config.json", "w") as f:
            f.write(members.pop("config.json"))
            chunk = b" " * MiB
            for _ in range(padding // MiB):
                f.write(chunk)
        for name, data in members.items():
            archive.writestr(name, data)


def test_oversized_config_is_refused(tmp_path):
    path = tmp_path / "m.keras"
    trained_model().save(path)
    padded_config(path, 65 * MiB)
    assert os.path.getsize(path) < 1 * MiB
    with small_footprint(), pytest.raises(
            ValueError, match=r"m\.keras: its 'config\.json' holds \d+ bytes, over the "
                              r"67108864-byte limit"):
        load_model(path)


def test_config_with_some_padding_still_loads(tmp_path):
    path = tmp_path / "m.keras"
    model = trained_model()
    model.save(path)
    padded_config(path, 2 * MiB)
    restored = load_model(path)
    for kept, value in zip(values(restored), values(model), strict=True):
        np.testing.assert_array_equal(kept, value)


def test_oversized_config_in_directory_is_refused(tmp_path):
    path = tmp_path / "saved"
    trained_model().save(path, zipped=False)
    with open(path / "config.json", "r+b") as f:
        f.truncate(65 * MiB)  # sparse: no disk is used
    with small_footprint(), pytest.raises(ValueError, match=r"'config\.json' holds 68157440"):
        load_model(path)


def test_deflated_weights_member_bomb_is_refused(tmp_path):
    path = tmp_path / "m.keras"
    trained_model().save(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in MEMBERS}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ("metadata.json", "config.json"):
            archive.writestr(name, members[name])
        with archive.open("model.weights.h5", "w") as f:
            f.write(members["model.weights.h5"])
            for _ in range(65):
                f.write(bytes(MiB))
    assert os.path.getsize(path) < 1 * MiB
    with small_footprint(), pytest.raises(
            ValueError, match=r"m\.keras: its member 'model\.weights\.h5' declares \d+ bytes "
                              r"but stores \d+, over 100x"):
        load_model(path)


def test_genuine_files_round_trip_with_optimizer_state(tmp_path):
    model = trained_model()
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    restored = load_model(tmp_path / "m.keras")
    for kept, value in zip(values(restored), values(model), strict=True):
        np.testing.assert_array_equal(kept, value)
    for kept, value in zip(restored.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(kept.numpy(), value.numpy())
    fresh = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(3, name="d")])
    fresh.load_weights(tmp_path / "m.weights.h5")
    for kept, value in zip(values(fresh), values(model), strict=True):
        np.testing.assert_array_equal(kept, value)


def test_an_npz_array_declaring_a_huge_shape_is_refused_before_it_is_read(tmp_path):
    model = trained_model()
    path = tmp_path / "m.weights.npz"
    model.save_weights(str(path))
    # Rewrite the kernel's .npy header to declare 32 GiB, deflated to a few bytes.
    header = {"descr": "<f4", "fortran_order": False, "shape": HUGE}
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    kernel = next(name for name in members if name.startswith("000_"))
    bomb = tmp_path / "bomb.npy"
    with open(bomb, "wb") as f:
        np.lib.format.write_array_header_2_0(f, header)
        f.write(b"\0" * 4096)
    members[kernel] = bomb.read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    assert path.stat().st_size < 64 * 1024
    before = values(model)
    with small_footprint(), pytest.raises(ValueError, match=r"\(131072, 65536\)"):
        model.load_weights(str(path))
    for got, want in zip(values(model), before):
        np.testing.assert_array_equal(got, want)
