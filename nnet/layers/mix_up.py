"""MixUp: blends each image (and its label) with another image of the batch while training."""

from nnet import ops, random
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class MixUp(BaseImagePreprocessingLayer):
    """While training, ``w x_i + (1 - w) x_p(i)`` for a random permutation p of the batch and
    w ~ Beta(alpha, alpha) per image; labels given as ``{"images": ..., "labels": ...}`` are
    mixed with the same weights (Zhang et al., 2018).

    Args:
        alpha: the Beta distribution's parameter.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> out = nnet.layers.MixUp(seed=0)({"images": np.random.random((4, 2, 2, 3)),
        ...                                  "labels": np.eye(4)})
        >>> np.allclose(out["labels"].numpy().sum(axis=1), 1)
        True
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.alpha = alpha
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        n = images.shape[0]
        order = random.shuffle(ops.arange(n), seed=self.generator).numpy().astype("int64")
        weight = random.beta((n,), self.alpha, self.alpha, seed=self.generator).numpy()
        return order, weight.astype(self.dtype)

    def _mix(self, x, transformation):
        order, weight = transformation
        weight = weight.reshape((-1,) + (1,) * (len(x.shape) - 1))
        return ops.add(ops.multiply(weight, x), ops.multiply(1.0 - weight, ops.take(x, order, 0)))

    def transform_images(self, images, transformation, training=True):
        return self._mix(images, transformation) if training else images

    def transform_labels(self, labels, transformation, training=True):
        if not training:
            return labels
        return self._mix(ops.cast(labels, self.dtype), transformation)

    def get_config(self):
        config = super().get_config()
        config.update({"alpha": self.alpha, "seed": self.seed})
        return config
