"""Equalization: equalizes the histogram of each channel while training."""

import numpy as np

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class Equalization(BaseImagePreprocessingLayer):
    """While training, map each channel through its cumulative histogram (`bins` bins on the
    [0, 255] scale, counted over the whole batch as Keras counts them), so that its values
    spread evenly; a channel with a single occupied bin is left as it is. Not differentiable.

    Args:
        value_range: the (min, max) of the pixel values.
        bins: the number of histogram bins.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.array([[[[10.0], [20.0], [20.0], [30.0]]]])
        >>> nnet.layers.Equalization()(x).numpy()[0, 0, :, 0]
        array([  0., 170., 170., 255.], dtype=float32)
    """

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self.value_range = self._value_range(value_range)

    def _equalize(self, channel):
        """One channel (any shape, on the [0, 255] scale) equalized."""
        index = np.clip((channel * (self.bins - 1) / 255.0).astype(np.int32), 0, self.bins - 1)
        hist = np.bincount(index.ravel(), minlength=self.bins)
        if np.count_nonzero(hist) <= 1:
            return channel
        cdf = np.cumsum(hist)
        cdf_min = cdf[np.nonzero(cdf)[0][0]]
        denominator = (cdf[-1] - cdf_min) or 1
        table = np.clip(np.round((cdf - cdf_min) * 255 / denominator), 0, 255)
        return table[np.clip((channel / 255.0) * (self.bins - 1), 0, self.bins - 1)
                     .astype(np.int32)]

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        x = ops.convert_to_numpy(self._rescale(images, self.value_range, (0, 255)))
        axis = 3 if self.data_format == "channels_last" else 1
        out = np.stack([self._equalize(c) for c in np.moveaxis(x, axis, 0)], axis=axis)
        return self._rescale(ops.convert_to_tensor(out.astype(self.dtype)), (0, 255),
                             self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"bins": self.bins, "value_range": self.value_range})
        return config
