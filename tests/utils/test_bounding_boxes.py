"""nnet.utils.bounding_boxes against Keras 3's: conversions among all formats, clipping, IoU."""

import itertools
import os

import numpy as np
import pytest

from nnet.utils import bounding_boxes as ours

os.environ["KERAS_BACKEND"] = "torch"


@pytest.fixture(scope="module")
def theirs():
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    return keras.utils.bounding_boxes


def _numpy(value):
    return np.asarray(value.cpu() if hasattr(value, "cpu") else value)


FORMATS = ["xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx",
           "rel_xywh", "rel_center_xywh"]


@pytest.mark.parametrize("source, target", list(itertools.product(FORMATS, FORMATS)))
def test_convert_format_as_keras(theirs, source, target):
    rng = np.random.default_rng(0)
    boxes = rng.uniform(0.05, 0.5, (2, 3, 4)).astype("float32")
    if not source.startswith("rel_"):
        boxes = boxes * 97.0
    expected = _numpy(theirs.convert_format(boxes.copy(), source, target, height=61, width=97))
    got = ours.convert_format(boxes.copy(), source, target, height=61, width=97)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)
    upper = ours.convert_format(boxes.copy(), source.upper(), target, height=61, width=97)
    np.testing.assert_array_equal(upper, expected)


def test_convert_format_dict_and_errors(theirs):
    boxes = {"boxes": np.array([[10, 20, 30, 40]]), "labels": np.array([1])}
    assert ours.convert_format(boxes, "xyxy", "xywh") is boxes
    np.testing.assert_array_equal(boxes["boxes"], [[10, 20, 20, 20]])
    with pytest.raises(ValueError, match="last dimension of 4"):
        ours.convert_format(np.zeros((2, 3)), "xyxy", "xywh")
    with pytest.raises(ValueError, match="Invalid source or target format.*'xyz'"):
        ours.convert_format(np.zeros((2, 4)), "xyz", "xywh")
    with pytest.raises(ValueError, match="height=None"):
        ours.convert_format(np.zeros((2, 4)), "xyxy", "rel_xywh")


@pytest.mark.parametrize("fmt, size", [("xyxy", (100, 120)), ("rel_xyxy", (None, None))])
def test_clip_to_image_size_as_keras(theirs, fmt, size):
    scale = 1.0 if fmt == "xyxy" else 0.01
    boxes = np.array([[-10, -20, 150, 160], [50, 40, 70, 80], [130, 10, 140, 30],
                      [20, 110, 30, 130]], "float32") * scale
    labels = np.array([0, 1, 2, 3])
    height, width = size
    expected = theirs.clip_to_image_size({"boxes": boxes, "labels": labels}, height=height,
                                         width=width, bounding_box_format=fmt)
    got = ours.clip_to_image_size({"boxes": boxes, "labels": labels}, height=height,
                                  width=width, bounding_box_format=fmt)
    np.testing.assert_array_equal(got["boxes"], _numpy(expected["boxes"]))
    np.testing.assert_array_equal(got["labels"], _numpy(expected["labels"]))
    assert got["labels"].tolist()[2:] == [-1, -1]
    with pytest.raises(NotImplementedError, match="'xywh'"):
        ours.clip_to_image_size({"boxes": boxes}, 10, 10, bounding_box_format="xywh")
    with pytest.raises(ValueError, match="`height` and `width` must be set"):
        ours.clip_to_image_size({"boxes": boxes}, bounding_box_format="xyxy")


@pytest.mark.parametrize("fmt", ["xyxy", "yxyx", "center_xywh", "rel_xyxy"])
@pytest.mark.parametrize("batched", [False, True])
def test_compute_iou_as_keras(theirs, fmt, batched):
    rng = np.random.default_rng(1)
    xyxy1 = np.sort(rng.uniform(0, 50, (5, 2, 2)), axis=1).transpose(0, 2, 1).reshape(5, 4)
    xyxy2 = np.sort(rng.uniform(0, 50, (3, 2, 2)), axis=1).transpose(0, 2, 1).reshape(3, 4)
    xyxy2[0] = -1  # padding, for the masking
    shape = (50, 50, 3)
    boxes1 = ours.convert_format(xyxy1, "xyxy", fmt, height=50, width=50)
    boxes2 = ours.convert_format(xyxy2, "xyxy", fmt, height=50, width=50)
    if batched:
        boxes1, boxes2 = np.stack([boxes1, boxes1[::-1]]), np.stack([boxes2, boxes2[::-1]])
    for masking in (False, True):
        expected = _numpy(theirs.compute_iou(boxes1, boxes2, fmt, use_masking=masking,
                                             mask_val=-2, image_shape=shape))
        got = ours.compute_iou(boxes1, boxes2, fmt, use_masking=masking, mask_val=-2,
                               image_shape=shape)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("center", [(None, None), (0.25, 0.7)])
def test_affine_transform_as_keras(theirs, center):
    rng = np.random.default_rng(2)
    boxes = np.sort(rng.uniform(0, 40, (2, 3, 2, 2)), axis=2).transpose(0, 1, 3, 2).reshape(
        2, 3, 4).astype("float32")
    args = [rng.uniform(-30, 30, 2).astype("float32"), rng.uniform(-0.2, 0.2, 2).astype(
        "float32"), rng.uniform(-0.2, 0.2, 2).astype("float32"), rng.uniform(0.8, 1.2, 2).astype(
        "float32"), rng.uniform(-10, 10, 2).astype("float32"), rng.uniform(-10, 10, 2).astype(
        "float32")]
    expected = _numpy(theirs.affine_transform(boxes, *args, height=48, width=40,
                                              center_x=center[0], center_y=center[1]))
    got = ours.affine_transform(boxes, *args, height=48, width=40, center_x=center[0],
                                center_y=center[1])
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-5)
    with pytest.raises(NotImplementedError, match="'yxyx'"):
        ours.affine_transform(boxes, *args, height=48, width=40, bounding_box_format="yxyx")


def test_crop_and_pad_as_keras(theirs):
    boxes = np.array([[[10., 10., 50., 30.], [0., 40., 5., 60.]]], "float32")
    np.testing.assert_array_equal(ours.crop(boxes, 20, 5, 30, 30),
                                  _numpy(theirs.crop(boxes, 20, 5, 30, 30)))
    np.testing.assert_array_equal(ours.pad(boxes, 2, 3), _numpy(theirs.pad(boxes, 2, 3)))


@pytest.mark.parametrize("fmt", ["xyxy", "center_xywh", "yxyx"])
def test_compute_ciou_as_keras(theirs, fmt):
    rng = np.random.default_rng(3)
    xyxy1 = np.sort(rng.uniform(0, 50, (2, 6, 2, 2)), axis=2).transpose(0, 1, 3, 2).reshape(
        2, 6, 4).astype("float32")
    xyxy2 = np.sort(rng.uniform(0, 50, (2, 6, 2, 2)), axis=2).transpose(0, 1, 3, 2).reshape(
        2, 6, 4).astype("float32")
    boxes1, boxes2 = (ours.convert_format(b, "xyxy", fmt) for b in (xyxy1, xyxy2))
    np.testing.assert_allclose(ours.compute_ciou(boxes1, boxes2, fmt),
                               _numpy(theirs.compute_ciou(boxes1, boxes2, fmt)),
                               rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="relative bounding box formats"):
        ours.compute_ciou(boxes1, boxes2, "rel_xyxy")


@pytest.mark.parametrize("encoding", ["center_yxhw", "center_xywh"])
@pytest.mark.parametrize("variance", [None, [0.1, 0.1, 0.2, 0.2]])
def test_box_deltas_as_keras(theirs, encoding, variance):
    rng = np.random.default_rng(4)
    # Anchors of 5 to 15 pixels, and boxes near them: the deltas detection heads regress.
    corners = rng.uniform(10, 50, (5, 2))
    anchors = np.concatenate([corners, corners + rng.uniform(5, 15, (5, 2))], -1).astype(
        "float32")
    boxes = (anchors + rng.uniform(-3, 3, (2, 5, 4))).astype("float32")
    tensor = pytest.importorskip("keras").ops.convert_to_tensor
    expected = _numpy(theirs.encode_box_to_deltas(tensor(anchors), tensor(boxes), "xyxy",
                                                  "yxyx", encoding, variance))
    deltas = ours.encode_box_to_deltas(anchors, boxes, "xyxy", "yxyx", encoding, variance)
    np.testing.assert_allclose(deltas, expected, rtol=1e-6, atol=1e-6)
    decoded = ours.decode_deltas_to_boxes({"p3": anchors}, {"p3": deltas}, "xyxy", "yxyx",
                                          encoding, variance)
    their_decoded = theirs.decode_deltas_to_boxes({"p3": tensor(anchors)}, {"p3": tensor(
        expected)}, "xyxy", "yxyx", encoding, variance)
    np.testing.assert_allclose(decoded["p3"], _numpy(their_decoded["p3"]), rtol=1e-6,
                               atol=1e-5)
    np.testing.assert_allclose(decoded["p3"], boxes, rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match="encoding_format='yxyx'"):
        ours.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", "yxyx")
