"""A custom layer written only with `nnet.ops` trains in a model: a learned positional
embedding indexed with `arange`, single-head self-attention with `einsum`, and a gated
recurrence over time with `scan`, whose gradients flow through every step."""

import numpy as np
from harness import check_layer

import nnet
from nnet import ops


class OpsSequenceLayer(nnet.layers.Layer):
    """(batch, time, features) -> (batch, units): embedding + attention + scanned recurrence."""

    def __init__(self, units, max_length=16, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.max_length = max_length

    def build(self, input_shape):
        features = input_shape[-1]
        self.positions = self.add_weight(shape=(self.max_length, features),
                                         initializer="random_normal", name="positions")
        self.query, self.key, self.value = (
            self.add_weight(shape=(features, self.units), initializer="glorot_uniform",
                            name=name) for name in ("query", "key", "value"))
        self.recurrent = self.add_weight(shape=(self.units, self.units),
                                         initializer="orthogonal", name="recurrent")
        self.gate = self.add_weight(shape=(self.units,), initializer="zeros", name="gate")

    def call(self, inputs):
        steps = inputs.shape[1]
        x = inputs + ops.take(self.positions, ops.arange(steps), axis=0)
        q = ops.einsum("btf,fu->btu", x, self.query)
        k = ops.einsum("btf,fu->btu", x, self.key)
        v = ops.einsum("btf,fu->btu", x, self.value)
        weights = ops.softmax(ops.einsum("btu,bsu->bts", q, k) / np.sqrt(self.units), axis=-1)
        attended = ops.einsum("bts,bsu->btu", weights, v)

        def step(h, x_t):
            z = ops.sigmoid(self.gate + ops.matmul(h, self.recurrent))
            h = z * h + (1.0 - z) * ops.tanh(x_t)
            return h, h

        h0 = ops.zeros((ops.shape(inputs)[0], self.units), dtype=inputs.dtype)
        last, _ = ops.scan(step, h0, ops.transpose(attended, (1, 0, 2)))
        return last

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "max_length": self.max_length}


def _data(n, rng):
    x = rng.standard_normal((n, 6, 3)).astype("float32")
    # Whether the first channel rises from the first half of the sequence to the second.
    y = (x[:, 3:, 0].mean(1) > x[:, :3, 0].mean(1)).astype("float32")[:, None]
    return x, y


def test_layer_written_with_ops_trains_in_a_functional_model():
    nnet.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = _data(512, rng)
    inputs = nnet.Input((6, 3))
    outputs = nnet.layers.Dense(1, activation="sigmoid")(OpsSequenceLayer(8)(inputs))
    model = nnet.Model(inputs, outputs)
    model.compile(optimizer=nnet.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    before = model.evaluate(x, y, verbose=0)[0]
    model.fit(x, y, epochs=40, batch_size=64, verbose=0)
    x_test, y_test = _data(256, rng)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    # Chance is 0.5 accuracy at a loss of about 0.69.
    assert loss < 0.6 * before and accuracy > 0.8, (before, loss, accuracy)


def test_layer_written_with_ops_passes_the_layer_checks():
    """Shapes, config round trip, float64 gradients of its inputs and every weight."""
    check_layer(OpsSequenceLayer, (2, 4, 2), {"units": 3, "max_length": 4},
                expected_output_shape=(2, 3), expected_num_trainable_weights=6)
