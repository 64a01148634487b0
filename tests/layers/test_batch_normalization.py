"""BatchNormalization against Keras 3: outputs, moving statistics, frozen layers, masks, renorm."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import ops
from nnet.autodiff import backward
from nnet.layers import BatchNormalization


@pytest.mark.parametrize("input_shape, init_kwargs", [
    ((6, 3), {}),
    ((4, 3, 5), {"axis": 1, "momentum": 0.9, "epsilon": 1e-2}),
    ((2, 3, 3, 4), {}),
    ((2, 3, 2, 4), {"axis": 1, "momentum": 0.5}),
    ((2, 2, 3, 2, 3), {"axis": -1}),
    ((2, 3, 2, 2, 2), {"axis": 1, "scale": False}),
    ((6, 3), {"center": False}),
    ((6, 3), {"scale": False, "gamma_regularizer": "l2", "beta_constraint": "non_neg"}),
])
def test_batch_normalization_matches_keras(input_shape, init_kwargs):
    trainable = int(init_kwargs.get("center", True)) + int(init_kwargs.get("scale", True))
    check_layer(BatchNormalization, input_shape, init_kwargs, keras_class="BatchNormalization",
                expected_num_trainable_weights=trainable, expected_num_non_trainable_weights=2)


def test_masked_statistics_match_keras():
    mask = np.array([[1, 1, 0, 1], [0, 1, 1, 1], [1, 1, 1, 0]], dtype=bool)
    check_layer(BatchNormalization, (3, 4, 5), call_kwargs={"mask": mask},
                keras_class="BatchNormalization")


def test_renorm_matches_keras():
    # r and d are constants for the gradient (as in Keras), so the training-mode gradient is
    # deliberately not the derivative of the output.
    check_layer(BatchNormalization, (8, 3),
                {"renorm": True, "renorm_clipping": {"rmax": 1.2, "rmin": 0.9, "dmax": 0.5},
                 "renorm_momentum": 0.8},
                keras_class="BatchNormalization", training_gradient=False,
                expected_num_trainable_weights=2, expected_num_non_trainable_weights=5)


def test_renorm_with_unit_clipping_has_the_plain_batch_norm_gradient():
    check_layer(BatchNormalization, (8, 3),
                {"renorm": True, "renorm_clipping": {"rmax": 1.0, "rmin": 1.0, "dmax": 0.0}})


def _keras_pair(**kwargs):
    keras = pytest.importorskip("keras")
    pytest.importorskip("torch")
    return BatchNormalization(**kwargs), keras.layers.BatchNormalization(**kwargs)


def test_moving_statistics_after_several_training_steps_match_keras():
    layer, klayer = _keras_pair(momentum=0.8)
    rng = np.random.default_rng(0)
    for step in range(5):
        x = (rng.standard_normal((16, 4)) * (step + 1) + step).astype("float32")
        layer(x, training=True)
        klayer(x, training=True)
    for w, kw in zip(layer.get_weights(), klayer.get_weights()):
        np.testing.assert_allclose(w, kw.astype("float32"), rtol=1e-6, atol=1e-6)
    x = rng.standard_normal((5, 4)).astype("float32")
    expected = klayer(x, training=False).detach().cpu().numpy()
    np.testing.assert_allclose(layer(x, training=False).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_training_uses_batch_statistics_and_inference_the_moving_ones():
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((64, 3)) * [1.0, 2.0, 3.0] + [5.0, -1.0, 0.5]).astype("float32")
    layer = BatchNormalization(momentum=0.5, epsilon=1e-3)
    out = layer(x, training=True).numpy()
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-3),
                               rtol=1e-4)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.5 + 0.5 * x.var(axis=0),
                               rtol=1e-5)
    inference = layer(x, training=False).numpy()
    expected = (x - layer.moving_mean.numpy()) / np.sqrt(layer.moving_variance.numpy() + 1e-3)
    np.testing.assert_allclose(inference, expected, rtol=1e-5, atol=1e-5)
    # Inference leaves the moving statistics alone.
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * x.mean(axis=0), rtol=1e-5)


def test_frozen_layer_runs_in_inference_mode_even_when_training():
    x = np.random.default_rng(2).standard_normal((10, 3)).astype("float32") + 4.0
    layer = BatchNormalization()
    layer(x)
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4
    out = layer(x, training=True).numpy()
    np.testing.assert_allclose(out, layer(x, training=False).numpy())
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.zeros(3))
    np.testing.assert_array_equal(layer.moving_variance.numpy(), np.ones(3))


def test_frozen_layer_matches_keras():
    layer, klayer = _keras_pair()
    x = np.random.default_rng(3).standard_normal((6, 3)).astype("float32")
    layer(x)
    klayer(x)
    weights = [w + 0.3 for w in layer.get_weights()]
    layer.set_weights(weights)
    klayer.set_weights(weights)
    layer.trainable = klayer.trainable = False
    expected = klayer(x, training=True).detach().cpu().numpy()
    np.testing.assert_allclose(layer(x, training=True).numpy(), expected, rtol=1e-5, atol=1e-6)
    assert len(layer.non_trainable_weights) == len(klayer.non_trainable_weights) == 4


def test_moving_statistics_stay_out_of_the_graph():
    layer = BatchNormalization()
    x = np.random.default_rng(4).standard_normal((8, 3)).astype("float32")
    backward(ops.sum(ops.square(layer(x, training=True))))
    assert layer.gamma.grad is not None and layer.beta.grad is not None
    assert layer.moving_mean.grad is None and layer.moving_variance.grad is None
    assert not layer.moving_mean.requires_grad
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]


def test_synchronized_is_kept_in_the_config():
    # Statistics cover the global batch of a data-parallel job either way (nnet.distribution).
    layer = BatchNormalization(synchronized=True)
    assert BatchNormalization.from_config(layer.get_config()).synchronized is True


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match=r"axis=\[1, 2\]"):
        BatchNormalization(axis=[1, 2])
    with pytest.raises(ValueError, match="renorm_clipping=.*'rmean'"):
        BatchNormalization(renorm=True, renorm_clipping={"rmean": 1.0})
    with pytest.raises(ValueError, match="rmax >= rmin"):
        BatchNormalization(renorm=True, renorm_clipping={"rmax": 1.0, "rmin": 2.0})
    with pytest.raises(ValueError, match="Axis 3 is out of bounds.*axis=3"):
        BatchNormalization(axis=3)(np.zeros((2, 3)))


def test_input_with_another_feature_size_is_refused():
    layer = BatchNormalization()
    layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="batch_normalization.*value 3"):
        layer(np.zeros((2, 4)))


def test_half_precision_layer_matches_a_float64_reference():
    x = np.random.default_rng(5).standard_normal((256, 2)) * 50 + 400
    out = BatchNormalization(dtype="float16")(x, training=True)
    assert out.dtype == np.float16
    expected = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-3)
    np.testing.assert_allclose(out.numpy(), expected, atol=2e-2)
