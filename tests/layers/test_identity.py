"""Identity against Keras 3, on single tensors, structures and symbolic inputs."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

import nnet
from nnet.layers.identity import Identity


@pytest.mark.parametrize("input_shape", [(3, 4), (2, 3, 5)])
def test_identity_matches_keras(input_shape):
    check_layer(Identity, input_shape, keras_class="Identity", expected_output_shape=input_shape)


def test_structures_pass_through():
    a, b = np.ones((2, 3)), np.zeros((2, 5))
    out = Identity()([a, b])
    assert isinstance(out, list) and [o.shape for o in out] == [(2, 3), (2, 5)]
    np.testing.assert_array_equal(out[0].numpy(), a)
    assert Identity().compute_output_shape([(None, 3), (None, 5)]) == [(None, 3), (None, 5)]


def test_symbolic_call_keeps_the_shape():
    inputs = nnet.Input(shape=(7, 2))
    assert Identity()(inputs).shape == (None, 7, 2)
