"""Flatten against Keras 3, both data formats."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet.layers import Flatten


@pytest.mark.parametrize("input_shape, init_kwargs", [
    ((2, 3, 4), {}),
    ((2, 3, 4, 5), {"data_format": "channels_first"}),
    ((3, 4), {}),
    ((5,), {}),
])
def test_flatten_matches_keras(input_shape, init_kwargs):
    check_layer(Flatten, input_shape, init_kwargs, keras_class="Flatten")


def test_channels_first_flattens_in_channels_last_order():
    x = np.arange(24.0).reshape(2, 3, 4)
    out = Flatten(data_format="channels_first")(x).numpy()
    np.testing.assert_array_equal(out, x.transpose(0, 2, 1).reshape(2, 12))
    np.testing.assert_array_equal(Flatten()(x).numpy(), x.reshape(2, 12))


def test_unknown_dims_give_unknown_size():
    assert Flatten().compute_output_shape((None, 3, None)) == (None, None)
    assert Flatten().compute_output_shape((None,)) == (None, 1)


def test_bad_data_format_is_refused():
    with pytest.raises(ValueError, match="data_format='channels_middle'"):
        Flatten(data_format="channels_middle")
