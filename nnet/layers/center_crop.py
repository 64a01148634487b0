"""CenterCrop: crops the centre of images, in training and inference alike."""

from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS
from nnet.ops import image


@LAYERS.register
class CenterCrop(BaseImagePreprocessingLayer):
    """Crop the central (height, width) window of images. An image smaller than that is
    first resized (bilinear) from its largest centred window of the target aspect ratio.

    Args:
        height, width: the output size.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Shapes: (N, H, W, C) -> (N, height, width, C) (or unbatched, or channels first).

    Example:
        >>> import numpy as np, nnet
        >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
        >>> nnet.layers.CenterCrop(2, 2)(x).numpy()[0, :, :, 0]
        array([[ 5.,  6.],
               [ 9., 10.]], dtype=float32)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = height, width

    def transform_images(self, images, transformation=None, training=True):
        h_axis, w_axis = self._hw_axes(len(images.shape))
        h_diff = images.shape[h_axis] - self.height
        w_diff = images.shape[w_axis] - self.width
        if h_diff >= 0 and w_diff >= 0:
            return image.crop_images(images, h_diff // 2, w_diff // 2, target_height=self.height,
                                     target_width=self.width, data_format=self.data_format)
        return image.resize(images, (self.height, self.width), crop_to_aspect_ratio=True,
                            data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return self._sized_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width,
                       "data_format": self.data_format})
        return config
