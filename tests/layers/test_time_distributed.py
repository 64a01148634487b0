"""TimeDistributed: Keras as oracle; each step's mask reaches the wrapped layer."""

import numpy as np
import pytest
from harness import check_layer

from nnet import layers


def test_dense_against_keras():
    keras = pytest.importorskip("keras")

    def make(dtype=None, **kwargs):
        return layers.TimeDistributed(layers.Dense(3, dtype=dtype, name="wrapped"), dtype=dtype,
                                      **kwargs)

    def make_keras():
        return keras.layers.TimeDistributed(keras.layers.Dense(3, name="wrapped"))

    # Keras's Wrapper.from_config pops "layer" from the dict it is given: pass it a copy.
    make_keras.from_config = lambda config: keras.layers.TimeDistributed.from_config(dict(config))
    check_layer(make, (2, 4, 5), keras_class=make_keras, expected_output_shape=(2, 4, 3))


def test_steps_see_their_own_batch_and_mask():
    mask = np.array([[True, False, True], [False, True, True]])

    class Recorder(layers.Layer):
        def call(self, inputs, mask=None):
            self.seen.append(None if mask is None else np.asarray(mask))
            return inputs * 2.0

    inner = Recorder()
    inner.seen = []
    layer = layers.TimeDistributed(inner)
    out = layer(np.ones((2, 3, 4), "float32"), mask=mask)
    np.testing.assert_array_equal(out.numpy(), np.full((2, 3, 4), 2.0))
    assert [m.tolist() for m in inner.seen] == [mask[:, t].tolist() for t in range(3)]
    assert np.array_equal(np.asarray(out._keras_mask), mask)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        layers.TimeDistributed(layers.Dense(2)).build((2, 3))
