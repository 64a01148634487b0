"""AugMix: mixes the image with chains of random augmentations of it."""

from nnet import ops, random
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS
from nnet.layers.rand_augment import augmentation_layers

AUGMENTATIONS_ALL = ("random_shear", "random_translation", "random_rotation",
                     "random_posterization", "solarization", "auto_contrast", "equalization",
                     "random_brightness", "random_color_degeneration", "random_contrast",
                     "random_sharpness")
AUGMENTATIONS = AUGMENTATIONS_ALL[:7]


@LAYERS.register
class AugMix(BaseImagePreprocessingLayer):
    """While training, ``m x + (1 - m) sum_k w_k chain_k(x)`` (Hendrycks et al., 2020): each
    of `num_chains` chains applies up to `chain_depth` augmentations picked at random (each
    step may also be skipped), w ~ Dirichlet(alpha), m ~ Beta(alpha, alpha), then clips to
    `value_range`. The picks are drawn from the layer's generator, so a seed repeats them.

    Args:
        value_range: the (min, max) of the pixel values.
        num_chains: how many chains are mixed.
        chain_depth: the most augmentations per chain.
        factor: a number f in [0, 1] (the pair (0, f)) or a (lower, upper) pair: the strength
            of every augmentation.
        alpha: the Dirichlet and Beta parameter.
        all_ops: also use brightness, colour degeneration, contrast and sharpness (the
            geometric ones, posterization, solarization, auto-contrast and equalization always).
        interpolation: "bilinear" or "nearest", for the geometric ones.
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.AugMix(seed=0)(np.random.random((2, 8, 8, 3)) * 255).shape
        (2, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3,
                 alpha=1.0, all_ops=True, interpolation="bilinear", seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self._set_factor(factor)
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self._seeded(seed)
        self._names = AUGMENTATIONS_ALL if all_ops else AUGMENTATIONS
        self._augmentations = augmentation_layers(self, self._names, interpolation)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        gamma = random.gamma((self.num_chains,), self.alpha, dtype="float64",
                             seed=self.generator).numpy()
        weights = gamma / gamma.sum()
        keep = float(random.beta((), self.alpha, self.alpha, dtype="float64",
                                 seed=self.generator).numpy())
        # len(names) picks a skipped step, as Keras's choice among the names and None.
        picks = random.randint((self.num_chains, self.chain_depth), 0, len(self._names) + 1,
                               seed=self.generator).numpy()
        chains = [[self._names[i] for i in row if i < len(self._names)] for row in picks]
        return weights, keep, chains

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        weights, keep, chains = transformation
        mixed = None
        for weight, chain in zip(weights, chains):
            x = images
            for name in chain:
                step = self._augmentations[name]
                x = step.transform_images(x, step.get_random_transformation(x))
            term = ops.multiply(x, float(weight))
            mixed = term if mixed is None else ops.add(mixed, term)
        out = ops.add(ops.multiply(images, keep), ops.multiply(mixed, 1.0 - keep))
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({
            "value_range": self.value_range, "num_chains": self.num_chains,
            "chain_depth": self.chain_depth, "factor": self.factor, "alpha": self.alpha,
            "all_ops": self.all_ops, "interpolation": self.interpolation, "seed": self.seed,
        })
        return config
