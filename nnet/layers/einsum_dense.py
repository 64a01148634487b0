"""EinsumDense: a dense layer whose product with the kernel is an einsum equation."""

import re

from nnet import activations, constraints, initializers, ops, regularizers
from nnet.initializers.random_initializers import VarianceScaling
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class EinsumDense(Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``, of any dimensionality.

    The equation has the form ``"ab,bc->ac"``, ``"...ab,bc->...ac"`` or ``"ab...,bc->ac..."``:
    the first term names the input's axes, the second the kernel's, the third the output's.
    The kernel's shape follows from the input shape and `output_shape`; the bias spans the
    output axes named in `bias_axes` (from the first of them to the last output axis, size 1
    along the others).

    Args:
        equation: the einsum equation, as above.
        output_shape: the output's shape without the batch axis and the axes under an
            ellipsis (an int for one axis); None entries take the input's size.
        activation: activation function or name; None means linear.
        bias_axes: a string of output letters to add a bias along, or None for no bias.
        kernel_initializer, bias_initializer: initializers (``"glorot_uniform"``, ``"zeros"``).
            A variance-scaling kernel initializer counts its fans over the kernel's input and
            output axes, as in Keras.
        kernel_regularizer, bias_regularizer: penalties added to the loss.
        kernel_constraint, bias_constraint: constraints applied after each optimizer update.
        lora_rank: when set, the kernel is frozen and a trainable low-rank update
            ``lora_kernel_a @ lora_kernel_b * (lora_alpha / lora_rank)`` (factored over the
            kernel's last axis) is learned instead.
        lora_alpha: the LoRA scale numerator (defaults to `lora_rank`).
        gptq_unpacked_column_size, quantization_config: must be None (Keras's configs carry
            them; nnet does not quantize).
        **kwargs: base Layer arguments (``name``, ``dtype``, ``activity_regularizer``, ...).

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 8),
        ...                                 bias_axes="de")
        >>> layer(np.ones((4, 3, 16))).shape
        (4, 3, 2, 8)
        >>> [w.shape for w in layer.weights]
        [(16, 2, 8), (2, 8)]
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("gptq_unpacked_column_size", gptq_unpacked_column_size),
                            ("quantization_config", quantization_config)):
            if value is not None:
                raise ValueError(
                    f"nnet does not quantize layers: EinsumDense computes in its dtype. Pass "
                    f"{name}=None. Received: {name}={value!r}"
                )
        if not isinstance(equation, str):
            raise ValueError(f"Expected an einsum equation string for equation, e.g. "
                             f"'ab,bc->ac'. Received: equation={equation!r}")
        self.equation = equation
        self.partial_output_shape = ((output_shape,) if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = _analyze(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self.input_spec = InputSpec(ndim=len(input_shape))
        initializer = self.kernel_initializer
        if isinstance(initializer, VarianceScaling) and (
                initializer.input_axes is None or initializer.output_axes is None):
            initializer = type(initializer).from_config(
                {**initializer.get_config(), "input_axes": input_axes,
                 "output_axes": output_axes})
        self._kernel = self.add_weight(
            shape=kernel_shape, initializer=initializer, name="kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(
                shape=bias_shape, initializer=self.bias_initializer, name="bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        self._dense_plan = _dense_plan(self.equation, self.bias_axes, len(kernel_shape))
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    @property
    def kernel(self):
        """The kernel in use: the stored one, plus the scaled LoRA update when enabled."""
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        if not self.lora_enabled:
            return self._kernel
        update = ops.matmul(self.lora_kernel_a, self.lora_kernel_b)
        return self._kernel + update * (self.lora_alpha / self.lora_rank)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freeze the kernel and learn a rank-`rank` update of it instead (LoRA)."""
        if self.kernel_constraint:
            raise ValueError("Lora is incompatible with kernel constraints. In order to enable "
                             "lora on this layer, remove the `kernel_constraint` argument.")
        if not self.built:
            raise ValueError("Cannot enable lora on a layer that isn't yet built.")
        if self.lora_enabled:
            raise ValueError("lora is already enabled. This can only be done once per layer.")
        shape = self._kernel.shape
        self.lora_kernel_a = self.add_weight(
            shape=shape[:-1] + (rank,), initializer=initializers.get(a_initializer),
            name="lora_kernel_a", regularizer=self.kernel_regularizer,
        )
        self.lora_kernel_b = self.add_weight(
            shape=(rank, shape[-1]), initializer=initializers.get(b_initializer),
            name="lora_kernel_b", regularizer=self.kernel_regularizer,
        )
        self._kernel.trainable = False
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    def call(self, inputs, training=None):
        plan = self.__dict__.get("_dense_plan")
        if plan is not None:
            return self._call_dense(inputs, *plan)
        x = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        if self.activation is not None:
            x = self.activation(x)
        return x

    def _call_dense(self, inputs, contracted, made):
        """The equation as one fused dense product: the input's last `contracted` axes against
        the kernel's first ones, making the kernel's last `made` axes (the bias spans them)."""
        kernel = self.kernel
        shape = tuple(inputs.shape)
        free = shape[:len(shape) - contracted]
        size_in = _product(kernel.shape[:contracted])
        if contracted != 1:
            inputs = ops.reshape(inputs, free + (size_in,))
        if made != 1 or contracted != 1:
            kernel = ops.reshape(kernel, (size_in, -1))
        bias = self.bias
        if bias is not None and bias.ndim != 1:
            bias = ops.reshape(bias, (-1,))
        if self.__dict__.get("_fused_for") is not self.activation:
            self.__dict__["_fused"] = activations.fused(self.activation)
            self.__dict__["_fused_for"] = self.activation
        kernel_activation, rest = self._fused
        outputs = ops.dense(inputs, kernel, bias, kernel_activation)
        if made != 1:
            outputs = ops.reshape(outputs, free + tuple(self._kernel.shape[contracted:]))
        return outputs if rest is None else rest(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(_analyze(self.equation, self.bias_axes, input_shape,
                              self.partial_output_shape)[2])

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        })
        if self.lora_rank:
            config.update({"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha})
        return config


_FORMS = (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False))


def _dense_plan(equation, bias_axes, kernel_ndim):
    """(contracted, made) when `equation` is a dense product (the input's trailing axes against
    the kernel's leading ones, in order; the output is the input's other axes then the kernel's
    rest; a bias spans exactly those), else None."""
    match = re.fullmatch(_FORMS[0][0], equation.replace("...", "0")) or re.fullmatch(
        _FORMS[1][0], equation.replace("...", "0"))
    if match is None:
        return None
    x, w, out = match.groups()
    contracted = next((n for n in range(len(x), 0, -1) if w.startswith(x[-n:])), 0)
    made = w[contracted:]
    if (not contracted or len(set(x + made)) != len(x) + len(made)
            or out != x[:len(x) - contracted] + made
            or (bias_axes is not None and sorted(bias_axes) != sorted(made))):
        return None
    return contracted, len(made)


def _product(values):
    result = 1
    for v in values:
        result *= int(v)
    return result


def _analyze(equation, bias_axes, input_shape, output_shape):
    """(kernel shape, bias shape or None, full output shape, kernel input axes, kernel output
    axes) for `equation` on inputs of `input_shape`, as Keras derives them."""
    replaced = equation.replace("...", "0")
    for pattern, left_elided in _FORMS:
        match = re.fullmatch(pattern, replaced)
        if match:
            return _analyze_split(*match.groups(), bias_axes, tuple(input_shape),
                                  output_shape, left_elided)
    raise ValueError(
        f"Invalid einsum equation '{equation}'. Equations must be in the form "
        "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
    )


def _analyze_split(input_spec, weight_spec, output_spec, bias_axes, input_shape, output_shape,
                   left_elided):
    elided = len(input_shape) - len(input_spec)
    full = [input_shape[0], *output_shape]
    if elided > 0 and left_elided:
        full[1:1] = input_shape[1:elided]
    elif elided > 0:
        full.extend(input_shape[len(input_shape) - elided:])
    if left_elided:
        input_index = {c: i + elided - len(input_shape) for i, c in enumerate(input_spec)}
        output_index = {c: i + elided for i, c in enumerate(output_spec)}
    else:
        input_index = {c: i for i, c in enumerate(input_spec)}
        output_index = {c: i for i, c in enumerate(output_spec)}
    for c in input_spec:
        if c in output_index:
            size = full[output_index[c]]
            if size is not None and size != input_shape[input_index[c]]:
                raise ValueError(
                    f"Input shape and output shape do not match at shared dimension '{c}'. "
                    f"Input shape is {input_shape[input_index[c]]}, and output shape is {size}."
                )
    for c in output_spec:
        if c not in input_spec and c not in weight_spec:
            raise ValueError(
                f"Dimension '{c}' was specified in the output '{output_spec}' but has no "
                f"corresponding dim in the input spec '{input_spec}' or weight spec "
                f"'{weight_spec}'"
            )
    kernel_shape, input_axes, output_axes = [], [], []
    for i, c in enumerate(weight_spec):
        if c in output_index:
            kernel_shape.append(full[output_index[c]])
            output_axes.append(i)
        elif c in input_index:
            kernel_shape.append(input_shape[input_index[c]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"Weight dimension '{c}' did not have a match in either the input spec "
                f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the "
                f"weight must be fully specified."
            )
    bias_shape = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in output_spec:
                raise ValueError(f"Bias dimension '{c}' was requested, but is not part of the "
                                 f"output spec '{output_spec}'")
        offset = elided if left_elided else 0
        sizes = {c: full[i + offset] for i, c in enumerate(output_spec)}
        first = min(output_spec.find(c) for c in bias_axes)
        bias_shape = [sizes[c] if c in bias_axes else 1 for c in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * max(elided, 0))
    return kernel_shape, bias_shape, full, input_axes, output_axes
