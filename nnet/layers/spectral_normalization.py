"""SpectralNormalization: divides a layer's kernel by its spectral norm while training."""

import numbers

import numpy as np

from nnet import initializers
from nnet.backend import epsilon as default_epsilon
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import LAYERS
from nnet.layers.wrapper import Wrapper


@LAYERS.register
class SpectralNormalization(Wrapper):
    """Wraps a layer with a `kernel` (Dense, convolutions, ...) or `embeddings` (Embedding) and
    keeps that weight's spectral norm at 1 (Miyato et al., 2018), which bounds the layer's
    Lipschitz constant (used to stabilize GAN discriminators).

    On each training call, `power_iterations` steps of the power method on the kernel seen as
    a matrix ``W`` of shape ``(-1, kernel.shape[-1])`` refine the estimate ``u`` (the weight
    ``vector_u``) of its top singular vector, ``v = normalize(u W^T)``,
    ``u = normalize(v W)``; the kernel is then replaced, in place, by ``kernel / (v W u^T)``,
    as Keras does (an all-zero kernel is left as it is). The inner layer then runs with it; its
    gradient is that of the inner layer at the normalized kernel. At inference the kernel is
    used as it is.

    Args:
        layer: the layer to wrap; it must have a `kernel` or an `embeddings` weight.
        power_iterations: the number of power-method steps per training call (positive).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Weights: the inner layer's, with ``vector_u`` (non-trainable, shape
    ``(1, kernel.shape[-1])``) after the kernel, in Keras's order.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.SpectralNormalization(nnet.layers.Dense(3), power_iterations=20)
        >>> _ = layer(np.ones((2, 4)), training=True)
        >>> round(float(np.linalg.norm(layer.kernel.numpy(), 2)), 4)
        1.0
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if (isinstance(power_iterations, bool) or not isinstance(power_iterations, numbers.Integral)
                or power_iterations <= 0):
            raise ValueError(
                f"Expected a positive integer for power_iterations. Received: "
                f"power_iterations={power_iterations!r}"
            )
        self.power_iterations = int(power_iterations)
        self.vector_u = None

    @property
    def kernel(self):
        """The wrapped layer's kernel (or embeddings) Variable."""
        for name in ("kernel", "embeddings"):
            weight = getattr(self.layer, name, None)
            if weight is not None:
                return weight
        raise ValueError(
            f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings': "
            f"SpectralNormalization wraps layers with one (Dense, convolutions, Embedding)."
        )

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = self.kernel
        # Tracked here, before vector_u, for Keras's weight order (kernel, vector_u, bias).
        self._track(kernel)
        self.vector_u = self.add_weight(
            shape=(1, kernel.shape[-1]), name="vector_u", trainable=False, dtype=kernel.dtype,
            initializer=initializers.TruncatedNormal(stddev=0.02),
        )

    def call(self, inputs, training=False):
        if training:
            kernel = self.kernel
            if kernel.data.any():
                vector_u, normalized = self._normalized_weights()
                self.vector_u.assign(vector_u)
                kernel.assign(normalized)
        return self.layer(inputs)

    def _normalized_weights(self):
        """(u, kernel / sigma) from `power_iterations` steps of the power method, as arrays."""
        kernel = self.kernel.data
        w = kernel.reshape(-1, kernel.shape[-1])
        u = self.vector_u.data
        for _ in range(self.power_iterations):
            v = _l2_normalize(u @ w.T)
            u = _l2_normalize(v @ w)
        sigma = (v @ w) @ u.T
        return u, (kernel / sigma).astype(kernel.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}


def _l2_normalize(x):
    """x / ||x|| over all its entries, the inverse norm capped at 1 / epsilon (as Keras)."""
    square_sum = float((x * x).sum())
    inverse = 1 / default_epsilon() if square_sum == 0 else \
        min(1 / np.sqrt(square_sum), 1 / default_epsilon())
    return x * x.dtype.type(inverse)
