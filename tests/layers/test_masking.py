"""Masking: the shared layer checks against Keras, and the mask it computes."""

import numpy as np
from harness import check_layer

import nnet
from nnet.layers import Masking


def _padded():
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    x[0, 1] = 0.0
    x[1, 2:] = 0.0
    x[1, 0, 0] = 0.0  # one zero feature does not mask a timestep
    return x


def test_masking_checks_against_keras():
    # Random inputs: a perturbation of an exact padding value would move it off the mask.
    check_layer(Masking, (2, 4, 3), {"mask_value": 5.0}, keras_class="Masking")


def test_masking_marks_and_zeroes_the_padded_timesteps():
    x = _padded()
    x[0, 3] = -1.0
    out = Masking(mask_value=-1.0)(x)
    np.testing.assert_array_equal(out._keras_mask, [[True, True, True, False], [True] * 4])
    np.testing.assert_array_equal(out.numpy()[0, 3], 0.0)
    np.testing.assert_allclose(out.numpy()[0, :3], x[0, :3], rtol=1e-6)


def test_masking_in_a_functional_model_passes_its_mask_on():
    inputs = nnet.Input(shape=(4, 3))
    model = nnet.Model(inputs, Masking()(inputs))
    np.testing.assert_array_equal(model(_padded())._keras_mask,
                                  [[True, False, True, True], [True, True, False, False]])
