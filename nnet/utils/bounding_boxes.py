"""Bounding-box utilities (``keras.utils.bounding_boxes``), on NumPy arrays: format conversion,
clipping to the image and intersection over union.

Formats (the last axis holds the 4 coordinates):
``"xyxy"`` [left, top, right, bottom]; ``"yxyx"`` [top, left, bottom, right];
``"xywh"`` [left, top, width, height]; ``"center_xywh"`` [center_x, center_y, width, height];
``"center_yxhw"`` [center_y, center_x, height, width]; and ``"rel_xyxy"``, ``"rel_yxyx"``,
``"rel_xywh"``, ``"rel_center_xywh"``, the same divided by the image width and height.

Example:
    >>> boxes = np.array([[10, 20, 30, 40], [50, 60, 70, 80]])
    >>> convert_format(boxes, source="xyxy", target="xywh")
    array([[10., 20., 20., 20.],
           [50., 60., 20., 20.]], dtype=float32)
"""

import math

import numpy as np

from nnet import backend


def _split(boxes):
    return [boxes[..., i:i + 1] for i in range(4)]


def _join(*parts):
    return np.concatenate(parts, axis=-1)


def _from_center(cx, cy, w, h):
    return _join(cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0)


# Each format to [x1, y1, x2, y2] (absolute), given (boxes, height, width).
_TO_XYXY = {
    "xyxy": lambda b, h, w: b,
    "yxyx": lambda b, h, w: _join(*[_split(b)[i] for i in (1, 0, 3, 2)]),
    "xywh": lambda b, h, w: (lambda x, y, bw, bh: _join(x, y, x + bw, y + bh))(*_split(b)),
    "center_xywh": lambda b, h, w: _from_center(*_split(b)),
    "center_yxhw": lambda b, h, w: (lambda cy, cx, bh, bw: _from_center(cx, cy, bw, bh))(
        *_split(b)),
}
_FROM_XYXY = {
    "xyxy": lambda x1, y1, x2, y2: _join(x1, y1, x2, y2),
    "yxyx": lambda x1, y1, x2, y2: _join(y1, x1, y2, x2),
    "xywh": lambda x1, y1, x2, y2: _join(x1, y1, x2 - x1, y2 - y1),
    "center_xywh": lambda x1, y1, x2, y2: _join(x1 + (x2 - x1) / 2.0, y1 + (y2 - y1) / 2.0,
                                                x2 - x1, y2 - y1),
    "center_yxhw": lambda x1, y1, x2, y2: _join(y1 + (y2 - y1) / 2.0, x1 + (x2 - x1) / 2.0,
                                                y2 - y1, x2 - x1),
}
SUPPORTED_FORMATS = (*_TO_XYXY, "rel_xyxy", "rel_yxyx", "rel_xywh", "rel_center_xywh")


def _image_sizes(fmt, height, width, dtype):
    """The image size matching each coordinate of format `fmt`: [w, h, w, h] ([h, w, h, w]
    for "yxyx")."""
    sizes = [height, width] * 2 if fmt == "yxyx" else [width, height] * 2
    return np.asarray(sizes, dtype=dtype)


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Convert boxes from format `source` to format `target` (names as in the module docstring,
    any case).

    Args:
        boxes: an array whose last axis has 4 coordinates, or a dict whose ``"boxes"`` entry is
            one (the dict is updated and returned, as in Keras).
        source: the format of `boxes`.
        target: the format to return.
        height: the image height, needed when either format is relative.
        width: the image width, likewise.
        dtype: the dtype of the result.

    Example:
        >>> convert_format(np.array([[30., 60., 90., 120.]]), "xyxy", "rel_center_xywh",
        ...                height=200, width=300)
        array([[0.2 , 0.45, 0.2 , 0.3 ]], dtype=float32)
    """
    if isinstance(boxes, dict):
        boxes["boxes"] = convert_format(boxes["boxes"], source, target, height, width, dtype)
        return boxes
    boxes = backend.to_numpy(boxes.data if hasattr(boxes, "data") and hasattr(
        boxes, "numpy") else boxes)
    if boxes.shape[-1] != 4:
        raise ValueError("`boxes` must be a tensor with the last dimension of 4. Received: "
                         f"boxes.shape={boxes.shape}")
    source, target = source.lower(), target.lower()
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(f"Invalid source or target format. Received: source={source!r}, "
                         f"target={target!r}. Supported formats: {SUPPORTED_FORMATS}")
    if (source.startswith("rel_") or target.startswith("rel_")) and (
            width is None or height is None):
        raise ValueError(
            "convert_format() must receive `height` and `width` transforming between relative "
            f"and absolute formats. Received: source={source!r}, target={target!r}, "
            f"height={height}, width={width}.")
    boxes = boxes.astype(dtype)
    if source == target:
        return boxes
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    # As Keras: a relative source is converted in relative units, then scaled to pixels; a
    # relative target is computed in pixels, then divided by the image size.
    xyxy = _TO_XYXY[source.removeprefix("rel_")](boxes, height, width)
    if source.startswith("rel_"):
        xyxy = xyxy * _image_sizes("xyxy", height, width, dtype)
    out = _FROM_XYXY[target.removeprefix("rel_")](*_split(xyxy))
    if target.startswith("rel_"):
        out = out / _image_sizes(target.removeprefix("rel_"), height, width, dtype)
    return out.astype(dtype)


def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """Clip ``bounding_boxes["boxes"]`` to the image; boxes left with no area get label -1.

    Args:
        bounding_boxes: a dict with ``"boxes"`` (..., N, 4) and optionally ``"labels"`` (..., N).
        height: the image height (needed for ``"xyxy"``).
        width: the image width (needed for ``"xyxy"``).
        bounding_box_format: ``"xyxy"`` or ``"rel_xyxy"`` (clipped to [0, 1]).

    Example:
        >>> clipped = clip_to_image_size({"boxes": np.array([[-10., -20., 150., 160.]]),
        ...                               "labels": np.array([3])}, height=100, width=120)
        >>> clipped["boxes"], clipped["labels"]
        (array([[  0.,   0., 120., 100.]]), array([3]))
    """
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise NotImplementedError(
            "clip_to_image_size takes bounding_box_format 'xyxy' or 'rel_xyxy', as Keras's. "
            f"Received: bounding_box_format={bounding_box_format!r}. Convert the boxes first "
            "with convert_format.")
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("`height` and `width` must be set if `format='xyxy'`.")
    boxes = np.asarray(bounding_boxes["boxes"])
    x_max, y_max = (1.0, 1.0) if bounding_box_format == "rel_xyxy" else (width, height)
    x1, y1, x2, y2 = _split(boxes)
    boxes = _join(np.clip(x1, 0, x_max), np.clip(y1, 0, y_max), np.clip(x2, 0, x_max),
                  np.clip(y2, 0, y_max))
    result = dict(bounding_boxes)
    result["boxes"] = boxes
    if bounding_boxes.get("labels") is not None:
        area = (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
        result["labels"] = np.where(area > 0, np.asarray(bounding_boxes["labels"]), -1)
    return result


def compute_iou(boxes1, boxes2, bounding_box_format, use_masking=False, mask_val=-1,
                image_shape=None):
    """The intersection over union of every box of `boxes1` with every box of `boxes2`:
    ``intersection / (area1 + area2 - intersection + epsilon())``.

    Args:
        boxes1: (N, 4) or (batch, N, 4) boxes.
        boxes2: (M, 4) or (batch, M, 4) boxes.
        bounding_box_format: the boxes' format.
        use_masking: give `mask_val` to pairs where a box has only negative coordinates
            (padding).
        mask_val: the value of masked pairs.
        image_shape: ``(height, width, channels)``, needed for relative formats.

    Returns:
        (N, M) or (batch, N, M) values.

    Example:
        >>> boxes2 = np.array([[1., 1., 3., 3.], [0., 0., 2., 2.]])
        >>> compute_iou(np.array([[0., 0., 2., 2.]]), boxes2, "xyxy").round(4)
        array([[0.1429, 1.    ]], dtype=float32)
    """
    boxes1, boxes2 = np.asarray(boxes1), np.asarray(boxes2)
    for name, boxes in (("boxes1", boxes1), ("boxes2", boxes2)):
        if boxes.ndim not in (2, 3):
            raise ValueError(
                f"compute_iou() expects {name} to be batched, or to be unbatched. Received "
                f"len(boxes1.shape)={boxes1.ndim}, len(boxes2.shape)={boxes2.ndim}. Expected "
                f"either len({name}.shape)=2 AND or len({name}.shape)=3.")
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the "
                         f"`image_shape` argument must be provided. Received `image_shape`: "
                         f"{image_shape}")
    height, width = (None, None) if image_shape is None else image_shape[:2]
    boxes1 = convert_format(boxes1, bounding_box_format, "xyxy", height, width)
    boxes2 = convert_format(boxes2, bounding_box_format, "xyxy", height, width)
    # Pairs along (..., N, M): boxes1 on the rows, boxes2 on the columns.
    a, b = boxes1[..., :, None, :], boxes2[..., None, :, :]
    inter_w = np.maximum(0.0, np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]))
    inter_h = np.maximum(0.0, np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]))
    intersection = inter_w * inter_h
    area1 = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area2 = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    iou = (intersection / (area1 + area2 - intersection + backend.epsilon())).astype(np.float32)
    if not use_masking:
        return iou
    padding = (boxes1.max(axis=-1) < 0)[..., :, None] | (boxes2.max(axis=-1) < 0)[..., None, :]
    return np.where(padding, np.float32(mask_val), iou)


def _xyxy_only(bounding_box_format, name):
    if bounding_box_format != "xyxy":
        raise NotImplementedError(
            f"{name} takes bounding_box_format='xyxy', as Keras's. Received: "
            f"bounding_box_format={bounding_box_format!r}. Convert the boxes first with "
            "convert_format.")


def _inverse_affine_matrix(center_x, center_y, angle, translate_x, translate_y, scale, shear_x,
                           shear_y, height, width):
    """The (batch, 3, 3) matrices that map output pixels back to input pixels, as Keras's
    affine image transforms compute them (angles in degrees, translations in fractions)."""
    dtype = angle.dtype
    angle, shear_x, shear_y = -angle, -shear_x, -shear_y
    cx = np.multiply(center_x, width - 1)
    cy = np.multiply(center_y, height - 1)
    rot = np.multiply(angle, 1.0 / 180.0 * math.pi)
    tx = np.multiply(-translate_x, width - 1)
    ty = np.multiply(-translate_y, height - 1)
    sx = np.multiply(shear_x, 1.0 / 180.0 * math.pi)
    sy = np.multiply(shear_y, 1.0 / 180.0 * math.pi)
    cos_sy, tan_sx = np.cos(sy), np.tan(sx)
    rot_minus_sy, cx_plus_tx, cy_plus_ty = rot - sy, cx + tx, cy + ty
    a = np.cos(rot_minus_sy) / cos_sy
    b = a * tan_sx + np.sin(rot)
    c = -np.sin(rot_minus_sy) / cos_sy
    d = np.cos(rot) - c * tan_sx
    a0, a1 = np.multiply(d, scale), np.multiply(-b, scale)
    b0, b1 = np.multiply(-c, scale), np.multiply(a, scale)
    a2 = cx - a0 * cx_plus_tx - a1 * cy_plus_ty
    b2 = cy - b0 * cx_plus_tx - b1 * cy_plus_ty
    zeros, ones = np.zeros(angle.shape, dtype), np.ones(angle.shape, dtype)
    matrix = np.stack([a0, a1, a2, b0, b1, b2, zeros, zeros, ones], axis=-1).astype(dtype)
    return matrix.reshape(-1, 3, 3)


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height,
                     width, center_x=None, center_y=None, bounding_box_format="xyxy"):
    """The boxes that enclose the corners of `boxes` moved by an affine transform, as Keras's
    image augmentation layers move them: each box becomes the axis-aligned box around its four
    transformed corners.

    Args:
        boxes: (batch, N, 4) boxes in ``"xyxy"``.
        angle: (batch,) rotation angles in degrees.
        translate_x: (batch,) horizontal shifts, as fractions of ``width - 1``.
        translate_y: (batch,) vertical shifts, as fractions of ``height - 1``.
        scale: (batch,) zoom factors.
        shear_x: (batch,) horizontal shear angles in degrees.
        shear_y: (batch,) vertical shear angles in degrees.
        height: the image height.
        width: the image width.
        center_x: the center of the transform, as a fraction of the width (0.5 by default).
        center_y: likewise for the height.
        bounding_box_format: ``"xyxy"`` only.

    Example:
        >>> one = np.ones(1, "float32")
        >>> affine_transform(np.array([[[0., 0., 4., 2.]]]), 0 * one, 0.5 * one, 0 * one, one,
        ...                  0 * one, 0 * one, height=5, width=5)
        array([[[2., 0., 6., 2.]]], dtype=float32)
    """
    _xyxy_only(bounding_box_format, "affine_transform")
    angle = np.asarray(angle)
    matrix = _inverse_affine_matrix(0.5 if center_x is None else center_x,
                                    0.5 if center_y is None else center_y, angle,
                                    np.asarray(translate_x), np.asarray(translate_y),
                                    np.asarray(scale), np.asarray(shear_x),
                                    np.asarray(shear_y), height, width)
    boxes = np.asarray(boxes).astype(matrix.dtype)
    batch, count = boxes.shape[:2]
    corners = boxes[..., [0, 1, 2, 1, 2, 3, 0, 3]].reshape(batch, count, 4, 2)
    corners = np.concatenate([corners, np.ones((batch, count, 4, 1), matrix.dtype)], axis=-1)
    moved = np.einsum("bnxy,byz->bnxz", corners, matrix[:, :2, :].transpose(0, 2, 1))
    return np.concatenate([moved.min(axis=2), moved.max(axis=2)], axis=-1)


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """The boxes in the coordinates of the crop ``[top, top + height) x [left, left + width)``,
    clipped to it.

    Example:
        >>> crop(np.array([[10., 10., 50., 30.]]), top=20, left=5, height=30, width=30)
        array([[ 5.,  0., 30., 10.]])
    """
    _xyxy_only(bounding_box_format, "crop")
    x1, y1, x2, y2 = _split(np.asarray(boxes))
    return _join(np.clip(x1 - left, 0, width), np.clip(y1 - top, 0, height),
                 np.clip(x2 - left, 0, width), np.clip(y2 - top, 0, height))


def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """The boxes in the coordinates of the image padded by `top` rows and `left` columns.

    Example:
        >>> pad(np.array([[10., 10., 50., 30.]]), top=2, left=3)
        array([[13., 12., 53., 32.]])
    """
    _xyxy_only(bounding_box_format, "pad")
    x1, y1, x2, y2 = _split(np.asarray(boxes))
    return _join(x1 + left, y1 + top, x2 + left, y2 + top)


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """The complete IoU of the boxes of `boxes1` with the boxes of `boxes2` at the same
    positions (elementwise, not all pairs): IoU minus the squared distance of the centers over
    the squared diagonal of the enclosing box, minus ``v * alpha``, the aspect-ratio term.

    Args:
        boxes1: (..., 4) boxes.
        boxes2: (..., 4) boxes of the same shape.
        bounding_box_format: an absolute format (Keras refuses relative ones here).
        image_shape: ``(height, width, channels)`` (unused by absolute formats).

    Example:
        >>> float(compute_ciou(np.array([0., 0., 2., 2.]), np.array([0., 0., 2., 2.]), "xyxy"))
        1.0
    """
    if "rel" in bounding_box_format:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the "
                         f"`image_shape` argument must be provided. Received `image_shape`: "
                         f"{image_shape}")
    height, width = (None, None) if image_shape is None else image_shape[:2]
    x1a, y1a, x2a, y2a = _split(convert_format(boxes1, bounding_box_format, "xyxy", height,
                                               width))
    x1b, y1b, x2b, y2b = _split(convert_format(boxes2, bounding_box_format, "xyxy", height,
                                               width))
    eps = backend.epsilon()
    width1, height1 = x2a - x1a, y2a - y1a + eps
    width2, height2 = x2b - x1b, y2b - y1b + eps
    intersection = np.maximum(np.minimum(x2a, x2b) - np.maximum(x1a, x1b), 0) * np.maximum(
        np.minimum(y2a, y2b) - np.maximum(y1a, y1b), 0)
    union = width1 * height1 + width2 * height2 - intersection + eps
    iou = np.squeeze(intersection / (union + eps), axis=-1)
    convex_width = np.maximum(x2a, x2b) - np.minimum(x1a, x1b)
    convex_height = np.maximum(y2a, y2b) - np.minimum(y1a, y1b)
    diagonal = np.squeeze(convex_width**2 + convex_height**2 + eps, axis=-1)
    distance = np.squeeze(((x1a + x2a) / 2 - (x1b + x2b) / 2) ** 2
                          + ((y1a + y2a) / 2 - (y1b + y2b) / 2) ** 2, axis=-1)
    v = np.squeeze((4 / math.pi**2) * np.power(
        np.arctan(width2 / height2) - np.arctan(width1 / height1), 2), axis=-1)
    alpha = v / (v - iou + (1 + eps))
    return iou - (distance / diagonal + v * alpha)


def _check_encoding(variance, encoding_format, argument):
    if variance is not None:
        variance = np.asarray(variance, dtype="float32")
        if variance.shape[-1] != 4:
            raise ValueError(f"`variance` must be length 4, got {variance}")
    if encoding_format not in ("center_xywh", "center_yxhw"):
        raise ValueError(f"`{argument}` should be 'center_xywh' or 'center_yxhw'. Received: "
                         f"{argument}={encoding_format!r}")
    return variance


def encode_box_to_deltas(anchors, boxes, anchor_format, box_format,
                         encoding_format="center_yxhw", variance=None, image_shape=None):
    """The offsets of `boxes` from `anchors`, as detection heads regress them: the center shift
    over the anchor size, then the log of the size ratio (each divided by `variance`).

    Example:
        >>> encode_box_to_deltas(np.array([[0., 0., 4., 4.]]), np.array([[1., 1., 5., 5.]]),
        ...                      "xyxy", "xyxy", encoding_format="center_xywh")
        array([[0.25, 0.25, 0.  , 0.  ]], dtype=float32)
    """
    variance = _check_encoding(variance, encoding_format, "encoding_format")
    height, width = (None, None) if image_shape is None else image_shape[:2]
    anchors = convert_format(anchors, anchor_format, encoding_format, height, width)
    boxes = convert_format(boxes, box_format, encoding_format, height, width)
    anchor_sizes = np.maximum(anchors[..., 2:], backend.epsilon())
    box_sizes = np.maximum(boxes[..., 2:], backend.epsilon())
    deltas = np.concatenate([(boxes[..., :2] - anchors[..., :2]) / anchor_sizes,
                             np.log(box_sizes / anchor_sizes)], axis=-1)
    return deltas if variance is None else deltas / variance


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format, box_format,
                           encoded_format="center_yxhw", variance=None, image_shape=None):
    """The boxes that `encode_box_to_deltas` encoded (per level when `anchors` and
    `boxes_delta` are dicts of levels).

    Example:
        >>> decode_deltas_to_boxes(np.array([[0., 0., 4., 4.]]), np.array([[.25, .25, 0., 0.]]),
        ...                        "xyxy", "xyxy", encoded_format="center_xywh")
        array([[1., 1., 5., 5.]], dtype=float32)
    """
    variance = _check_encoding(variance, encoded_format, "encoded_format")
    height, width = (None, None) if image_shape is None else image_shape[:2]

    def decode(anchor, delta):
        anchor = convert_format(anchor, anchor_format, encoded_format, height, width)
        delta = np.asarray(delta) if variance is None else np.asarray(delta) * variance
        box = np.concatenate([delta[..., :2] * anchor[..., 2:] + anchor[..., :2],
                              np.exp(delta[..., 2:]) * anchor[..., 2:]], axis=-1)
        return convert_format(box, encoded_format, box_format, height, width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode(anchor, boxes_delta[level]) for level, anchor in anchors.items()}
    return decode(anchors, boxes_delta)
