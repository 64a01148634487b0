"""RandomGaussianBlur: blurs images with a random Gaussian kernel width while training."""

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS
from nnet.ops import image


@LAYERS.register
class RandomGaussianBlur(BaseImagePreprocessingLayer):
    """While training, blur each image with a probability drawn from `factor`, by
    `nnet.ops.image.gaussian_blur` with two standard deviations drawn (once per batch, as in
    Keras) from `sigma`, then clip to `value_range`.

    Args:
        factor: a number f in [0, 1] (probabilities in [0, f]) or a (lower, upper) pair.
        kernel_size: an odd int, or a pair of odd ints.
        sigma: a number s in [0, 1] (standard deviations in [0, s]) or a (lower, upper) pair.
        value_range: the (min, max) of the pixel values.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.zeros((1, 5, 5, 1)); x[0, 2, 2] = 100.0
        >>> y = nnet.layers.RandomGaussianBlur((1.0, 1.0), sigma=(1.0, 1.0))(x).numpy()
        >>> bool(y[0, 2, 2, 0] < 100 and y[0, 1, 2, 0] > 0)
        True
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        sizes = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else \
            (kernel_size, kernel_size)
        if len(sizes) != 2 or any(not isinstance(k, int) or k < 1 or k % 2 == 0 for k in sizes):
            raise ValueError(
                f"Expected `kernel_size` to be an odd positive integer or a pair of them. "
                f"Received: kernel_size={kernel_size}"
            )
        self.kernel_size = sizes
        self.sigma = self._factor_pair(sigma, "sigma", 0.0, 1.0)
        if not isinstance(sigma, (tuple, list)):
            self.sigma = (0.0, self.sigma[1])
        self.value_range = value_range
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        apply = self._random_apply(images.shape[0])
        sigma = self._uniform((2,), self.sigma[0], self.sigma[1]) + 1e-6
        return apply, tuple(sigma.tolist())

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        apply, sigma = transformation
        blurred = image.gaussian_blur(images, self.kernel_size, sigma,
                                      data_format=self.data_format)
        return ops.clip(ops.where(apply, blurred, images), self.value_range[0],
                        self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "kernel_size": self.kernel_size,
                       "sigma": self.sigma, "value_range": self.value_range,
                       "seed": self.seed})
        return config
