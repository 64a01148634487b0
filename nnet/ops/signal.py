"""Fourier transforms and short-time Fourier transforms, with Keras's convention for complex
values: a pair ``(real, imag)`` of float tensors. Also framing (`extract_sequences`) and the
complex helpers `view_as_complex`, `view_as_real` and `polar`.

Every transform here is linear, so its vjp is its adjoint: with the gradient of a real loss
written ``G = g_real + i g_imag``, the gradient of the input is ``F^H G`` split back into parts.
"""

import math

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.autodiff.tensor import SymbolicTensor, Tensor
from nnet.backend import array_module, floatx, standardize_dtype
from nnet.ops.creation import array
from nnet.ops.math import multiply
from nnet.ops.shape import getitem, pad


def _pair(x, name):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"Input x of {name} should be a tuple of two tensors - real and "
                         f"imaginary. Received: x={x!r}")
    real, imag = x
    if tuple(real.shape) != tuple(imag.shape):
        raise ValueError(f"The real and imaginary parts of x should have the same shape. "
                         f"Received: x[0].shape={tuple(real.shape)}, "
                         f"x[1].shape={tuple(imag.shape)}")
    for part in (real, imag):
        if np.dtype(part.dtype).kind != "f":
            raise ValueError(f"Both parts of x must be float tensors. Received dtypes "
                             f"{real.dtype} and {imag.dtype}")
    return real, imag


def _split(z, dtype):
    return z.real.astype(dtype), z.imag.astype(dtype)


@primitive
def _transform(real, imag, kind):
    """fft (last axis), fft2 or ifft2 (last two axes) of real + i imag."""
    xp = array_module(real, imag)
    z = real + 1j * imag
    axes = (-1,) if kind == "fft" else (-2, -1)
    forward = kind != "ifft2"
    out = (xp.fft.fftn if forward else xp.fft.ifftn)(z, axes=axes)
    size = math.prod(z.shape[a] for a in axes)

    def vjp(gs):
        gr, gi = (xp.zeros(real.shape, real.dtype) if g is None else g for g in gs)
        big_g = gr + 1j * gi
        # The adjoint of the unnormalised forward transform is size * inverse, and back.
        adjoint = (xp.fft.ifftn(big_g, axes=axes) * size if forward
                   else xp.fft.fftn(big_g, axes=axes) / size)
        return _split(adjoint, real.dtype)

    return _split(out, real.dtype), vjp


@graph_op
def fft(x):
    """The discrete Fourier transform along the last axis of ``x = (real, imag)``.

    Example:
        >>> import numpy as np, nnet
        >>> real, imag = nnet.ops.fft((np.array([1.0, 0.0, 0.0, 0.0]), np.zeros(4)))
        >>> real.numpy()
        array([1., 1., 1., 1.])
    """
    return _transform(*_pair(x, "fft"), kind="fft")


@graph_op
def fft2(x):
    """The 2-D discrete Fourier transform over the last two axes of ``x = (real, imag)``.

    Example:
        >>> import numpy as np, nnet
        >>> real, imag = nnet.ops.fft2((np.ones((2, 2)), np.zeros((2, 2))))
        >>> real.numpy()
        array([[4., 0.],
               [0., 0.]])
    """
    return _transform(*_pair(x, "fft2"), kind="fft2")


@graph_op
def ifft2(x):
    """The inverse 2-D discrete Fourier transform over the last two axes of
    ``x = (real, imag)``.

    Example:
        >>> import numpy as np, nnet
        >>> real, imag = nnet.ops.ifft2((np.full((2, 2), 4.0), np.zeros((2, 2))))
        >>> real.numpy()
        array([[4., 0.],
               [0., 0.]])
    """
    return _transform(*_pair(x, "ifft2"), kind="ifft2")


def _float(x):
    return x if x.dtype.kind == "f" else x.astype(floatx())


@primitive
def _rfft(x, n):
    xp = array_module(x)
    x = _float(x)
    out = xp.fft.rfft(x, n=n, axis=-1)
    bins = out.shape[-1]

    def vjp(gs):
        gr, gi = (xp.zeros(out.shape, x.dtype) if g is None else g for g in gs)
        full = xp.zeros(x.shape[:-1] + (n,), dtype=out.dtype)
        full[..., :bins] = gr + 1j * gi
        gx = (xp.fft.ifft(full, axis=-1) * n).real.astype(x.dtype)
        size = x.shape[-1]
        if size > n:
            return (xp.concatenate([gx, xp.zeros(x.shape[:-1] + (size - n,), x.dtype)], -1),)
        return (gx[..., :size],)

    return _split(out, x.dtype), vjp


@graph_op
def rfft(x, fft_length=None):
    """The Fourier transform of a real signal along its last axis: the ``n // 2 + 1``
    non-redundant bins, as ``(real, imag)``.

    Args:
        x: the real signal (..., samples).
        fft_length: the transform length n (the signal is cropped or zero-padded to it);
            ``samples`` by default.

    Example:
        >>> import numpy as np, nnet
        >>> real, imag = nnet.ops.rfft(np.array([1.0, 2.0, 3.0, 4.0]))
        >>> real.numpy(), imag.numpy()
        (array([10., -2., -2.]), array([0., 2., 0.]))
    """
    n = int(fft_length) if fft_length is not None else x.shape[-1]
    return _rfft(x, n)


@primitive
def _irfft(real, imag, n):
    xp = array_module(real, imag)
    bins = real.shape[-1]
    out = xp.fft.irfft(real + 1j * imag, n=n, axis=-1).astype(real.dtype)

    def vjp(g):
        # The inverse counts every bin but the first (and the Nyquist bin of an even n) twice;
        # the imaginary parts of those two bins are ignored.
        spectrum = xp.fft.rfft(g, axis=-1) / n
        weight = xp.full(spectrum.shape[-1], 2.0)
        weight[0] = 1.0
        if n % 2 == 0:
            weight[-1] = 1.0
        spectrum = spectrum * weight
        kept = min(bins, spectrum.shape[-1])
        gz = xp.zeros(real.shape, dtype=spectrum.dtype)
        gz[..., :kept] = spectrum[..., :kept]
        return gz.real.astype(real.dtype), gz.imag.astype(real.dtype)

    return out, vjp


@graph_op
def irfft(x, fft_length=None):
    """The inverse of `rfft`: a real signal of length `fft_length` (``2 * (bins - 1)`` by
    default) from the bins ``x = (real, imag)``.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.irfft((np.array([10.0, -2.0, -2.0]), np.array([0.0, 2.0, 0.0]))).numpy()
        array([1., 2., 3., 4.])
    """
    real, imag = _pair(x, "irfft")
    n = int(fft_length) if fft_length is not None else 2 * (real.shape[-1] - 1)
    return _irfft(real, imag, n)


@primitive
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of `sequence_length` samples every `sequence_stride` samples along the last axis:
    (..., samples) -> (..., num_frames, sequence_length).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.extract_sequences(np.arange(5.0), 3, 2).numpy()
        array([[0., 1., 2.],
               [2., 3., 4.]])
    """
    xp = array_module(x)
    frames = 1 + (x.shape[-1] - sequence_length) // sequence_stride
    index = (xp.arange(frames)[:, None] * sequence_stride + xp.arange(sequence_length)[None])

    def vjp(g):
        gx = xp.zeros(x.shape, dtype=g.dtype)
        xp.add.at(gx, (Ellipsis, index), g)
        return gx, None, None

    return x[..., index], vjp


@primitive
def _overlap_add(x, sequence_stride):
    """Frames (..., num_frames, frame_length) added back at every `sequence_stride` samples."""
    xp = array_module(x)
    frames, width = x.shape[-2:]
    index = xp.arange(frames)[:, None] * sequence_stride + xp.arange(width)[None]
    out = xp.zeros(x.shape[:-2] + (sequence_stride * (frames - 1) + width,), x.dtype)
    xp.add.at(out, (Ellipsis, index), x)
    return out, lambda g: (g[..., index], None)


def _window(window, sequence_length, dtype):
    if window is None:
        return np.ones(sequence_length, dtype)
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f'If a string is passed to window, it must be one of "hann", '
                             f'"hamming". Received: window={window!r}')
        # Periodic windows, as Keras's.
        phase = np.cos(2 * np.pi * np.arange(sequence_length) / sequence_length)
        values = 0.5 - 0.5 * phase if window == "hann" else 0.54 - 0.46 * phase
        return values.astype(dtype)
    values = np.asarray(window.data if isinstance(window, Tensor) else window, dtype)
    if values.shape != (sequence_length,):
        raise ValueError(f"The shape of window must be equal to [sequence_length]. Received: "
                         f"window shape={values.shape}")
    return values


def _centered(window, fft_length):
    left = (fft_length - len(window)) // 2
    return np.pad(window, (left, fft_length - len(window) - left))


@graph_op
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The short-time Fourier transform along the last axis, as ``(real, imag)`` of shape
    (..., num_frames, fft_length // 2 + 1).

    Args:
        x: float32 or float64 signals (..., samples).
        sequence_length: the window length (<= fft_length; the window is centered in frames of
            fft_length samples).
        sequence_stride: the hop between frames.
        fft_length: the frame (and transform) length.
        window: "hann" or "hamming" (periodic), an array of sequence_length values, or None.
        center: pad fft_length // 2 samples on both sides (reflection) so frames are centered.

    Example:
        >>> import numpy as np, nnet
        >>> real, imag = nnet.ops.stft(np.ones(8, "float32"), 4, 2, 4)
        >>> real.shape
        (5, 3)
    """
    x = x if isinstance(x, (Tensor, SymbolicTensor)) else array(x)
    dtype = standardize_dtype(x.dtype)
    if dtype not in ("float32", "float64"):
        raise TypeError(f"Invalid input type. Expected float32 or float64. Received: input "
                        f"type={dtype}")
    if fft_length < sequence_length:
        raise ValueError(f"fft_length must equal or larger than sequence_length. Received: "
                         f"sequence_length={sequence_length}, fft_length={fft_length}")
    win = _centered(_window(window, sequence_length, dtype), fft_length)
    if center:
        widths = [(0, 0)] * (len(x.shape) - 1) + [(fft_length // 2, fft_length // 2)]
        x = pad(x, widths, mode="reflect")
    frames = multiply(extract_sequences(x, fft_length, sequence_stride), win)
    return rfft(frames, fft_length)


@graph_op
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """The inverse of `stft`: signals from ``x = (real, imag)`` of shape
    (..., num_frames, fft_length // 2 + 1), by inverse transforms, windowing and overlap-add.

    Args:
        x, sequence_length, sequence_stride, fft_length, window, center: as for `stft`.
        length: the length of the output (cropped or zero-padded), by default what the frames
            cover less the centering padding.

    Example:
        >>> import numpy as np, nnet
        >>> signal = np.sin(np.arange(16.0))
        >>> spectrum = nnet.ops.stft(signal, 8, 2, 8)
        >>> np.allclose(nnet.ops.istft(spectrum, 8, 2, 8, length=16).numpy(), signal)
        True
    """
    real, _ = _pair(x, "istft")
    dtype = standardize_dtype(real.dtype)
    win = None if window is None else _window(window, sequence_length, dtype)
    frames = irfft(x, fft_length)
    count = frames.shape[-2]
    expected = fft_length + sequence_stride * (count - 1)
    if win is not None and sequence_length == fft_length and center:
        # PyTorch's istft: divide by the overlap-added squared window at every sample.
        envelope = np.zeros(expected, dtype)
        for k in range(count):
            envelope[k * sequence_stride:k * sequence_stride + fft_length] += win ** 2
        signal = _overlap_add(multiply(frames, win), sequence_stride)
        start = fft_length // 2
        end = start + length if length is not None else expected - fft_length // 2
        stop = min(end, expected)
        out = getitem(signal, (Ellipsis, slice(start, stop))) / envelope[start:stop]
        if end > stop:
            widths = [(0, 0)] * (len(out.shape) - 1) + [(0, end - stop)]
            out = pad(out, widths)
        return out
    if win is not None:
        # TensorFlow's inverse_stft_window_fn: the window over the sum of squared windows
        # that overlap at each position of a frame.
        win = _centered(win, fft_length)
        overlaps = -(-fft_length // sequence_stride)
        squares = np.pad(win ** 2, (0, overlaps * sequence_stride - fft_length))
        denominator = np.tile(squares.reshape(overlaps, sequence_stride).sum(0), overlaps)
        frames = multiply(frames, (win / denominator[:fft_length]).astype(dtype))
    signal = _overlap_add(frames, sequence_stride)
    start = 0 if not center else fft_length // 2
    if length is not None:
        end = start + length
    elif center:
        end = signal.shape[-1] - fft_length // 2
    else:
        end = expected
    return getitem(signal, (Ellipsis, slice(start, end)))


@primitive
def view_as_complex(x):
    """A complex64 tensor from a real one whose last axis holds (real, imaginary).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.view_as_complex(np.array([[1.0, 2.0], [3.0, 4.0]])).numpy()
        array([1.+2.j, 3.+4.j], dtype=complex64)
    """
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError(f"Last dimension of input must be size 2 (real and imaginary). "
                         f"Received shape: {x.shape}")
    xp = array_module(x)
    out = x[..., 0].astype(np.complex64) + 1j * x[..., 1].astype(np.complex64)
    return out.astype(np.complex64), lambda g: (xp.stack([g.real, g.imag], -1).astype(x.dtype),)


@primitive
def view_as_real(x):
    """A real tensor whose last axis of size 2 holds the real and imaginary parts of x.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.view_as_real(np.array([1 + 2j, 3 + 4j])).numpy()
        array([[1., 2.],
               [3., 4.]])
    """
    xp = array_module(x)
    out = xp.stack([xp.real(x), xp.imag(x)], axis=-1)
    if x.dtype.kind != "c":
        return out, lambda g: (g[..., 0],)
    return out, lambda g: ((g[..., 0] + 1j * g[..., 1]).astype(x.dtype),)


@primitive
def polar(abs_, angle):
    """The complex numbers ``abs_ * exp(i angle)``.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.polar(np.array([2.0]), np.array([0.0])).numpy()
        array([2.+0.j])
    """
    xp = array_module(abs_, angle)
    turn = xp.exp(1j * angle)
    out = abs_ * turn

    def vjp(g):
        unturned = g * xp.conj(turn)
        return unturned.real.astype(abs_.dtype), (abs_ * unturned.imag).astype(angle.dtype)

    return out, vjp
