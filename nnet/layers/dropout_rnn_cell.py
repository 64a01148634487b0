"""DropoutRNNCell: what SimpleRNNCell, LSTMCell, GRUCell and ConvLSTMCell share (arguments,
weights, dropout)."""

from nnet import activations, constraints, initializers, ops, random, regularizers
from nnet.layers.layer import Layer
from nnet.ops.rnn import RECURRENT_ACTIVATIONS


class DropoutRNNCell(Layer):
    """Base of the built-in recurrent cells: their arguments, weights and dropout masks.

    A cell computes one time step, ``call(inputs, states, training) -> (output, new_states)``;
    `nnet.layers.RNN` runs it over a sequence. Dropout masks are drawn once per sequence, at
    the first step, and kept until the RNN layer resets them after the sequence, as in Keras.
    Subclasses set `gates` (kernel columns per unit) and may define
    ``_sequence(sequences, states, mask, go_backwards, training)``, which runs a whole sequence
    (as one primitive, or with the work of all steps that does not depend on the states done at
    once).

    Args:
        units: positive integer, the dimensionality of the output and state.
        activation: the activation of the output (tanh).
        use_bias: whether the cell has a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers of the input
            kernel, the recurrent kernel and the bias.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: their penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: their constraints.
        dropout: the fraction of the inputs to drop (0 to 1).
        recurrent_dropout: the fraction of the recurrent state to drop (0 to 1).
        seed: the seed of the dropout masks.

    Example:
        >>> import nnet
        >>> cell = nnet.layers.SimpleRNNCell(4, dropout=0.5, seed=1)
        >>> cell.get_dropout_mask(nnet.ops.ones((2, 3))).shape
        (2, 3)
    """

    gates = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"Received an invalid value for argument `units`, expected a positive integer. "
                f"Received: units={units!r}"
            )
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.state_size = units
        self.output_size = units
        # The number of masks per dropout (one per gate) when the gates are computed apart.
        self.dropout_mask_count = None
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def _build_weights(self, input_dim, bias_shape, bias_initializer=None):
        self.kernel = self.add_weight(
            shape=(input_dim, self.units * self.gates), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units * self.gates), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=bias_shape, name="bias",
                initializer=bias_initializer or self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )

    def _create_dropout_mask(self, step_input, rate):
        ones = ops.ones_like(step_input)
        if self.dropout_mask_count is None:
            return random.dropout(ones, rate=rate, seed=self.seed_generator)
        return [random.dropout(ones, rate=rate, seed=self.seed_generator)
                for _ in range(self.dropout_mask_count)]

    def get_dropout_mask(self, step_input):
        """The input dropout mask of the current sequence (drawn at its first step), or None."""
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_input):
        """The recurrent dropout mask of the current sequence, or None."""
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(
                step_input, self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self):
        """Forget the input dropout mask: the next sequence draws a new one."""
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        """Forget the recurrent dropout mask: the next sequence draws a new one."""
        self._recurrent_dropout_mask = None

    def get_initial_state(self, batch_size=None):
        """Zero states, one (batch_size, units) array per state."""
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ops.zeros((batch_size, n), dtype=self.dtype) for n in sizes]

    def _fused_activations(self, training, *functions):
        """The activation names for the sequence primitive, or None when this call must run
        step by step (an activation the primitive lacks, or per-gate dropout in training)."""
        if training and (self.recurrent_dropout > 0
                         or (self.dropout > 0 and self.dropout_mask_count)):
            return None
        names = [activations.serialize(f) for f in functions]
        if all(isinstance(n, str) and n in RECURRENT_ACTIVATIONS for n in names):
            return names
        return None

    def _dropped_sequences(self, sequences, training):
        """The inputs times the input dropout mask (one mask for every step), in training."""
        if training and 0 < self.dropout < 1:
            mask = self.get_dropout_mask(sequences[:, 0])
            return sequences * ops.expand_dims(mask, 1)
        return sequences

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        return config
