"""Image files to arrays and back, as in ``keras.utils``: `load_img`, `img_to_array`,
`array_to_img`, `save_img`.

Pillow is imported only when one of these functions runs (``pip install "nnet[image]"``).
"""

import io
import os
import pathlib
import tempfile
import warnings

import numpy as np

from nnet.backend import floatx, standardize_data_format

_INSTALL_HINT = 'pip install "nnet[image]"'
PIL_INTERPOLATION_METHODS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pil_image(caller):
    """PIL.Image, or an ImportError that names the extra to install."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            f"{caller} needs Pillow, which is not installed: `{_INSTALL_HINT}` "
            f"(or `pip install pillow`)."
        ) from error
    return Image


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A (height, width, channels) array as a PIL image (1: "L" or "I", 3: "RGB", 4: "RGBA").

    Args:
        x: a rank-3 array.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        scale: rescale the values to [0, 255] (min to 0, max to 255) first.
        dtype: the dtype the array is read as (floatx by default).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.utils.array_to_img(np.random.random((4, 5, 3))).size
        (5, 4)
    """
    data_format = standardize_data_format(data_format)
    image = _pil_image("array_to_img")
    x = np.array(x, dtype=dtype or floatx())
    if x.ndim != 3:
        raise ValueError(
            f"Expected image array to have rank 3 (single image). Got array with shape: "
            f"{x.shape}"
        )
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(
        f"Unsupported channel number: {channels}. Expected 1, 3 or 4 channels "
        f"(array shape {x.shape})."
    )


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image as a rank-3 array (a channel axis of 1 for grayscale images).

    Args:
        img: a PIL image (or anything ``np.asarray`` reads as a rank 2 or 3 array).
        data_format: "channels_last" or "channels_first" (None: the configured default).
        dtype: the array's dtype (floatx by default).

    Example:
        >>> import numpy as np, nnet
        >>> img = nnet.utils.array_to_img(np.ones((4, 5, 1)), scale=False)
        >>> nnet.utils.img_to_array(img).shape
        (4, 5, 1)
    """
    data_format = standardize_data_format(data_format)
    x = np.asarray(img, dtype=dtype or floatx())
    if x.ndim == 2:
        x = x[None] if data_format == "channels_first" else x[..., None]
    elif x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}. Expected a rank 2 or 3 image.")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save a (height, width, channels) array as an image file.

    A path is written atomically: the image goes to a temporary file beside it, which then
    replaces `path`, so that a failed write never leaves a truncated image.

    Args:
        path: a path, or a file object (then give `file_format`).
        x: a rank-3 array.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        file_format: "png", "jpeg", ... (by default from the file name's extension).
        scale: rescale the values to [0, 255] first.
        **kwargs: passed to ``PIL.Image.save``.

    Example:
        >>> import numpy as np, nnet, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
        >>> nnet.utils.save_img(path, np.random.random((4, 5, 3)))
        >>> nnet.utils.load_img(path).size
        (5, 4)
    """
    data_format = standardize_data_format(data_format)
    is_path = isinstance(path, (str, os.PathLike))
    if file_format is None and is_path:
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    if not is_path:
        img.save(path, format=file_format, **kwargs)
        return
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-",
                                         suffix=pathlib.Path(path).suffix)
    try:
        with os.fdopen(handle, "wb") as f:
            img.save(f, format=file_format or None, **kwargs)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _open(path, image):
    if isinstance(path, io.BytesIO):
        return image.open(path)
    if isinstance(path, (str, bytes, os.PathLike)):
        with open(path, "rb") as f:
            return image.open(io.BytesIO(f.read()))
    raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")


def _convert(img, color_mode):
    """`img` in the mode that `color_mode` asks for (16- and 32-bit grayscale kept)."""
    if color_mode == "grayscale":
        return img if img.mode in ("L", "I;16", "I") else img.convert("L")
    if color_mode in ("rgb", "rgba"):
        mode = color_mode.upper()
        return img if img.mode == mode else img.convert(mode)
    raise ValueError(
        f'color_mode must be "grayscale", "rgb", or "rgba". Received: color_mode={color_mode!r}'
    )


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Load an image file as a PIL image.

    Args:
        path: a path or an ``io.BytesIO``.
        color_mode: "grayscale", "rgb" or "rgba".
        target_size: None (the file's size) or (height, width).
        interpolation: PIL's resampling for `target_size`: "nearest", "bilinear", "bicubic",
            "hamming", "box" or "lanczos".
        keep_aspect_ratio: resize the largest centred crop of the target aspect ratio, not the
            whole image.

    Example:
        >>> import numpy as np, nnet, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
        >>> nnet.utils.save_img(path, np.random.random((8, 6, 3)))
        >>> img = nnet.utils.load_img(path, "grayscale", target_size=(4, 4))
        >>> nnet.utils.img_to_array(img).shape
        (4, 4, 1)
    """
    image = _pil_image("load_img")
    img = _convert(_open(path, image), color_mode)
    if target_size is None:
        return img
    width_height = (int(target_size[1]), int(target_size[0]))
    if img.size == width_height:
        return img
    if interpolation not in PIL_INTERPOLATION_METHODS:
        raise ValueError(
            f"Invalid interpolation method {interpolation!r} specified. Supported methods are "
            f"{', '.join(PIL_INTERPOLATION_METHODS)}"
        )
    resample = getattr(image.Resampling, interpolation.upper())
    if not keep_aspect_ratio:
        return img.resize(width_height, resample)
    width, height = img.size
    crop_height = min(height, (width * width_height[1]) // width_height[0])
    crop_width = min(width, (height * width_height[0]) // width_height[1])
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return img.resize(width_height, resample,
                      box=[left, top, left + crop_width, top + crop_height])
