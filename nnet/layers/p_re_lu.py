"""PReLU: the leaky rectified linear unit whose negative slopes are learned."""

from nnet import constraints, initializers, ops, regularizers
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class PReLU(Layer):
    """Parametric ReLU: ``x`` where ``x > 0``, ``alpha * x`` elsewhere, with `alpha` learned.

    `alpha` has the input's shape without the batch axis, with size 1 along `shared_axes`.

    Args:
        alpha_initializer: initializer of `alpha` (``"Zeros"``: the layer starts as a ReLU).
        alpha_regularizer: penalty on `alpha`, added to the loss.
        alpha_constraint: constraint applied to `alpha` after each optimizer update.
        shared_axes: axis or axes (counting the batch axis as 0) along which one slope is
            shared, e.g. ``[1, 2]`` for one slope per channel of an image ``(N, H, W, C)``.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.PReLU(alpha_initializer=nnet.initializers.Constant(0.1))
        >>> layer(np.array([[-10.0, 5.0]])).numpy()
        array([[-1.,  5.]], dtype=float32)
        >>> layer.alpha.shape
        (2,)
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]
        for axis in self.shared_axes or ():
            if not isinstance(axis, int) or axis < 1:
                raise ValueError(
                    f"Expected positive axis indices (the batch axis 0 cannot be shared) for "
                    f"shared_axes. Received: shared_axes={shared_axes!r}"
                )

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if axis >= len(input_shape):
                raise ValueError(
                    f"Layer '{self.name}' cannot share axis {axis} of inputs of rank "
                    f"{len(input_shape)}. Received: shared_axes={self.shared_axes}, "
                    f"input_shape={tuple(input_shape)}"
                )
            param_shape[axis - 1] = 1
        self.alpha = self.add_weight(
            shape=param_shape, name="alpha", initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer, constraint=self.alpha_constraint,
        )
        axes = {i: input_shape[i] for i in range(1, len(input_shape))
                if i not in (self.shared_axes or ())}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs):
        return ops.where(inputs > 0, inputs, self.alpha * inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
