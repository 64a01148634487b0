"""UpSampling2D: enlarges images by integer factors, by nearest or bilinear interpolation."""

from nnet import ops
from nnet.layers.base_up_sampling import BaseUpSampling
from nnet.layers.layer import LAYERS


@LAYERS.register
class UpSampling2D(BaseUpSampling):
    """Enlarges images `size` = (rows, cols) times.

    ``"nearest"`` repeats each pixel; the other interpolations resize with
    `nnet.ops.image.resize`, as Keras does (``"bilinear"`` interpolates between pixel centres).

    Args:
        size: an integer or 2 integers, the factors of (rows, cols). Default (2, 2).
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        interpolation: ``"nearest"`` (default) or one of
            ``nnet.ops.image.RESIZE_INTERPOLATIONS`` (``"bilinear"``).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, rows, cols, channels)`` -> ``(batch, rows * size[0], cols * size[1],
    channels)`` (channels second for channels_first).

    Example:
        >>> import numpy as np, nnet
        >>> x = np.array([0.0, 1.0]).reshape(1, 1, 2, 1)
        >>> nnet.layers.UpSampling2D((1, 2), interpolation="bilinear")(x).numpy().ravel()
        array([0.  , 0.25, 0.75, 1.  ], dtype=float32)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, 2, data_format, **kwargs)
        self.interpolation = str(interpolation).lower()
        if self.interpolation not in ops.image.RESIZE_INTERPOLATIONS:
            raise ValueError(
                f"Expected one of {ops.image.RESIZE_INTERPOLATIONS} for interpolation. "
                f"Received: interpolation={interpolation!r}"
            )

    def call(self, inputs):
        if self.interpolation == "nearest":
            return self._repeat(inputs)
        new_size = self.compute_output_shape(tuple(inputs.shape))[self._first:self._first + 2]
        return ops.image.resize(inputs, new_size, self.interpolation,
                                data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        config["interpolation"] = self.interpolation
        return config
