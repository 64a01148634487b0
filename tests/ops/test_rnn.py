"""The whole-sequence recurrent primitives: PyTorch's RNN/LSTM/GRU as oracle (values and
gradients, float32), float64 numerical gradients with masks, go_backwards and other
activations, and masked batches against each sequence run alone without padding."""

import warnings

import numpy as np
import pytest

from nnet import ops
from nnet.autodiff import Tensor, backward, check_grad

B, T, D, U = 3, 6, 4, 5
RTOL = 1e-4


def _weights(rng, kind, dtype="float32", reset_after=True):
    gates = {"simple_rnn": 1, "lstm": 4, "gru": 3}[kind]
    kernel = rng.standard_normal((D, gates * U)) * 0.5
    recurrent = rng.standard_normal((U, gates * U)) * 0.5
    bias_shape = (2, 3 * U) if kind == "gru" and reset_after else (gates * U,)
    bias = rng.standard_normal(bias_shape) * 0.5
    return [a.astype(dtype) for a in (kernel, recurrent, bias)]


def _run(kind, x, states, weights, **kwargs):
    fn = {"simple_rnn": ops.simple_rnn, "lstm": ops.lstm, "gru": ops.gru}[kind]
    return fn(x, *states, *weights, **kwargs)


def _n_states(kind):
    return 2 if kind == "lstm" else 1


def _torch_module(torch, kind, weights):
    """The torch module with the nnet weights mapped into its layout."""
    kernel, recurrent, bias = (torch.tensor(w, dtype=torch.float64) for w in weights)
    module = {"simple_rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](
        D, U, batch_first=True).double()
    if kind == "gru":
        # Keras packs z, r, h; torch packs r, z, n.
        order = torch.cat([torch.arange(U, 2 * U), torch.arange(U), torch.arange(2 * U, 3 * U)])
        kernel, recurrent, bias = kernel[:, order], recurrent[:, order], bias[:, order]
        bias_ih, bias_hh = bias[0], bias[1]
    else:
        bias_ih, bias_hh = bias, torch.zeros_like(bias)
    with torch.no_grad():
        module.weight_ih_l0.copy_(kernel.T)
        module.weight_hh_l0.copy_(recurrent.T)
        module.bias_ih_l0.copy_(bias_ih)
        module.bias_hh_l0.copy_(bias_hh)
    return module


@pytest.mark.parametrize("kind", ["simple_rnn", "lstm", "gru"])
def test_values_and_gradients_match_torch(kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    weights = _weights(rng, kind)
    x = rng.standard_normal((B, T, D)).astype("float32")
    states = [rng.standard_normal((B, U)).astype("float32") for _ in range(_n_states(kind))]
    g_seq = rng.standard_normal((B, T, U)).astype("float32")
    g_states = [rng.standard_normal((B, U)).astype("float32") for _ in states]

    leaves = [Tensor(a, requires_grad=True) for a in [x, *states, *weights]]
    outs = _run(kind, leaves[0], leaves[1:1 + len(states)], leaves[1 + len(states):])
    loss = sum(ops.sum(o * g) for o, g in zip(outs, [g_seq, *g_states]))
    backward(loss)

    module = _torch_module(torch, kind, weights)
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ts = [torch.tensor(s, dtype=torch.float64)[None].requires_grad_() for s in states]
    seq, final = module(tx, tuple(ts) if kind == "lstm" else ts[0])
    final = final if kind == "lstm" else (final,)
    tloss = (seq * torch.tensor(g_seq)).sum() + sum(
        (f[0] * torch.tensor(g)).sum() for f, g in zip(final, g_states))
    tloss.backward()

    for out, expected in zip(outs, [seq, *[f[0] for f in final]]):
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=RTOL, atol=1e-5)
    np.testing.assert_allclose(leaves[0].grad, tx.grad.numpy(), rtol=RTOL, atol=1e-5)
    for leaf, t in zip(leaves[1:1 + len(states)], ts):
        np.testing.assert_allclose(leaf.grad, t.grad[0].numpy(), rtol=RTOL, atol=1e-5)
    kernel_grad, recurrent_grad = module.weight_ih_l0.grad.T, module.weight_hh_l0.grad.T
    bias_grad = module.bias_ih_l0.grad
    if kind == "gru":
        back = torch.cat([torch.arange(U, 2 * U), torch.arange(U), torch.arange(2 * U, 3 * U)])
        kernel_grad, recurrent_grad = kernel_grad[:, back], recurrent_grad[:, back]
        bias_grad = torch.stack([module.bias_ih_l0.grad, module.bias_hh_l0.grad])[:, back]
    for leaf, expected in zip(leaves[-3:], (kernel_grad, recurrent_grad, bias_grad)):
        np.testing.assert_allclose(leaf.grad, expected.numpy(), rtol=RTOL, atol=1e-5)


CASES = [
    ("simple_rnn", {}), ("simple_rnn", {"activation": "relu"}),
    ("lstm", {}), ("lstm", {"activation": "relu", "recurrent_activation": "hard_sigmoid"}),
    ("gru", {}), ("gru", {"reset_after": False}),
    ("gru", {"activation": "linear", "recurrent_activation": "tanh"}),
]


@pytest.mark.parametrize("kind,kwargs", CASES)
def test_float64_gradients_with_mask_and_go_backwards(kind, kwargs):
    rng = np.random.default_rng(1)
    weights = _weights(rng, kind, "float64", kwargs.get("reset_after", True))
    x = rng.standard_normal((B, T, D))
    states = [rng.standard_normal((B, U)) for _ in range(_n_states(kind))]
    mask = rng.random((B, T)) > 0.3
    n = len(states)
    for options in ({"mask": mask}, {"mask": mask, "go_backwards": True}):

        def fn(x, *args, options=options):
            outs = _run(kind, x, args[:n], args[n:], **kwargs, **options)
            return sum(ops.sum(o * o * (k + 1)) for k, o in enumerate(outs))

        check_grad(fn, x, *states, *weights)


@pytest.mark.parametrize("kind,kwargs", CASES[::2] + [CASES[5]])
def test_masked_batch_equals_each_sequence_alone(kind, kwargs):
    """Padding at the end (masked) leaves the final states and the valid outputs unchanged."""
    rng = np.random.default_rng(2)
    weights = _weights(rng, kind, "float64", kwargs.get("reset_after", True))
    x = rng.standard_normal((B, T, D))
    states = [rng.standard_normal((B, U)) for _ in range(_n_states(kind))]
    lengths = [T, 2, 4]
    mask = np.arange(T)[None, :] < np.array(lengths)[:, None]
    for go_backwards in (False, True):
        outs = _run(kind, x, states, weights, mask=mask, go_backwards=go_backwards, **kwargs)
        for b, n in enumerate(lengths):
            alone = _run(kind, x[b:b + 1, :n], [s[b:b + 1] for s in states], weights,
                         go_backwards=go_backwards, **kwargs)
            for final, final_alone in zip(outs[1:], alone[1:]):
                np.testing.assert_allclose(final.numpy()[b], final_alone.numpy()[0], rtol=1e-12)
            seq = outs[0].numpy()[b]
            # Backwards, the padded steps come first: their output is zeros, as in Keras.
            valid = seq[T - n:] if go_backwards else seq[:n]
            np.testing.assert_allclose(valid, alone[0].numpy()[0], rtol=1e-12)
            carried = seq[:T - n] if go_backwards else seq[n:]
            expected = np.zeros_like(carried) if go_backwards else np.broadcast_to(
                seq[n - 1], carried.shape)
            np.testing.assert_allclose(carried, expected, rtol=1e-12)


def test_unknown_activation_is_refused():
    rng = np.random.default_rng(3)
    weights = _weights(rng, "lstm")
    with pytest.raises(ValueError, match="activation='gelu'"):
        ops.lstm(np.ones((1, 2, D), "float32"), np.zeros((1, U), "float32"),
                 np.zeros((1, U), "float32"), *weights, activation="gelu")


@pytest.mark.parametrize("kind", ["simple_rnn", "lstm", "gru"])
def test_saturated_sigmoid_gates_are_exact_and_silent(kind):
    # Pre-activations far below -88 overflow float32's exp inside the sigmoid; the result must
    # still be the float64 one (gates at exactly 0 or 1), with no overflow warning.
    rng = np.random.default_rng(3)
    x = rng.standard_normal((B, T, D)) * 200
    weights = _weights(rng, kind)
    extra = {"activation": "sigmoid"} if kind == "simple_rnn" else {}
    results = []
    for dtype in ("float64", "float32"):
        states = [np.zeros((B, U), dtype)] * _n_states(kind)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = _run(kind, x.astype(dtype), states, [w.astype(dtype) for w in weights],
                       **extra)
        results.append(out[0].numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=RTOL, atol=1e-6)
