"""The image preprocessing and augmentation layers: Keras's configs and inference outputs
(check_layer), Keras's training outputs where the draw is pinned (minval == maxval), and the
properties of the random ones (shapes, ranges, identity at factor 0, seeding)."""

import json
import os
from unittest.mock import ANY

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

import nnet
from nnet import layers

RNG = np.random.default_rng(0)
PIXELS = (RNG.random((2, 6, 7, 3)) * 255).astype("float32")
FIRST = np.ascontiguousarray(np.moveaxis(PIXELS, -1, 1))

LAYER_CASES = [
    ("Resizing", dict(height=4, width=9, interpolation="bicubic"), True),
    ("Resizing", dict(height=3, width=3, crop_to_aspect_ratio=True), True),
    ("CenterCrop", dict(height=4, width=5), True),
    ("CenterCrop", dict(height=8, width=3), True),
    ("AutoContrast", dict(value_range=(-3, 3)), True),
    ("RandomCrop", dict(height=4, width=5, seed=3), False),
    ("RandomFlip", dict(mode="horizontal", seed=1), False),
    ("RandomRotation", dict(factor=0.2, fill_mode="constant", fill_value=1.0, seed=2), False),
    ("RandomTranslation", dict(height_factor=0.2, width_factor=(-0.1, 0.3), seed=2), False),
    ("RandomZoom", dict(height_factor=(-0.3, 0.2), interpolation="nearest"), False),
    ("RandomShear", dict(x_factor=(0.0, 0.3), y_factor=(0.1, 0.2), fill_mode="wrap"), False),
    ("RandomContrast", dict(factor=0.4, value_range=(-5, 5), seed=1), False),
    ("RandomBrightness", dict(factor=(-0.2, 0.4), value_range=(-5, 5)), False),
    ("RandomGrayscale", dict(factor=0.7), False),
    ("RandomInvert", dict(factor=0.5, value_range=(-5, 5)), False),
    ("Solarization", dict(addition_factor=0.2, threshold_factor=(0.3, 0.6)), False),
    ("RandomErasing", dict(scale=0.3, fill_value=(1, 2, 3)), False),
    ("RandomHue", dict(factor=0.3, value_range=(-5, 5)), False),
    ("RandomSaturation", dict(factor=(0.2, 0.7), value_range=(-5, 5)), False),
    ("RandomColorDegeneration", dict(factor=0.5, value_range=(-5, 5)), False),
    ("RandomSharpness", dict(factor=0.7, value_range=(-5, 5)), False),
    ("RandomGaussianBlur", dict(factor=0.8, kernel_size=(3, 5), sigma=0.6), False),
    ("RandomPerspective", dict(factor=0.7, scale=0.4, interpolation="nearest"), False),
    ("RandomColorJitter", dict(value_range=(-5, 5), brightness_factor=0.2, contrast_factor=0.3,
                               saturation_factor=(0.3, 0.6), hue_factor=0.2), False),
    ("RandomElasticTransform", dict(factor=0.9, scale=(0.2, 0.6), fill_mode="mirror"), False),
    ("MixUp", dict(alpha=0.4, seed=5), False),
    ("CutMix", dict(factor=0.5, seed=5), False),
]


@pytest.mark.parametrize("name,kwargs,deterministic", LAYER_CASES)
def test_configs_and_inference_match_keras(name, kwargs, deterministic):
    check_layer(getattr(layers, name), (2, 6, 7, 3), kwargs, keras_class=name,
                deterministic=deterministic)


PINNED = [
    ("RandomRotation", dict(factor=(0.1, 0.1), fill_mode="constant")),
    ("RandomRotation", dict(factor=(-0.2, -0.2), interpolation="nearest")),
    ("RandomTranslation", dict(height_factor=(0.2, 0.2), width_factor=(-0.3, -0.3),
                               fill_mode="wrap")),
    ("RandomZoom", dict(height_factor=(0.3, 0.3), width_factor=(-0.2, -0.2),
                        fill_mode="nearest")),
    ("RandomZoom", dict(height_factor=(-0.4, -0.4))),
    ("RandomInvert", dict(factor=(1.0, 1.0))),
    ("RandomGrayscale", dict(factor=1.0)),
    ("RandomCrop", dict(height=6, width=7)),
    ("RandomHue", dict(factor=(1.0, 1.0))),  # half a turn either way: the same image
    ("RandomColorDegeneration", dict(factor=(0.4, 0.4))),
    ("RandomPosterization", dict(factor=(3, 3))),
    ("RandomSharpness", dict(factor=(0.8, 0.8))),
    ("RandomSharpness", dict(factor=(0.1, 0.1))),
    ("RandomGaussianBlur", dict(factor=(1.0, 1.0), sigma=(0.7, 0.7))),
    ("RandomGaussianBlur", dict(factor=(1.0, 1.0), sigma=(0.4, 0.4), kernel_size=5)),
    ("Equalization", dict()),
    ("Equalization", dict(bins=16)),
    ("RandomPerspective", dict(factor=(1.0, 1.0), scale=0.0)),
]


@pytest.mark.filterwarnings("ignore:Tensor.T is deprecated")  # inside Keras's Equalization
@pytest.mark.parametrize("name,kwargs", PINNED)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pinned_training_outputs_match_keras(name, kwargs, data_format):
    keras = pytest.importorskip("keras")
    x = PIXELS if data_format == "channels_last" else FIRST
    ours = getattr(layers, name)(data_format=data_format, **kwargs)(x, training=True).numpy()
    theirs = getattr(keras.layers, name)(data_format=data_format, **kwargs)(x, training=True)
    np.testing.assert_allclose(ours, theirs.cpu().numpy(), rtol=1e-5, atol=2e-4)


@pytest.mark.parametrize("name,kwargs", [
    ("RandomBrightness", dict(factor=(0.1, 0.1))),
    ("Solarization", dict(addition_factor=(0, 0), threshold_factor=(0, 0))),
    ("Solarization", dict(addition_factor=(0, 0), threshold_factor=(0, 0), value_range=(0, 1))),
    ("RandomSaturation", dict(factor=(0.3, 0.3), value_range=(0, 1))),
    ("RandomColorJitter", dict(brightness_factor=(0.1, 0.1), saturation_factor=(0.4, 0.4),
                               hue_factor=(1.0, 1.0))),
])
def test_pinned_colour_layers_match_keras(name, kwargs):
    keras = pytest.importorskip("keras")
    x = PIXELS / 255.0 if kwargs.get("value_range") == (0, 1) else PIXELS
    ours = getattr(layers, name)(**kwargs)(x, training=True).numpy()
    theirs = getattr(keras.layers, name)(**kwargs)(x, training=True).cpu().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("layer", [
    layers.RandomRotation(0.0), layers.RandomTranslation(0.0, 0.0), layers.RandomZoom(0.0),
    layers.RandomShear(0.0, 0.0), layers.RandomContrast(0.0), layers.RandomBrightness(0.0),
    layers.RandomInvert(0.0), layers.Solarization(0.0, 0.0), layers.RandomGrayscale(0.0),
    layers.RandomErasing(0.0),
], ids=lambda layer: type(layer).__name__)
def test_factor_zero_is_the_identity(layer):
    x = np.minimum(PIXELS, 254.0)  # Solarization's threshold 0 would invert 255 too
    if isinstance(layer, layers.Solarization):
        np.testing.assert_allclose(layer(x).numpy(), 255.0 - x, rtol=1e-6)
    else:
        np.testing.assert_allclose(layer(x).numpy(), x, rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize("name,kwargs", [case[:2] for case in LAYER_CASES[5:]])
def test_seeded_layers_repeat_and_vary(name, kwargs):
    kwargs = dict(kwargs, seed=11)
    x = np.repeat(PIXELS / 255.0, 4, axis=0)
    a, b = getattr(layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    first = a(x).numpy()
    np.testing.assert_array_equal(first, b(x).numpy())
    assert any(not np.array_equal(first, a(x).numpy()) for _ in range(5))
    assert np.array_equal(a(x, training=False).numpy(), x)


@pytest.mark.parametrize("name,kwargs", [
    ("RandomPosterization", dict(factor=5, value_range=(0, 1), seed=2)),
    ("Equalization", dict(bins=64, value_range=(0, 1))),
    ("RandAugment", dict(value_range=(0, 1), num_ops=3, factor=(0.1, 0.4), seed=4)),
    ("AugMix", dict(num_chains=2, chain_depth=4, factor=0.5, alpha=0.7, all_ops=False,
                    interpolation="nearest", seed=4)),
])
def test_integer_valued_layers_configs_match_keras(name, kwargs):
    # These layers drop the gradient (their pixels become integers or table entries), so
    # check_layer's training step does not apply; configs and inference are checked here.
    keras = pytest.importorskip("keras")
    layer, klayer = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    config, kconfig = layer.get_config(), klayer.get_config()
    config.pop("name"), kconfig.pop("name")
    assert json.loads(json.dumps(config)) == json.loads(json.dumps(kconfig))
    assert getattr(layers, name).from_config(kconfig).get_config() == dict(layer.get_config(),
                                                                          name=ANY)
    np.testing.assert_array_equal(layer(PIXELS, training=False).numpy(), PIXELS)


@pytest.mark.parametrize("layer_class", [layers.RandAugment, layers.AugMix])
def test_augmentation_pipelines_repeat_with_a_seed_and_stay_in_range(layer_class):
    x = np.repeat(PIXELS, 2, axis=0)
    outputs = [layer_class(seed=7)(x).numpy() for _ in range(2)]
    np.testing.assert_array_equal(*outputs)
    assert outputs[0].shape == x.shape and 0 <= outputs[0].min() and outputs[0].max() <= 255
    layer = layer_class(seed=7)
    assert any(not np.array_equal(layer(x).numpy(), layer(x).numpy()) for _ in range(3))


def test_rand_augment_applies_the_picked_augmentations():
    layer = layers.RandAugment(num_ops=2, factor=(0.0, 0.0), seed=0)
    picked = layer.get_random_transformation(PIXELS)
    assert len(picked) == 2 and set(picked) <= set(layers.rand_augment.AUGMENTATIONS)
    # At strength 0 each augmentation has a known output.
    top_bit = (PIXELS.astype("uint8") >> 7 << 7).astype("float32")
    smooth = layers.RandomSharpness((0.0, 0.0))(PIXELS).numpy()
    expected = {"auto_contrast": layers.AutoContrast()(PIXELS).numpy(),
                "equalization": layers.Equalization()(PIXELS).numpy(),
                "solarization": 255.0 - PIXELS, "random_posterization": top_bit,
                "random_sharpness": smooth}
    for name in layers.rand_augment.AUGMENTATIONS:
        np.testing.assert_allclose(layer.transform_images(PIXELS, [name]).numpy(),
                                   expected.get(name, PIXELS), atol=2e-3, err_msg=name)


@pytest.mark.parametrize("kwargs", [dict(), dict(tile_grid_size=(3, 2), clip_limit=2.0),
                                    dict(tile_grid_size=(4, 4), clip_limit=0,
                                         value_range=(0, 1))])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_clahe_matches_keras(kwargs, data_format):
    keras = pytest.importorskip("keras")
    x = (RNG.random((2, 13, 11, 3)) * 255).astype("float32")
    x = x / 255 if kwargs.get("value_range") == (0, 1) else x
    x = x if data_format == "channels_last" else np.ascontiguousarray(np.moveaxis(x, -1, 1))
    name = "ContrastLimitedAdaptiveHistogramEqualization"
    layer = getattr(layers, name)(data_format=data_format, **kwargs)
    klayer = getattr(keras.layers, name)(data_format=data_format, **kwargs)
    np.testing.assert_allclose(layer(x, training=False).numpy(),
                               klayer(x, training=False).cpu().numpy(), rtol=1e-5, atol=1e-4)
    config, kconfig = layer.get_config(), klayer.get_config()
    config.pop("name"), kconfig.pop("name")
    assert json.loads(json.dumps(config)) == json.loads(json.dumps(kconfig))
    assert getattr(keras.layers, name).from_config(config).get_config()["tile_grid_size"] == \
        layer.tile_grid_size


def test_posterization_keeps_the_top_bits():
    layer = layers.RandomPosterization(5, value_range=(0, 1), seed=2)
    np.testing.assert_array_equal(layer(PIXELS, training=False).numpy(), PIXELS)
    bits = layer(PIXELS / 255.0).numpy() * 255
    assert np.allclose(bits, np.round(bits), atol=1e-3) and (np.round(bits) % 8 == 0).all()


def test_shear_config_of_a_number_reloads():
    # Keras writes x_factor=0.3 as (-0.3, 0.3), which Keras itself refuses to load back.
    layer = layers.RandomShear(0.3, seed=0)
    assert layer.get_config()["x_factor"] == (-0.3, 0.3)
    assert layers.RandomShear.from_config(layer.get_config()).x_factor == (-0.3, 0.3)


def test_flips_flip():
    x = np.repeat(PIXELS[:1], 16, axis=0)
    for mode, axes in [("horizontal", (1,)), ("vertical", (0,)),
                       ("horizontal_and_vertical", (0, 1))]:
        y = layers.RandomFlip(mode, seed=0)(x).numpy()
        flipped = np.array([np.array_equal(img, np.flip(x[0], axes)) for img in y])
        kept = np.array([np.array_equal(img, x[0]) for img in y])
        assert (flipped | kept).all() and flipped.any() and kept.any()


def test_colour_layers_stay_in_range_and_keep_shapes():
    for layer in [layers.RandomContrast(0.9), layers.RandomBrightness(0.9),
                  layers.Solarization(0.5, 0.5), layers.RandomErasing(1.0),
                  layers.RandomInvert(), layers.AutoContrast()]:
        y = layer(PIXELS).numpy()
        assert y.shape == PIXELS.shape and y.min() >= 0 and y.max() <= 255
    y = layers.AutoContrast()(PIXELS).numpy()
    np.testing.assert_allclose(y.min(axis=(1, 2)), 0, atol=1e-3)
    np.testing.assert_allclose(y.max(axis=(1, 2)), 255, rtol=1e-5)
    np.testing.assert_array_equal(layers.AutoContrast()(np.full((1, 2, 2, 3), 7.0)).numpy(), 7)


def test_contrast_scales_the_deviation_from_the_mean():
    y = layers.RandomContrast(0.5, value_range=(-1e9, 1e9), seed=0)(PIXELS).numpy()
    mean = PIXELS.mean(axis=(1, 2), keepdims=True)
    ratio = (y - mean) / (PIXELS - mean)
    assert np.allclose(ratio, ratio[:, :1, :1, :1], rtol=1e-3)  # one factor per image
    assert ((ratio >= 1.0 - 1e-4) & (ratio <= 1.5 + 1e-4)).all()  # Keras's [1, 1 + f]


def test_mixing_layers_mix_labels_with_the_images_weights():
    x = np.stack([np.full((4, 4, 1), float(i)) for i in range(6)])
    labels = np.eye(6, dtype="float32")
    out = layers.MixUp(alpha=0.5, seed=3)({"images": x, "labels": labels})
    images, mixed = out["images"].numpy(), out["labels"].numpy()
    np.testing.assert_allclose(mixed.sum(axis=1), 1, rtol=1e-6)
    # Each image is the label-weighted mean of the constant images.
    np.testing.assert_allclose(images[:, 0, 0, 0], mixed @ np.arange(6.0), rtol=1e-5)
    out = layers.CutMix(seed=3)({"images": x, "labels": labels})
    images, mixed = out["images"].numpy(), out["labels"].numpy()
    np.testing.assert_allclose(mixed.sum(axis=1), 1, rtol=1e-6)
    own = (images == np.arange(6.0)[:, None, None, None]).mean(axis=(1, 2, 3))
    assert (np.abs(np.diag(mixed) - own) <= 0.5 + 1e-6).all()
    np.testing.assert_array_equal(layers.CutMix(seed=1)(x[0]).numpy(), x[0])


def test_gradients_reach_the_images():
    for layer in [layers.RandomRotation(0.3, seed=0), layers.MixUp(seed=0),
                  layers.Resizing(3, 5), layers.RandomContrast(0.5, value_range=(-9, 9))]:
        x = nnet.Variable(PIXELS / 255.0)
        nnet.backward(nnet.ops.sum(nnet.ops.square(layer(x))))
        assert x.grad is not None and np.isfinite(x.grad).all() and np.abs(x.grad).sum() > 0


def test_augmentation_runs_in_fit_and_stays_out_of_predict():
    model = nnet.Sequential([
        nnet.Input((6, 7, 3)), layers.RandomFlip(seed=0), layers.RandomRotation(0.1, seed=0),
        layers.RandomZoom(0.1, seed=0), layers.Resizing(4, 4), layers.Rescaling(1 / 255),
        layers.Flatten(), layers.Dense(2)])
    model.compile("sgd", "mse")
    model.fit(PIXELS, np.zeros((2, 2)), epochs=1, verbose=0)
    plain = nnet.Sequential([nnet.Input((6, 7, 3)), layers.Resizing(4, 4),
                             layers.Rescaling(1 / 255), layers.Flatten(), layers.Dense(2)])
    plain.layers[-1].set_weights(model.layers[-1].get_weights())
    np.testing.assert_allclose(model.predict(PIXELS, verbose=0),
                               plain.predict(PIXELS, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("call,message", [
    (lambda: layers.RandomRotation(2.0), r"factor=2.0"),
    (lambda: layers.RandomRotation(0.1, fill_mode="mirror"), "Unknown `fill_mode` 'mirror'"),
    (lambda: layers.RandomZoom(-1.0), r"height_factor=-1.0"),
    (lambda: layers.RandomTranslation(0.1, (0.1, 0.2, 0.3)), r"width_factor=\(0.1, 0.2, 0.3\)"),
    (lambda: layers.RandomShear(x_factor=-0.1), r"x_factor=-0.1"),
    (lambda: layers.RandomFlip("diagonal"), "Unknown `mode` 'diagonal'"),
    (lambda: layers.RandomGrayscale(1.5), "factor=1.5"),
    (lambda: layers.RandomBrightness(0.1, value_range=5), "value_range=5"),
    (lambda: layers.RandomErasing(fill_value="red"), "fill_value=red"),
    (lambda: layers.Resizing(2, 2, interpolation="cubic"), "Unknown `interpolation` 'cubic'"),
    (lambda: layers.Resizing(2, 2)(np.ones((2, 2))), r"data.shape=\(2, 2\)"),
    (lambda: layers.RandomFlip(seed=0)({"images": PIXELS, "bounding_boxes": {}}),
     "bounding_boxes"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
