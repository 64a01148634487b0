"""CutMix: pastes a random box of another image of the batch into each image while training."""

import numpy as np

from nnet import ops, random
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class CutMix(BaseImagePreprocessingLayer):
    """While training, fill a random box of each image with the same box of image p(i), p a
    random permutation of the batch; the box covers a fraction 1 - w of the image, w ~
    Beta(a, a) with a drawn from `factor`. Labels given as ``{"images": ..., "labels": ...}``
    are mixed by the area each image keeps (Yun et al., 2019). Unbatched images pass through.

    Args:
        factor: a number f in [0, 1] (a in [0, f]) or a (lower, upper) pair.
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.stack([np.zeros((4, 4, 1)), np.ones((4, 4, 1))])
        >>> out = nnet.layers.CutMix(seed=2)({"images": x, "labels": np.eye(2)})
        >>> kept = 1 - out["images"].numpy()[0].mean()
        >>> bool(np.isclose(out["labels"].numpy()[0, 0], kept, atol=0.3))
        True
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self._seeded(seed)

    def call(self, data, training=None):
        images = data["images"] if isinstance(data, dict) else data
        if len(images.shape) == 3:
            # Nothing to mix with in a single image.
            return data
        return super().call(data, training=training)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        n = images.shape[0]
        alpha = float(self._uniform((), self.factor[0], self.factor[1])) + 1e-6
        weight = random.beta((n,), alpha, alpha, seed=self.generator).numpy()
        ratio = np.sqrt(1.0 - weight)
        masks, (x0, x1, y0, y1) = self._box_masks(images.shape, ratio, ratio)
        h_axis, w_axis = self._hw_axes(4)
        area = images.shape[h_axis] * images.shape[w_axis]
        weight = (1.0 - (x1 - x0) * (y1 - y0) / area).astype(self.dtype)
        order = random.shuffle(ops.arange(n), seed=self.generator).numpy().astype("int64")
        return order, masks, weight

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        order, masks, _ = transformation
        return ops.where(masks, ops.take(images, order, 0), images)

    def transform_labels(self, labels, transformation, training=True):
        if not training or transformation is None:
            return labels
        order, _, weight = transformation
        labels = ops.cast(labels, self.dtype)
        weight = weight.reshape(-1, 1)
        return ops.add(ops.multiply(weight, labels),
                       ops.multiply(1.0 - weight, ops.take(labels, order, 0)))

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "seed": self.seed})
        return config
