"""RandomElasticTransform: warps images by smooth random displacements while training."""

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS
from nnet.ops import image
from nnet.ops.image_warp import FILL_MODES


@LAYERS.register
class RandomElasticTransform(BaseImagePreprocessingLayer):
    """While training, warp each image (with a probability drawn from `factor`) by
    `nnet.ops.image.elastic_transform`, with alpha = 0.1 s max(H, W) and
    sigma = 0.05 s min(H, W) for a scale s drawn once per batch from `scale`; clipped to
    `value_range`.

    Args:
        factor: a number f in [0, 1] (probabilities in [0, f]) or a (lower, upper) pair.
        scale: a number s in [0, 1] (scales in [0, s]) or a (lower, upper) pair.
        interpolation: "bilinear" or "nearest".
        fill_mode: "constant", "nearest", "wrap", "mirror" or "reflect".
        fill_value: the value outside the image in "constant" mode.
        value_range: the (min, max) of the pixel values.
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.random.random((2, 8, 8, 3)) * 255
        >>> y = nnet.layers.RandomElasticTransform(seed=0)(x).numpy()
        >>> y.shape, bool(np.allclose(y, x))
        ((2, 8, 8, 3), False)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = self._factor_pair(scale, "scale", 0.0, 1.0)
        if not isinstance(scale, (tuple, list)):
            self.scale = (0.0, self.scale[1])
        self.interpolation = self._check_choice(interpolation, ("nearest", "bilinear"),
                                                "interpolation")
        self.fill_mode = self._check_choice(fill_mode, FILL_MODES, "fill_mode")
        self.fill_value = fill_value
        self.value_range = value_range
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        apply = self._random_apply(images.shape[0])
        return apply, float(self._uniform((), self.scale[0], self.scale[1]))

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        apply, scale = transformation
        h_axis, w_axis = self._hw_axes(4)
        height, width = images.shape[h_axis], images.shape[w_axis]
        warped = image.elastic_transform(
            images, alpha=max(height, width) * 0.1 * scale, sigma=min(height, width) * 0.05 *
            scale, interpolation=self.interpolation, fill_mode=self.fill_mode,
            fill_value=self.fill_value, seed=self.generator, data_format=self.data_format)
        return ops.clip(ops.where(apply, warped, images), self.value_range[0],
                        self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                       "fill_value": self.fill_value, "value_range": self.value_range,
                       "seed": self.seed})
        return config
