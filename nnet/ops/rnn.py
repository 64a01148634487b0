"""Whole-sequence recurrent primitives: SimpleRNN, LSTM and GRU over every time step as one node.

Each primitive projects the inputs of all steps with one GEMM, runs the time loop on
preallocated time-major arrays (a few NumPy calls per step), and backpropagates through time
inside its own vjp, where the weight gradients are again one GEMM each over all steps.

Conventions shared by all of them, as in Keras:
- `x` is (batch, time, features); the first output is the sequence of outputs (batch, time,
  units), then the final states.
- `mask` is None or a boolean (batch, time) array: at a masked step a sample keeps the states
  of the previous step and repeats its previous output.
- `go_backwards` processes the steps last to first; the output sequence is then in processing
  (reversed) order.
- `activation` and `recurrent_activation` are names from `RECURRENT_ACTIVATIONS`.
"""

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.backend import array_module


def _tanh(xp, a):
    xp.tanh(a, out=a)


def _sigmoid(xp, a, negated=False):
    # 1 / (1 + exp(-x)): NumPy's exp is several times faster than its tanh, and the result keeps
    # its relative precision where the sigmoid is tiny. Gate columns of the weights come negated
    # (`negated`), saving the negation. exp overflows to inf for x < -88 (float32), giving the
    # exact 0; the primitives run their loops under `_overflow_to_zero`.
    if not negated:
        xp.negative(a, out=a)
    xp.exp(a, out=a)
    a += 1
    xp.reciprocal(a, out=a)


def _overflow_to_zero():
    """The error state of the time loops: exp's overflow to inf is the sigmoid's exact 0."""
    return np.errstate(over="ignore")


def _relu(xp, a):
    xp.maximum(a, 0, out=a)


def _linear(xp, a):
    pass


def _hard_sigmoid(xp, a):
    a *= 1 / 6
    a += 0.5
    xp.clip(a, 0, 1, out=a)


def _tanh_derivative(y):
    d = y * y
    return array_module(y).subtract(1, d, out=d)


def _sigmoid_derivative(y):
    d = 1 - y
    d *= y
    return d


# name -> (apply in place, derivative written from the output y, as a new array).
_ACTIVATIONS = {
    "tanh": (_tanh, _tanh_derivative),
    "sigmoid": (_sigmoid, _sigmoid_derivative),
    "relu": (_relu, lambda y: (y > 0).astype(y.dtype)),
    "linear": (_linear, lambda y: y * 0 + 1),
    "hard_sigmoid": (_hard_sigmoid, lambda y: ((y > 0) & (y < 1)).astype(y.dtype) / 6),
}
RECURRENT_ACTIVATIONS = frozenset(_ACTIVATIONS)


def _check_activation(name, argument):
    if name not in _ACTIVATIONS:
        raise ValueError(
            f"The recurrent primitives apply {sorted(_ACTIVATIONS)} themselves. Received: "
            f"{argument}={name!r}. Run other activations through nnet.layers.RNN with a cell."
        )


def _apply(xp, name, a, negated=False):
    if name == "sigmoid":
        _sigmoid(xp, a, negated)
    else:
        _ACTIVATIONS[name][0](xp, a)


def _derivative(name, y):
    return _ACTIVATIONS[name][1](y)


def _gate_scale(xp, n, gates, dtype, recurrent_activation):
    """Column factors that negate the first `gates` of `n` gate columns for the sigmoid."""
    scale = xp.ones(n, dtype=dtype)
    if recurrent_activation == "sigmoid":
        scale[:gates] = -1
    return scale


def _gate_major(weights, units):
    """(in, gates * units) weights as stacked (gates, in, units) GEMM operands, contiguous (NumPy
    leaves BLAS for a slow loop on stacks of strided operands)."""
    xp = array_module(weights)
    return xp.ascontiguousarray(weights.reshape(weights.shape[0], -1, units).transpose(1, 0, 2))


def _time_major(xp, x, mask, go_backwards):
    """x as a contiguous (time, batch, features) array in processing order, and the mask as
    (time, batch, 1) booleans of the steps that are skipped (None without a mask)."""
    xt = x.transpose(1, 0, 2)
    skip = None
    if mask is not None:
        skip = ~mask.astype(bool).T[:, :, None]
    if go_backwards:
        xt = xt[::-1]
        skip = None if skip is None else skip[::-1]
    return xp.ascontiguousarray(xt), skip


def _before_first_step(xp, skip):
    """Where no step of a sample has run yet (time, batch, 1), or None when nowhere.

    As in Keras, the output there is zeros (the states hold the initial states)."""
    if skip is None:
        return None
    lead = xp.cumsum(~skip, axis=0) == 0
    return lead if lead.any() else None


def _start(x, mask, go_backwards, **activations):
    """Check the activation names; return the array module, x time-major, the skipped steps
    and the steps before each sample's first one (`_time_major`, `_before_first_step`)."""
    for argument, name in activations.items():
        _check_activation(name, argument)
    xp = array_module(x)
    xt, skip = _time_major(xp, x, mask, go_backwards)
    return xp, xt, skip, _before_first_step(xp, skip)


def _batch_major(a, go_backwards):
    """(time, batch, ...) in processing order back to the caller's (batch, time, ...) order."""
    a = a.transpose(1, 0, *range(2, a.ndim))
    return a[:, ::-1] if go_backwards else a


def _outputs(xp, h, lead):
    """The output sequence (batch, time, units) in processing order from the states h[1:],
    zero before each sample's first step."""
    seq = h[1:] if lead is None else xp.where(lead, 0, h[1:])
    return seq.transpose(1, 0, 2)


def _incoming(xp, g, lead):
    """The output sequence's gradient in time-major processing order (None if unused)."""
    if g is None:
        return None
    g = g.transpose(1, 0, 2)
    return xp.ascontiguousarray(g) if lead is None else g * ~lead


def _final_grad(xp, g, like):
    """A fresh buffer holding the final state's gradient (zeros when unused)."""
    return xp.zeros_like(like) if g is None else xp.array(g, dtype=like.dtype, copy=True)


def _input_grads(xp, dz, xt, kernel, go_backwards):
    """dx and dkernel from the pre-activation gradients dz (time, batch, gates) of the inputs."""
    t, b, d = xt.shape
    dz2 = dz.reshape(t * b, -1)
    dx = (dz2 @ kernel.T).reshape(t, b, d)
    return _batch_major(dx, go_backwards), xt.reshape(t * b, d).T @ dz2


def _weight_grad(states, dz):
    """d(recurrent kernel) = sum over steps of states[t]^T dz[t], as one GEMM."""
    return states.reshape(-1, states.shape[-1]).T @ dz.reshape(-1, dz.shape[-1])


@primitive
def simple_rnn(x, h0, kernel, recurrent_kernel, bias=None, mask=None, activation="tanh",
               go_backwards=False):
    """The fully connected recurrence ``h[t] = activation(x[t] @ kernel + h[t-1] @ R + bias)``.

    Args:
        x: (batch, time, features).
        h0: the initial state (batch, units).
        kernel: (features, units); recurrent_kernel: (units, units); bias: (units,) or None.
        mask: None or booleans (batch, time).
        activation: a name from `RECURRENT_ACTIVATIONS`.
        go_backwards: process the steps last to first.

    Returns:
        ``(outputs, h)``: all outputs (batch, time, units) and the final state (batch, units).

    Example:
        >>> import numpy as np, nnet
        >>> out, h = nnet.ops.simple_rnn(np.ones((2, 5, 3)), np.zeros((2, 4)), np.ones((3, 4)),
        ...                              np.zeros((4, 4)))
        >>> out.shape, h.shape
        ((2, 5, 4), (2, 4))
    """
    xp, xt, skip, lead = _start(x, mask, go_backwards, activation=activation)
    steps, batch, _ = xt.shape
    units = kernel.shape[1]
    h = xp.empty((steps + 1, batch, units), dtype=x.dtype)
    h[0] = h0
    xp.matmul(xt.reshape(steps * batch, -1), kernel, out=h[1:].reshape(steps * batch, units))
    if bias is not None:
        h[1:] += bias
    tmp = xp.empty((batch, units), dtype=x.dtype)
    with _overflow_to_zero():
        for t in range(steps):
            a = h[t + 1]
            xp.matmul(h[t], recurrent_kernel, out=tmp)
            a += tmp
            _apply(xp, activation, a)
            if skip is not None:
                xp.copyto(a, h[t], where=skip[t])

    def vjp(grads):
        g_seq, g_h = grads
        gy = _incoming(xp, g_seq, lead)
        d = _derivative(activation, h[1:])
        if skip is not None:
            d *= ~skip
        rt = xp.ascontiguousarray(recurrent_kernel.T)
        da = xp.empty_like(d)
        dh, rec = _final_grad(xp, g_h, h[0]), xp.empty((batch, units), dtype=x.dtype)
        for t in range(steps - 1, -1, -1):
            if gy is not None:
                dh += gy[t]
            xp.multiply(dh, d[t], out=da[t])
            xp.matmul(da[t], rt, out=rec)
            if skip is not None:
                xp.copyto(rec, dh, where=skip[t])
            dh, rec = rec, dh
        dx, dkernel = _input_grads(xp, da, xt, kernel, go_backwards)
        db = None if bias is None else da.sum(axis=(0, 1))
        return dx, dh, dkernel, _weight_grad(h[:-1], da), db, None

    return (_outputs(xp, h, lead), h[steps]), vjp


@primitive
def lstm(x, h0, c0, kernel, recurrent_kernel, bias=None, mask=None, activation="tanh",
         recurrent_activation="sigmoid", go_backwards=False):
    """The LSTM recurrence over a whole sequence, gates packed i, f, c, o as in Keras.

    ``z = x[t] @ kernel + h[t-1] @ R + bias``; ``i, f, o = recurrent_activation(z_i, z_f, z_o)``,
    ``c[t] = f * c[t-1] + i * activation(z_c)``, ``h[t] = o * activation(c[t])``.

    Args:
        x: (batch, time, features).
        h0, c0: the initial states (batch, units).
        kernel: (features, 4 * units); recurrent_kernel: (units, 4 * units);
            bias: (4 * units,) or None.
        mask: None or booleans (batch, time).
        activation, recurrent_activation: names from `RECURRENT_ACTIVATIONS`.
        go_backwards: process the steps last to first.

    Returns:
        ``(outputs, h, c)``: all outputs (batch, time, units) and the final states.

    Example:
        >>> import numpy as np, nnet
        >>> out, h, c = nnet.ops.lstm(np.ones((2, 5, 3)), np.zeros((2, 4)), np.zeros((2, 4)),
        ...                           np.ones((3, 16)) * 0.1, np.zeros((4, 16)))
        >>> out.shape, c.shape
        ((2, 5, 4), (2, 4))
    """
    xp, xt, skip, lead = _start(x, mask, go_backwards, activation=activation,
                                recurrent_activation=recurrent_activation)
    steps, batch, features = xt.shape
    u = kernel.shape[1] // 4
    # Internally the gates run o, i, f, c, gate-major: g[k, t] is gate k's (batch, units) block
    # at step t, so that every elementwise step works on contiguous blocks. The recurrent
    # activation covers gates 0-2, the gates multiplied by the cell gradient 1-3.
    perm = xp.concatenate([xp.arange(3 * u, 4 * u), xp.arange(3 * u)])
    scale = _gate_scale(xp, 4 * u, 3 * u, x.dtype, recurrent_activation)
    kernel4 = _gate_major(kernel[:, perm] * scale, u)
    r4 = _gate_major(recurrent_kernel[:, perm] * scale, u)
    g = xp.empty((4, steps, batch, u), dtype=x.dtype)
    xp.matmul(xt.reshape(steps * batch, features), kernel4, out=g.reshape(4, steps * batch, u))
    if bias is not None:
        g += (bias[perm] * scale).reshape(4, 1, 1, u)
    h = xp.empty((steps + 1, batch, u), dtype=x.dtype)
    c = xp.empty_like(h)
    tc = xp.empty((steps, batch, u), dtype=x.dtype)
    h[0], c[0] = h0, c0
    tmp, tmp_u = xp.empty((4, batch, u), dtype=x.dtype), xp.empty((batch, u), dtype=x.dtype)
    with _overflow_to_zero():
        for t in range(steps):
            z = g[:, t]
            xp.matmul(h[t], r4, out=tmp)
            z += tmp
            _apply(xp, recurrent_activation, z[:3], negated=True)
            _apply(xp, activation, z[3])
            xp.multiply(z[2], c[t], out=c[t + 1])
            xp.multiply(z[1], z[3], out=tmp_u)
            c[t + 1] += tmp_u
            if activation == "tanh":
                xp.tanh(c[t + 1], out=tc[t])
            else:
                tc[t] = c[t + 1]
                _apply(xp, activation, tc[t])
            xp.multiply(z[0], tc[t], out=h[t + 1])
            if skip is not None:
                xp.copyto(c[t + 1], c[t], where=skip[t])
                xp.copyto(h[t + 1], h[t], where=skip[t])

    def vjp(grads):
        g_seq, g_h, g_c = grads
        gy = _incoming(xp, g_seq, lead)
        o, i, f, cc = g
        # Per step, dz_o = dh * p_o and dc += dh * q, then dz_i, dz_f, dz_c = dc * (p_i, p_f,
        # p_c): the factors sit side by side in `p` so that each is one broadcast product.
        p = xp.empty((5, steps, batch, u), dtype=x.dtype)
        gates = _derivative(recurrent_activation, g[:3])
        for slot, gate, factor in ((0, 0, tc), (2, 1, cc), (3, 2, c[:-1])):
            xp.multiply(gates[gate], factor, out=p[slot])
        del gates
        for slot, y, factor in ((1, tc, o), (4, cc, i)):
            xp.multiply(_derivative(activation, y), factor, out=p[slot])
        keep_f = f
        if skip is not None:
            p *= ~skip
            keep_f = xp.where(skip, 1, f)
        rt4 = xp.ascontiguousarray(r4.transpose(0, 2, 1) / scale.reshape(4, u, 1))
        dz = xp.empty((4, steps, batch, u), dtype=x.dtype)
        dh, dc = _final_grad(xp, g_h, h[0]), _final_grad(xp, g_c, c[0])
        rec = xp.empty_like(dh)
        for t in range(steps - 1, -1, -1):
            if gy is not None:
                dh += gy[t]
            xp.multiply(dh, p[:2, t], out=dz[:2, t])
            dc += dz[1, t]
            xp.multiply(dc, p[2:, t], out=dz[1:, t])
            dc *= keep_f[t]
            xp.matmul(dz[:, t], rt4, out=tmp)
            xp.add(tmp[0], tmp[1], out=rec)
            rec += tmp[2]
            rec += tmp[3]
            if skip is not None:
                xp.copyto(rec, dh, where=skip[t])
            dh, rec = rec, dh
        # The GEMMs over all steps, one per gate; only their small results are reordered.
        back = xp.argsort(perm)
        dz = dz.reshape(4, steps * batch, u)
        inputs, states = xt.reshape(steps * batch, features), h[:-1].reshape(steps * batch, u)
        weights = _gate_major(kernel[:, perm], u)
        dkernel = xp.empty((features, 4, u), dtype=x.dtype)
        drecurrent = xp.empty((u, 4, u), dtype=x.dtype)
        for k in range(4):
            dkernel[:, k] = inputs.T @ dz[k]
            drecurrent[:, k] = states.T @ dz[k]
            if k == 0:
                dx = dz[k] @ weights[k].T
            else:
                dx += dz[k] @ weights[k].T
        db = None if bias is None else dz.sum(axis=1).reshape(4 * u)[back]
        return (_batch_major(dx.reshape(steps, batch, features), go_backwards), dh, dc,
                dkernel.reshape(features, 4 * u)[:, back],
                drecurrent.reshape(u, 4 * u)[:, back], db, None)

    return (_outputs(xp, h, lead), h[steps], c[steps]), vjp


@primitive
def gru(x, h0, kernel, recurrent_kernel, bias=None, mask=None, activation="tanh",
        recurrent_activation="sigmoid", go_backwards=False, reset_after=True):
    """The GRU recurrence over a whole sequence, gates packed z, r, h as in Keras.

    ``z, r = recurrent_activation(x[t] @ W_zr + h[t-1] @ R_zr + b_zr)``;
    with `reset_after`: ``hh = activation(x[t] @ W_h + b_h + r * (h[t-1] @ R_h + b'_h))`` (the
    form of cuDNN and PyTorch), else ``hh = activation(x[t] @ W_h + (r * h[t-1]) @ R_h + b_h)``;
    ``h[t] = z * h[t-1] + (1 - z) * hh``.

    Args:
        x: (batch, time, features).
        h0: the initial state (batch, units).
        kernel: (features, 3 * units); recurrent_kernel: (units, 3 * units).
        bias: None, (2, 3 * units) (input and recurrent biases) with `reset_after`, else
            (3 * units,).
        mask: None or booleans (batch, time).
        activation, recurrent_activation: names from `RECURRENT_ACTIVATIONS`.
        go_backwards: process the steps last to first.
        reset_after: apply the reset gate after the recurrent matrix multiplication.

    Returns:
        ``(outputs, h)``: all outputs (batch, time, units) and the final state.

    Example:
        >>> import numpy as np, nnet
        >>> out, h = nnet.ops.gru(np.ones((2, 5, 3)), np.zeros((2, 4)), np.ones((3, 12)) * 0.1,
        ...                       np.zeros((4, 12)), np.zeros((2, 12)))
        >>> out.shape, h.shape
        ((2, 5, 4), (2, 4))
    """
    xp, xt, skip, lead = _start(x, mask, go_backwards, activation=activation,
                                recurrent_activation=recurrent_activation)
    steps, batch, _ = xt.shape
    u = kernel.shape[1] // 3
    scale = _gate_scale(xp, 3 * u, 2 * u, x.dtype, recurrent_activation)
    g = xp.empty((steps, batch, 3 * u), dtype=x.dtype)
    xp.matmul(xt.reshape(steps * batch, -1), kernel * scale, out=g.reshape(steps * batch, 3 * u))
    b_rh = None
    if bias is not None:
        b_in = bias[0] if reset_after else bias
        g += b_in * scale
        if reset_after:
            g[:, :, :2 * u] += bias[1, :2 * u] * scale[:2 * u]
            b_rh = bias[1, 2 * u:]
    r_zr = recurrent_kernel[:, :2 * u] * scale[:2 * u]
    r_h = recurrent_kernel[:, 2 * u:]
    h = xp.empty((steps + 1, batch, u), dtype=x.dtype)
    h[0] = h0
    # inner: h[t-1] @ R_h (+ b'_h) with `reset_after`, else r * h[t-1]; kept for the vjp.
    inner = xp.empty((steps, batch, u), dtype=x.dtype)
    tmp_zr, tmp_u = xp.empty((batch, 2 * u), dtype=x.dtype), xp.empty((batch, u), dtype=x.dtype)
    with _overflow_to_zero():
        for t in range(steps):
            zr, hh = g[t][:, :2 * u], g[t][:, 2 * u:]
            xp.matmul(h[t], r_zr, out=tmp_zr)
            zr += tmp_zr
            _apply(xp, recurrent_activation, zr, negated=True)
            if reset_after:
                xp.matmul(h[t], r_h, out=inner[t])
                if b_rh is not None:
                    inner[t] += b_rh
                xp.multiply(zr[:, u:], inner[t], out=tmp_u)
            else:
                xp.multiply(zr[:, u:], h[t], out=inner[t])
                xp.matmul(inner[t], r_h, out=tmp_u)
            hh += tmp_u
            _apply(xp, activation, hh)
            xp.subtract(h[t], hh, out=h[t + 1])
            h[t + 1] *= zr[:, :u]
            h[t + 1] += hh
            if skip is not None:
                xp.copyto(h[t + 1], h[t], where=skip[t])

    def vjp(grads):
        g_seq, g_h = grads
        gy = _incoming(xp, g_seq, lead)
        z, r, hh = g[:, :, :u], g[:, :, u:2 * u], g[:, :, 2 * u:]
        p_h = (1 - z) * _derivative(activation, hh)
        p_z = (h[:-1] - hh) * _derivative(recurrent_activation, z)
        p_r = _derivative(recurrent_activation, r) * (inner if reset_after else h[:-1])
        keep_z = z
        if skip is not None:
            p_h *= ~skip
            p_z *= ~skip
            keep_z = xp.where(skip, 1, z)
        dh_all = xp.empty((steps, batch, u), dtype=x.dtype)
        dh_all[-1] = _final_grad(xp, g_h, h[0])
        rec, tmp_u = xp.empty((batch, u), dtype=x.dtype), xp.empty((batch, u), dtype=x.dtype)
        if reset_after:
            # The gradient of the recurrent pre-activations is dh times these, per step.
            p_rec = (p_z, p_h * p_r, p_h * r)
            drec = xp.empty((steps, batch, 3 * u), dtype=x.dtype)
            drec4 = drec.reshape(steps, batch, 3, u)
            rt = xp.ascontiguousarray(recurrent_kernel.T)
        else:
            dz = xp.empty((steps, batch, 3 * u), dtype=x.dtype)
            drh = xp.empty((steps, batch, u), dtype=x.dtype)
            rt_zr = xp.ascontiguousarray(recurrent_kernel[:, :2 * u].T)
            rt_h = xp.ascontiguousarray(r_h.T)
        for t in range(steps - 1, -1, -1):
            dh = dh_all[t]
            if t < steps - 1:
                dh[...] = rec
            if gy is not None:
                dh += gy[t]
            if reset_after:
                for k, p in enumerate(p_rec):
                    xp.multiply(dh, p[t], out=drec4[t, :, k])
                xp.matmul(drec[t], rt, out=rec)
            else:
                xp.multiply(dh, p_h[t], out=dz[t][:, 2 * u:])
                xp.matmul(dz[t][:, 2 * u:], rt_h, out=drh[t])
                xp.multiply(dh, p_z[t], out=dz[t][:, :u])
                xp.multiply(drh[t], p_r[t], out=dz[t][:, u:2 * u])
                xp.matmul(dz[t][:, :2 * u], rt_zr, out=rec)
                xp.multiply(drh[t], r[t], out=tmp_u)
                rec += tmp_u
            xp.multiply(dh, keep_z[t], out=tmp_u)
            rec += tmp_u
        if reset_after:
            dz = xp.concatenate([dh_all * p_z, dh_all * p_h * p_r, dh_all * p_h], axis=2)
            drecurrent = _weight_grad(h[:-1], drec)
            db = None if bias is None else xp.stack([dz.sum(axis=(0, 1)),
                                                     drec.sum(axis=(0, 1))])
        else:
            drecurrent = xp.concatenate([_weight_grad(h[:-1], dz[:, :, :2 * u]),
                                         _weight_grad(inner, dz[:, :, 2 * u:])], axis=1)
            db = None if bias is None else dz.sum(axis=(0, 1))
        dx, dkernel = _input_grads(xp, dz, xt, kernel, go_backwards)
        return dx, rec, dkernel, drecurrent, db, None

    return (_outputs(xp, h, lead), h[steps]), vjp
