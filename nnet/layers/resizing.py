"""Resizing: resizes images to a fixed size, in training and inference alike."""

from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS
from nnet.ops import image


@LAYERS.register
class Resizing(BaseImagePreprocessingLayer):
    """Resize images to (height, width) with `nnet.ops.image.resize`.

    Args:
        height, width: the output size.
        interpolation: "bilinear", "nearest", "bicubic", "lanczos3", "lanczos5" or "area".
        crop_to_aspect_ratio: crop the largest centred window of the target aspect ratio first.
        pad_to_aspect_ratio: pad the short side evenly to the target aspect ratio first.
        fill_mode: padding mode for `pad_to_aspect_ratio`; only "constant".
        fill_value: padding value for `pad_to_aspect_ratio`.
        antialias: widen the kernel when downsampling.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Shapes: (N, H, W, C) -> (N, height, width, C) (or unbatched, or channels first).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Resizing(2, 3)(np.ones((1, 4, 4, 3))).shape
        (1, 2, 3, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = height, width
        self.interpolation = self._check_choice(interpolation, image.RESIZE_INTERPOLATIONS,
                                                "interpolation")
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def transform_images(self, images, transformation=None, training=True):
        return image.resize(images, (self.height, self.width), self.interpolation,
                            antialias=self.antialias,
                            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                            fill_mode=self.fill_mode, fill_value=self.fill_value,
                            data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return self._sized_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "height": self.height, "width": self.width, "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
            "fill_value": self.fill_value, "antialias": self.antialias,
            "data_format": self.data_format,
        })
        return config
