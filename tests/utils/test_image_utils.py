"""Image files (load_img, save_img, array_to_img, img_to_array) and image_dataset_from_directory."""

import os
import sys

import numpy as np
import pytest

import nnet
from nnet import utils

Image = pytest.importorskip("PIL.Image")
RNG = np.random.default_rng(0)


def _pixels(shape):
    return RNG.integers(0, 256, shape).astype("float32")


def test_png_round_trip_is_exact(tmp_path):
    for shape, mode in [((5, 7, 3), "rgb"), ((5, 7, 4), "rgba"), ((5, 7, 1), "grayscale")]:
        x = _pixels(shape)
        path = tmp_path / f"x{shape[-1]}.png"
        utils.save_img(path, x, scale=False)
        np.testing.assert_array_equal(utils.img_to_array(utils.load_img(path, mode)), x)
    assert sorted(os.listdir(tmp_path)) == ["x1.png", "x3.png", "x4.png"]  # no temporary left


def test_channels_first_and_scaling(tmp_path):
    x = RNG.random((3, 4, 6))
    img = utils.array_to_img(x, data_format="channels_first")
    assert img.size == (6, 4) and img.mode == "RGB"
    y = utils.img_to_array(img, data_format="channels_first")
    assert y.shape == (3, 4, 6) and y.min() == 0 and y.max() == 255
    np.testing.assert_allclose(y, np.floor((x - x.min()) / (x.max() - x.min()) * 255), atol=1)
    assert utils.img_to_array(utils.array_to_img(_pixels((2, 3, 1)) * 300, scale=False)).max() > 255


def test_jpeg_from_rgba_warns_and_converts(tmp_path):
    path = str(tmp_path / "x.jpg")
    with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
        utils.save_img(path, np.full((8, 8, 4), 100.0), scale=False)
    with open(path, "rb") as f:
        assert Image.open(f).format == "JPEG"
    assert np.abs(utils.img_to_array(utils.load_img(path)) - 100).max() <= 2


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "x.png"
    utils.save_img(path, np.ones((4, 4, 3)) * 7, scale=False)
    before = path.read_bytes()

    def save_half_then_fail(self, f, **kwargs):
        f.write(b"\x89PNG half")
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", save_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        utils.save_img(path, np.ones((4, 4, 3)), scale=False)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["x.png"]


def test_load_img_target_size_matches_pil(tmp_path):
    x = _pixels((9, 12, 3))
    path = tmp_path / "x.png"
    utils.save_img(path, x, scale=False)
    pil = Image.fromarray(x.astype("uint8"))
    for interpolation in ["nearest", "bilinear", "bicubic", "lanczos", "box", "hamming"]:
        ours = utils.load_img(path, target_size=(4, 5), interpolation=interpolation)
        resample = getattr(Image.Resampling, interpolation.upper())
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(pil.resize((5, 4), resample)))
    # keep_aspect_ratio: the centred 9 x 9 crop, resized to 3 x 3.
    ours = utils.load_img(path, target_size=(3, 3), keep_aspect_ratio=True)
    expected = pil.resize((3, 3), Image.Resampling.NEAREST, box=[1, 0, 10, 9])
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(expected))


def test_errors(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="color_mode='cmyk'"):
        utils.save_img(tmp_path / "x.png", np.ones((2, 2, 3)))
        utils.load_img(tmp_path / "x.png", color_mode="cmyk")
    with pytest.raises(ValueError, match="Invalid interpolation method 'area'"):
        utils.load_img(tmp_path / "x.png", target_size=(3, 3), interpolation="area")
    with pytest.raises(ValueError, match=r"Unsupported channel number: 2"):
        utils.array_to_img(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"rank 3 \(single image\)"):
        utils.array_to_img(np.ones((2, 2)))
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r'pip install "nnet\[image\]"'):
        utils.load_img(tmp_path / "x.png")


@pytest.fixture
def folder(tmp_path):
    """cats: 4 PNGs (one in a nested folder), dogs: 3 JPEGs, birds: 2; one text file."""
    sizes = {"cats": 4, "dogs": 3, "birds": 2}
    for name, count in sizes.items():
        os.makedirs(tmp_path / name / "nested")
        for i in range(count):
            sub = "nested" if name == "cats" and i == 0 else ""
            ext = "jpg" if name == "dogs" else "png"
            value = {"cats": 10.0, "dogs": 120.0, "birds": 240.0}[name]
            utils.save_img(tmp_path / name / sub / f"{i}.{ext}",
                           np.full((6 + i, 8, 3), value), scale=False)
    (tmp_path / "cats" / "notes.txt").write_text("not an image")
    return tmp_path


def _all(ds):
    images, labels = zip(*ds)
    return np.concatenate(images), np.concatenate(labels)


def test_dataset_labels_follow_the_class_folders(folder, capsys):
    ds = utils.image_dataset_from_directory(folder, image_size=(4, 5), batch_size=4, seed=3)
    assert capsys.readouterr().out == "Found 9 files belonging to 3 classes.\n"
    assert ds.class_names == ["birds", "cats", "dogs"] and len(ds) == 3
    images, labels = _all(ds)
    assert images.shape == (9, 4, 5, 3) and images.dtype == np.float32
    assert labels.dtype == np.int32 and sorted(labels.tolist()) == [0, 0, 1, 1, 1, 1, 2, 2, 2]
    # Each image carries its class's colour (JPEG within a few levels).
    colour = np.array([240.0, 10.0, 120.0])[labels]
    assert np.abs(images.mean(axis=(1, 2, 3)) - colour).max() < 3


def test_dataset_shuffles_reproducibly_and_reshuffles_each_epoch(folder):
    def order(**kwargs):
        ds = utils.image_dataset_from_directory(folder, image_size=4, batch_size=None,
                                                verbose=False, **kwargs)
        first = [os.path.basename(p) for p in ds.file_paths]
        labels = [int(ds[i][1]) for i in range(len(ds))]
        ds.on_epoch_end()
        return first, labels, [int(ds[i][1]) for i in range(len(ds))]

    assert order(seed=5) == order(seed=5)
    unshuffled = order(shuffle=False)
    assert unshuffled[1] == unshuffled[2] == [0, 0, 1, 1, 1, 1, 2, 2, 2]
    assert order(seed=5)[1] != order(seed=5)[2] or order(seed=6)[1] != order(seed=6)[2]


def test_dataset_splits_are_disjoint_and_complete(folder, capsys):
    kwargs = dict(image_size=4, seed=1, validation_split=0.34, verbose=False)
    train = utils.image_dataset_from_directory(folder, subset="training", **kwargs)
    val = utils.image_dataset_from_directory(folder, subset="validation", **kwargs)
    both = utils.image_dataset_from_directory(folder, subset="both", **kwargs)
    assert capsys.readouterr().out.splitlines() == [
        "Using 6 files for training.", "Using 3 files for validation.",
        "Using 6 files for training.", "Using 3 files for validation."]
    assert set(train.file_paths) | set(val.file_paths) == set(
        both[0].file_paths + both[1].file_paths)
    assert not set(train.file_paths) & set(val.file_paths)
    assert len(set(train.file_paths) | set(val.file_paths)) == 9
    assert set(both[1].file_paths) == set(val.file_paths)


def test_dataset_label_modes_and_formats(folder):
    kwargs = dict(image_size=(3, 2), shuffle=False, verbose=False)
    _, labels = _all(utils.image_dataset_from_directory(folder, label_mode="categorical",
                                                        **kwargs))
    expected = np.eye(3, dtype="float32")[[0, 0, 1, 1, 1, 1, 2, 2, 2]]
    np.testing.assert_array_equal(labels, expected)
    ds = utils.image_dataset_from_directory(folder, label_mode="binary",
                                            class_names=["dogs", "cats"], **kwargs)
    images, labels = _all(ds)
    assert labels.dtype == np.float32 and labels.ravel().tolist() == [0] * 3 + [1] * 4
    ds = utils.image_dataset_from_directory(folder, labels=None, color_mode="grayscale",
                                            data_format="channels_first", **kwargs)
    assert ds.class_names is None and ds[0].shape == (9, 1, 3, 2)
    given = list(range(9))[::-1]
    ds = utils.image_dataset_from_directory(folder, labels=given, **kwargs)
    assert _all(ds)[1].tolist() == given and ds.class_names == [str(i) for i in range(9)]
    ds = utils.image_dataset_from_directory(folder, color_mode="rgba",
                                            crop_to_aspect_ratio=True, **kwargs)
    assert ds[0][0].shape == (9, 3, 2, 4)
    kwargs["image_size"] = (8, 2)
    ds = utils.image_dataset_from_directory(folder, pad_to_aspect_ratio=True,
                                            interpolation="nearest", **kwargs)
    # Padded to 4:1, at least 11 zero rows above each image, the first 2 rows read them.
    assert ds[0][0][:, :2].max() == 0 and ds[0][0][:, 3:5].min() > 0


def test_model_fits_an_image_dataset(folder):
    ds, val = utils.image_dataset_from_directory(folder, image_size=4, batch_size=4, seed=0,
                                                 validation_split=0.3, subset="both",
                                                 verbose=False)
    model = nnet.Sequential([nnet.Input((4, 4, 3)), nnet.layers.Rescaling(1 / 255),
                             nnet.layers.Flatten(), nnet.layers.Dense(3)])
    model.compile("adam", nnet.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=2, validation_data=val, verbose=0)
    assert len(history.history["loss"]) == len(history.history["val_loss"]) == 2
    assert model.predict(ds, verbose=0).shape == (7, 3)
    assert np.isfinite(model.evaluate(ds, verbose=0))


@pytest.mark.parametrize("kwargs,message", [
    (dict(labels="folders"), "labels=folders"),
    (dict(labels=[0, 1], class_names=["a"]), "class_names=\\['a'\\]"),
    (dict(label_mode="sparse"), "label_mode=sparse"),
    (dict(color_mode="bgr"), "color_mode=bgr"),
    (dict(interpolation="gaussian"), "interpolation=gaussian"),
    (dict(validation_split=0.2), "validation_split` must be set"),
    (dict(validation_split=0.2, subset="training"), "provide a `seed`"),
    (dict(validation_split=1.5, subset="training", seed=1), "received: 1.5"),
    (dict(label_mode="binary"), "exactly 2 class_names"),
    (dict(class_names=["cats", "cows"]), "class_names=\\['cats', 'cows'\\]"),
    (dict(labels=[0, 1]), "len\\(labels\\) is 2 while we found 9 files"),
    (dict(image_size=(1, 2, 3)), "image_size=\\(1, 2, 3\\)"),
    (dict(format="torch"), "format=torch"),
])
def test_dataset_errors(folder, kwargs, message):
    with pytest.raises(ValueError, match=message):
        utils.image_dataset_from_directory(folder, verbose=False, **kwargs)
