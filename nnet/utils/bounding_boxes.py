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
