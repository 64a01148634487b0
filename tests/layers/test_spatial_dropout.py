"""SpatialDropout1D/2D/3D: Keras configs, whole channels dropped, scaling, inference, seeds."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import random
from nnet.layers import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D


@pytest.mark.parametrize("cls, input_shape, init_kwargs", [
    (SpatialDropout1D, (3, 4, 5), {"rate": 0.3}),
    (SpatialDropout2D, (2, 3, 3, 4), {"rate": 0.5, "seed": 2}),
    (SpatialDropout2D, (2, 4, 3, 3), {"rate": 0.2, "data_format": "channels_first"}),
    (SpatialDropout3D, (2, 2, 3, 2, 4), {"rate": 0.4, "data_format": "channels_last"}),
])
def test_spatial_dropout_matches_keras(cls, input_shape, init_kwargs):
    check_layer(cls, input_shape, init_kwargs, keras_class=cls.__name__, deterministic=False)


@pytest.mark.parametrize("cls, shape, channel_axis, data_format", [
    (SpatialDropout1D, (400, 6, 50), -1, None),
    (SpatialDropout2D, (400, 3, 3, 50), -1, "channels_last"),
    (SpatialDropout2D, (400, 50, 3, 3), 1, "channels_first"),
    (SpatialDropout3D, (200, 100, 2, 2, 2), 1, "channels_first"),
])
def test_whole_channels_are_dropped_and_the_rest_scaled(cls, shape, channel_axis, data_format):
    kwargs = {} if data_format is None else {"data_format": data_format}
    layer = cls(0.3, seed=0, **kwargs)
    out = layer(np.ones(shape), training=True).numpy()
    spatial = tuple(i for i in range(1, len(shape)) if i != channel_axis % len(shape))
    per_channel = out.min(axis=spatial)
    # Every (sample, channel) map is all zero or all 1 / (1 - rate).
    np.testing.assert_array_equal(per_channel, out.max(axis=spatial))
    np.testing.assert_allclose(np.unique(per_channel), [0.0, 1 / 0.7], rtol=1e-6)
    # 2e4 Bernoulli(0.3) draws: the standard error of the dropped fraction is 0.0032.
    assert abs((per_channel == 0).mean() - 0.3) < 0.016
    np.testing.assert_array_equal(layer(np.ones(shape)).numpy(), np.ones(shape))
    np.testing.assert_array_equal(layer(np.ones(shape), training=False).numpy(), np.ones(shape))


def test_seeded_layers_draw_from_their_seed_generator():
    x = np.random.default_rng(0).standard_normal((4, 3, 3, 5)).astype("float32")
    layer, generator = SpatialDropout2D(0.5, seed=9), random.SeedGenerator(9)
    for _ in range(2):
        expected = random.dropout(x, 0.5, noise_shape=(4, 1, 1, 5), seed=generator).numpy()
        np.testing.assert_array_equal(layer(x, training=True).numpy(), expected)


def test_wrong_rank_and_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        SpatialDropout2D(0.5)(np.ones((2, 3, 4)), training=True)
    with pytest.raises(ValueError, match="rate=2"):
        SpatialDropout1D(2)
    with pytest.raises(ValueError, match="data_format='channels_middle'"):
        SpatialDropout3D(0.5, data_format="channels_middle")
