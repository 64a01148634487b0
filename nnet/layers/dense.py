"""Dense: the fully connected layer, output = activation(inputs @ kernel + bias)."""

from nnet import activations, constraints, initializers, ops, regularizers
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class Dense(Layer):
    """Densely connected layer: ``output = activation(dot(input, kernel) + bias)``.

    Args:
        units: positive integer, the dimensionality of the output space.
        activation: activation function or name; None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers (``"glorot_uniform"``, ``"zeros"``).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the loss.
        kernel_constraint, bias_constraint: constraints applied after each optimizer update.
        lora_rank: when set, the kernel is frozen and a trainable low-rank update
            ``lora_kernel_a @ lora_kernel_b * (lora_alpha / lora_rank)`` is learned instead.
        lora_alpha: the LoRA scale numerator (defaults to `lora_rank`).
        quantization_config: must be None (Keras's configs carry it; nnet does not quantize).

    Shapes: ``(..., input_dim)`` -> ``(..., units)``.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.Dense(3, activation="relu")
        >>> layer(np.ones((2, 4))).shape
        (2, 3)
        >>> [w.shape for w in layer.weights]
        [(4, 3), (3,)]
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if quantization_config is not None:
            raise ValueError(
                "nnet does not quantize layers: Dense computes in its dtype. Pass "
                f"quantization_config=None. Received: quantization_config={quantization_config!r}"
            )
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Expected a positive integer for units. Received: units={units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Layer '{self.name}' needs a known last input dimension to build its kernel. "
                f"Received input_shape={tuple(input_shape)}."
            )
        self.kernel = self.add_weight(
            shape=(input_dim, self.units), initializer=self.kernel_initializer, name="kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,), initializer=self.bias_initializer, name="bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze the kernel and learn a rank-`rank` update of it instead (LoRA)."""
        if self.lora_enabled:
            raise ValueError(
                f"LoRA is already enabled on layer '{self.name}'. Call enable_lora only once."
            )
        self.kernel.trainable = False
        self.lora_kernel_a = self.add_weight(
            shape=(self.kernel.shape[0], rank), initializer=a_initializer, name="lora_kernel_a"
        )
        self.lora_kernel_b = self.add_weight(
            shape=(rank, self.units), initializer=b_initializer, name="lora_kernel_b"
        )
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank
        self.lora_enabled = True

    def call(self, inputs):
        kernel = self.kernel
        if self.lora_enabled:
            update = ops.matmul(self.lora_kernel_a, self.lora_kernel_b)
            kernel = kernel + update * (self.lora_alpha / self.lora_rank)
        if self.__dict__.get("_fused_for") is not self.activation:
            # Decided once per activation: the fused kernel applies relu/tanh in one node.
            self.__dict__["_fused"] = activations.fused(self.activation)
            self.__dict__["_fused_for"] = self.activation
        kernel_activation, rest = self._fused
        outputs = ops.dense(inputs, kernel, self.bias, kernel_activation)
        return outputs if rest is None else rest(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        })
        if self.lora_rank:
            config.update({"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha})
        return config

