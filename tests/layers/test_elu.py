"""ELU against Keras 3 and its formula."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet.layers import ELU


@pytest.mark.parametrize("init_kwargs", [{}, {"alpha": 0.5}, {"alpha": 2.5}])
def test_elu_matches_keras(init_kwargs):
    check_layer(ELU, (4, 6), init_kwargs, keras_class="ELU")


def test_elu_formula():
    x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    expected = np.where(x > 0, x, 0.7 * np.expm1(x))
    np.testing.assert_allclose(ELU(alpha=0.7)(x).numpy(), expected, rtol=1e-6)
    assert ELU().get_config()["alpha"] == 1.0
