"""nnet.ops.image against Keras's keras.ops.image (torch backend), PIL's filters and float64
numerical gradients."""

import numpy as np
import pytest
from harness import FLOAT32_TOLERANCE

from nnet.autodiff import check_grad
from nnet.ops import image

RNG = np.random.default_rng(0)
X = RNG.random((2, 7, 9, 3)).astype("float32")
XC = np.ascontiguousarray(np.moveaxis(X, -1, 1))
TRANSFORMS = np.array([[1.1, 0.2, -1.5, -0.1, 0.9, 2.3, 0, 0],
                       [0.7, -0.3, 3.2, 0.4, 1.2, -2.1, 0, 0]], "float32")
FILL_MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]


@pytest.fixture(scope="module")
def kimage():
    keras = pytest.importorskip("keras")
    return keras.ops.image


def _close(ours, theirs, tol=1e-4):
    theirs = np.asarray(theirs.cpu() if hasattr(theirs, "cpu") else theirs)
    ours = np.asarray(ours.numpy() if hasattr(ours, "numpy") else ours)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("antialias", [False, True])
def test_resize_matches_keras(kimage, interpolation, antialias):
    for size in [(3, 4), (14, 5), (7, 20)]:
        for extra in [{}, {"crop_to_aspect_ratio": True},
                      {"pad_to_aspect_ratio": True, "fill_value": 0.5}]:
            kwargs = dict(interpolation=interpolation, antialias=antialias, **extra)
            _close(image.resize(X, size, **kwargs), kimage.resize(X, size, **kwargs))
    kwargs = dict(interpolation=interpolation, data_format="channels_first")
    _close(image.resize(XC, (4, 5), **kwargs), kimage.resize(XC, (4, 5), **kwargs))
    _close(image.resize(X[0], (5, 3), interpolation), kimage.resize(X[0], (5, 3), interpolation))


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
def test_resize_integer_images_round_like_keras(kimage, interpolation):
    x = (X * 255).astype("uint8")
    ours = image.resize(x, (4, 13), interpolation).numpy()
    theirs = kimage.resize(x, (4, 13), interpolation).numpy()
    assert ours.dtype == np.uint8
    # Values that land on a half in float32 may round either way after a different order of
    # the same sums; anything else is equal.
    diff = np.abs(ours.astype(int) - theirs.astype(int))
    assert diff.max() <= 1 and (diff == 0).mean() > 0.97


@pytest.mark.parametrize("interpolation,filter_name", [
    ("lanczos3", "LANCZOS"), ("bicubic", "BICUBIC"), ("bilinear", "BILINEAR")])
def test_antialiased_resize_matches_pil(interpolation, filter_name):
    pil = pytest.importorskip("PIL.Image")
    for size in [(4, 13), (3, 5), (12, 20)]:
        ours = image.resize(X[0, :, :, :1], size, interpolation, antialias=True).numpy()[..., 0]
        theirs = pil.fromarray(X[0, :, :, 0], mode="F").resize(size[::-1],
                                                              getattr(pil, filter_name))
        np.testing.assert_allclose(ours, np.asarray(theirs), **FLOAT32_TOLERANCE)


def test_lanczos5_weights_are_the_windowed_sinc():
    # Upsampling by an integer factor: each output pixel is the normalized lanczos5 sum.
    x = RNG.random((1, 12, 1, 1))
    ours = image.resize(x, (24, 1), "lanczos5").numpy()[0, :, 0, 0]
    sample = (np.arange(24) + 0.5) / 2 - 0.5
    d = np.abs(sample[:, None] - np.arange(12)[None, :])
    w = np.where(d < 5, np.sinc(d) * np.sinc(d / 5), 0)
    np.testing.assert_allclose(ours, (w / w.sum(1, keepdims=True)) @ x[0, :, 0, 0], rtol=1e-12)


def test_area_resize_averages_the_covered_pixels():
    x = RNG.random((1, 6, 4, 2))
    ours = image.resize(x, (3, 4), "area").numpy()
    np.testing.assert_allclose(ours, (x[:, ::2] + x[:, 1::2]) / 2, rtol=1e-12)
    up = image.resize(x, (6, 8), "area").numpy()
    np.testing.assert_allclose(up, np.repeat(x, 2, axis=2), rtol=1e-12)
    ours = image.resize(x[:, :4], (3, 4), "area").numpy()[:, 1]
    # Output row 1 of 3 covers input rows [4/3, 8/3]: two thirds of rows 1 and 2 each.
    np.testing.assert_allclose(ours, (x[:, 1] + x[:, 2]) / 2, rtol=1e-12)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_affine_transform_matches_keras(kimage, interpolation, fill_mode):
    args = (interpolation, fill_mode, 0.3)
    _close(image.affine_transform(X, TRANSFORMS, *args),
           kimage.affine_transform(X, TRANSFORMS, *args))
    _close(image.affine_transform(XC, TRANSFORMS, *args, data_format="channels_first"),
           kimage.affine_transform(XC, TRANSFORMS, *args, data_format="channels_first"))
    _close(image.affine_transform(X[0], TRANSFORMS[0], *args),
           kimage.affine_transform(X[0], TRANSFORMS[0], *args))


@pytest.mark.parametrize("order", [0, 1])
def test_map_coordinates_matches_keras(kimage, order):
    coordinates = RNG.random((3, 5, 4)) * np.array([9, 11, 5])[:, None, None] - 1
    for fill_mode in FILL_MODES:
        _close(image.map_coordinates(X[0], coordinates, order, fill_mode, 0.1),
               kimage.map_coordinates(X[0], coordinates, order, fill_mode, 0.1))


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_perspective_transform_matches_keras(kimage, interpolation):
    start = np.array([[0, 0], [8, 0], [0, 6], [8, 6]], "float32")
    end = np.array([[1, 0.5], [7, 1], [0, 5], [8.5, 6]], "float32")
    _close(image.perspective_transform(X, start, end, interpolation, 0.2),
           kimage.perspective_transform(X, start, end, interpolation, 0.2))


@pytest.mark.parametrize("kwargs", [
    dict(size=(2, 3)), dict(size=3, strides=2, padding="same"),
    dict(size=(3, 2), strides=1, dilation_rate=2), dict(size=(4, 4), padding="same")])
def test_extract_patches_matches_keras(kimage, kwargs):
    _close(image.extract_patches(X, **kwargs), kimage.extract_patches(X, **kwargs))
    kwargs["data_format"] = "channels_first"
    _close(image.extract_patches(XC, **kwargs), kimage.extract_patches(XC, **kwargs))


def test_extract_patches_3d_matches_keras(kimage):
    v = RNG.random((2, 6, 7, 5, 2)).astype("float32")
    _close(image.extract_patches(v, (2, 3, 2)), kimage.extract_patches(v, (2, 3, 2)))
    _close(image.extract_patches_3d(v[0], 2, strides=1), kimage.extract_patches_3d(v[0], 2, 1))


@pytest.mark.parametrize("method", ["linear", "cubic", "lanczos3", "lanczos5"])
def test_scale_and_translate_matches_keras(kimage, method):
    for antialias in (True, False):
        args = ((2, 11, 5, 3), [1.4, 0.6], [0.5, -1.0], [1, 2], method, antialias)
        _close(image.scale_and_translate(X, *args), kimage.scale_and_translate(X, *args))


def test_sobel_edges_and_ssim_match_keras(kimage):
    _close(image.sobel_edges(X, "channels_last"), kimage.sobel_edges(X, "channels_last"))
    _close(image.sobel_edges(XC, "channels_first"), kimage.sobel_edges(XC, "channels_first"))
    a = RNG.random((2, 16, 18, 3)).astype("float32")
    b = np.clip(a + RNG.normal(0, 0.2, a.shape), 0, 1).astype("float32")
    _close(image.ssim(a, b), kimage.ssim(a, b))
    kwargs = dict(max_val=2.0, filter_size=5, filter_sigma=1.0)
    _close(image.ssim(a[0], b[0], **kwargs), kimage.ssim(a[0], b[0], **kwargs))
    first = [np.ascontiguousarray(np.moveaxis(v, -1, 1)) for v in (a, b)]
    _close(image.ssim(*first, data_format="channels_first"),
           kimage.ssim(*first, data_format="channels_first"))


def test_crops_pads_and_colours_match_keras(kimage):
    for fn, kwargs in [
        ("crop_images", dict(top_cropping=1, left_cropping=2, target_height=4, target_width=5)),
        ("crop_images", dict(top_cropping=1, bottom_cropping=2, right_cropping=3,
                             target_width=4)),
        ("pad_images", dict(top_padding=1, left_padding=2, target_height=10, target_width=12)),
        ("pad_images", dict(bottom_padding=1, target_height=10, left_padding=2,
                            right_padding=0)),
        ("rgb_to_grayscale", {}), ("rgb_to_hsv", {}), ("hsv_to_rgb", {}),
        ("gaussian_blur", dict(kernel_size=(3, 3), sigma=(1.0, 1.5))),
        ("gaussian_blur", dict(kernel_size=(5, 5), sigma=(2.0, 0.7))),
    ]:
        _close(getattr(image, fn)(X, **kwargs),
               getattr(kimage, fn)(X, data_format="channels_last", **kwargs))
        _close(getattr(image, fn)(XC, data_format="channels_first", **kwargs),
               getattr(kimage, fn)(XC, data_format="channels_first", **kwargs))
    x = (X * 255).astype("uint8")
    _close(image.rgb_to_grayscale(x), kimage.rgb_to_grayscale(x), tol=0)


@pytest.mark.parametrize("fn", [
    lambda x: image.resize(x, (5, 7), "bilinear"),
    lambda x: image.resize(x, (3, 2), "bilinear", antialias=True),
    lambda x: image.resize(x, (6, 3), "nearest"),
    lambda x: image.resize(x, (5, 8), "bicubic", pad_to_aspect_ratio=True),
    lambda x: image.resize(x, (2, 3), "lanczos3", crop_to_aspect_ratio=True),
    lambda x: image.affine_transform(x, TRANSFORMS, "bilinear", "constant"),
    lambda x: image.affine_transform(x, TRANSFORMS, "nearest", "reflect"),
    lambda x: image.affine_transform(x, TRANSFORMS, "bilinear", "wrap"),
    lambda x: image.perspective_transform(x, [[0, 0], [3, 0], [0, 3], [3, 3]],
                                          [[0.5, 0], [3, 0.2], [0, 3], [2.5, 3]]),
    lambda x: image.crop_images(x, 1, 0, target_height=2, right_cropping=1),
    lambda x: image.pad_images(x, 1, 2, 0, 1),
    lambda x: image.rgb_to_grayscale(x),
    lambda x: image.rgb_to_hsv(x),
    lambda x: image.hsv_to_rgb(x),
    lambda x: image.gaussian_blur(x, (3, 5), (1.0, 0.5)),
    lambda x: image.extract_patches(x, (2, 2), strides=1, padding="same"),
    lambda x: image.extract_patches(x, (2, 3), dilation_rate=(1, 2), strides=1),
    lambda x: image.scale_and_translate(x, (2, 6, 3, 3), [1.5, 0.7], [0.3, -0.5], [1, 2],
                                        "cubic"),
    lambda x: image.sobel_edges(x),
    lambda x: image.ssim(x, x[::-1] * 0.5, filter_size=3),
])
def test_gradients(fn):
    check_grad(fn, RNG.random((2, 4, 5, 3)) + 0.05)


def test_elastic_transform_displaces_smoothly_and_repeats_with_a_seed():
    x = RNG.random((2, 12, 12, 3))
    np.testing.assert_allclose(image.elastic_transform(x, alpha=0.0, seed=3).numpy(), x)
    a = image.elastic_transform(x, alpha=5.0, sigma=2.0, seed=3).numpy()
    np.testing.assert_array_equal(a, image.elastic_transform(x, 5.0, 2.0, seed=3).numpy())
    assert not np.allclose(a, x)
    # Channels share one displacement: a constant-over-channels image stays so.
    same = np.repeat(x[..., :1], 3, axis=-1)
    warped = image.elastic_transform(same, 5.0, 2.0, "nearest", "wrap", seed=4).numpy()
    np.testing.assert_array_equal(warped[..., 0], warped[..., 2])
    first = image.elastic_transform(np.moveaxis(same, -1, 1), 5.0, 2.0, "nearest", "wrap",
                                    seed=4, data_format="channels_first").numpy()
    np.testing.assert_array_equal(np.moveaxis(first, 1, -1), warped)
    check_grad(lambda t: image.elastic_transform(t, 3.0, 1.5, seed=5), RNG.random((2, 6, 6, 2)))


def test_map_coordinates_gradient():
    coordinates = RNG.random((2, 6)) * 5 - 1
    check_grad(lambda x: image.map_coordinates(x, coordinates, 1, "mirror"), RNG.random((4, 4)))


@pytest.mark.parametrize("call,message", [
    (lambda: image.resize(X, (2, 2), "gaussian"), "interpolation='gaussian'"),
    (lambda: image.resize(X, (0, 2)), "size=(0, 2)"),
    (lambda: image.resize(X[0, 0], (2, 2)), "images.shape=(9, 3)"),
    (lambda: image.resize(X, (2, 2), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     "Only one"),
    (lambda: image.affine_transform(X, TRANSFORMS, fill_mode="edge"), "fill_mode='edge'"),
    (lambda: image.affine_transform(X, TRANSFORMS, "bicubic"), "interpolation='bicubic'"),
    (lambda: image.crop_images(X, 1, 1, 1), "target_width=None"),
    (lambda: image.pad_images(X, 1, 1, target_height=3, target_width=20), "bottom_padding=-5"),
    (lambda: image.rgb_to_grayscale(X[..., :2]), "expected 3 (RGB) or 1"),
    (lambda: image.rgb_to_hsv(X.astype("int32")), "expected float dtype"),
    (lambda: image.extract_patches(X, (2, 2, 2, 2)), "size=(2, 2, 2, 2)"),
    (lambda: image.map_coordinates(X, [[0.0]], 1), "leading dim of 1"),
])
def test_errors_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
