"""Bidirectional: Keras as oracle for every merge mode, masks and states; PyTorch's
bidirectional LSTM for values and gradients."""

import numpy as np
import pytest
from harness import check_layer

import nnet
from nnet import layers

X_SHAPE = (2, 4, 3)
MASK = np.array([[True, True, True, False], [True, False, True, True]])


def _factory(inner, **inner_kwargs):
    def make(dtype=None, **kwargs):
        return layers.Bidirectional(getattr(layers, inner)(dtype=dtype, **inner_kwargs),
                                    dtype=dtype, **kwargs)
    return make


def _keras_factory(inner, **inner_kwargs):
    keras = pytest.importorskip("keras")

    def make(**kwargs):
        return keras.layers.Bidirectional(getattr(keras.layers, inner)(**inner_kwargs), **kwargs)
    make.from_config = keras.layers.Bidirectional.from_config
    return make


@pytest.mark.parametrize("inner,inner_kwargs,kwargs", [
    ("LSTM", {"units": 3, "return_sequences": True}, {}),
    ("GRU", {"units": 2}, {"merge_mode": "sum"}),
    ("SimpleRNN", {"units": 2, "return_sequences": True}, {"merge_mode": "ave"}),
    ("GRU", {"units": 2, "reset_after": False, "return_sequences": True},
     {"merge_mode": "mul"}),
])
def test_against_keras_with_masks(inner, inner_kwargs, kwargs):
    # The wrapped layer is named: the nested names would otherwise be numbered per library.
    inner_kwargs = {**inner_kwargs, "name": "wrapped"}
    check_layer(_factory(inner, **inner_kwargs), X_SHAPE, kwargs,
                keras_class=_keras_factory(inner, **inner_kwargs), call_kwargs={"mask": MASK})


def test_merge_mode_none_and_return_state_match_keras():
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).standard_normal(X_SHAPE).astype("float32")
    layer = layers.Bidirectional(layers.LSTM(3, return_sequences=True, return_state=True),
                                 merge_mode=None)
    klayer = keras.layers.Bidirectional(
        keras.layers.LSTM(3, return_sequences=True, return_state=True), merge_mode=None)
    outputs = layer(x, mask=MASK)
    klayer.build(X_SHAPE)
    klayer.set_weights(layer.get_weights())
    expected = klayer(x, mask=MASK)
    assert len(outputs) == len(expected) == 6
    for ours, theirs in zip(outputs, expected):
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert [tuple(s) for s in layer.compute_output_shape((None, 4, 3))] == \
        [tuple(s) for s in klayer.compute_output_shape((None, 4, 3))]
    assert [np.asarray(o._keras_mask).tolist() if o._keras_mask is not None else None
            for o in outputs] == [MASK.tolist()] * 2 + [None] * 4


def test_backward_layer_and_weights_argument():
    forward = layers.GRU(2, return_sequences=True)
    backward = layers.LSTM(3, return_sequences=True, go_backwards=True)
    layer = layers.Bidirectional(forward, backward_layer=backward)
    assert layer(np.ones(X_SHAPE, "float32")).shape == (2, 4, 5)
    clone = layers.Bidirectional.from_config(layer.get_config())
    clone.build(X_SHAPE)
    assert [w.shape for w in clone.weights] == [w.shape for w in layer.weights]
    with pytest.raises(ValueError, match="go_backwards"):
        layers.Bidirectional(forward, backward_layer=layers.GRU(2, return_sequences=True))
    with pytest.raises(ValueError, match="merge_mode='max'"):
        layers.Bidirectional(forward, merge_mode="max")
    seeded = layers.Bidirectional(layers.GRU(2), weights=layer.forward_layer.get_weights() * 2)
    seeded.build(X_SHAPE)
    np.testing.assert_array_equal(seeded.backward_layer.get_weights()[0],
                                  layer.forward_layer.get_weights()[0])


def test_values_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5, 4)).astype("float32")
    g = rng.standard_normal((3, 5, 6)).astype("float32")
    layer = layers.Bidirectional(layers.LSTM(3, return_sequences=True))
    layer.build(x.shape)
    layer.set_weights([w + rng.standard_normal(w.shape).astype("float32") * 0.3
                       for w in layer.get_weights()])
    module = torch.nn.LSTM(4, 3, batch_first=True, bidirectional=True)
    with torch.no_grad():
        for inner, suffix in ((layer.forward_layer, ""), (layer.backward_layer, "_reverse")):
            kernel, recurrent, bias = inner.get_weights()
            getattr(module, "weight_ih_l0" + suffix).copy_(torch.from_numpy(kernel.T))
            getattr(module, "weight_hh_l0" + suffix).copy_(torch.from_numpy(recurrent.T))
            getattr(module, "bias_ih_l0" + suffix).copy_(torch.from_numpy(bias))
            getattr(module, "bias_hh_l0" + suffix).zero_()
    inputs = nnet.Tensor(x, requires_grad=True)
    out = layer(inputs)
    nnet.backward(nnet.ops.sum(out * g))
    tx = torch.from_numpy(x).requires_grad_()
    tout, _ = module(tx)
    (tout * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(inputs.grad, tx.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(layer.backward_layer.cell.recurrent_kernel.grad,
                               module.weight_hh_l0_reverse.grad.numpy().T, rtol=1e-4, atol=1e-6)
