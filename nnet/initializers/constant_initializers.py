"""Initializers that do not draw: `Zeros`, `Ones`, `Constant` and `Identity`."""

import numpy as np

from nnet import backend
from nnet.initializers.initializer import INITIALIZERS, Initializer, _cast


@INITIALIZERS.register(aliases=("zero",))
class Zeros(Initializer):
    """All zeros (the default bias initializer).

    Example:
        >>> Zeros()((2,))
        array([0., 0.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype=dtype or backend.floatx())


@INITIALIZERS.register(aliases=("one",))
class Ones(Initializer):
    """All ones.

    Example:
        >>> Ones()((2,), dtype="int32")
        array([1, 1], dtype=int32)
    """

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=dtype or backend.floatx())


@INITIALIZERS.register
class Constant(Initializer):
    """Every value equal to the scalar `value`.

    Args:
        value: a Python scalar.

    Example:
        >>> Constant(0.5)((2,))
        array([0.5, 0.5], dtype=float32)
    """

    def __init__(self, value=0.0):
        self.value = value.item() if isinstance(value, np.generic) else value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=dtype or backend.floatx())

    def get_config(self):
        return {"value": self.value}


@INITIALIZERS.register(aliases=("IdentityInitializer",))
class Identity(Initializer):
    """``gain`` times the identity matrix (rectangular shapes get ones on the main diagonal).

    Keras writes an empty config and so loses `gain`; nnet writes ``{"gain": gain}``, which
    Keras also reads.

    Args:
        gain: a multiplicative factor.

    Example:
        >>> Identity(gain=2.0)((2, 2))
        array([[2., 0.],
               [0., 2.]], dtype=float32)
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(
                f"Identity needs a 2-D shape. Received: shape={tuple(shape)} of rank "
                f"{len(shape)}. Use it for square or rectangular matrices only."
            )
        return _cast(self.gain * np.eye(*shape), dtype)

    def get_config(self):
        return {"gain": self.gain}


def _window(window, frame_length, periodic):
    """The window's values: a name from ``scipy.signal.windows`` (SciPy, an optional extra, is
    imported on first use), or the given array."""
    if isinstance(window, str):
        try:
            import scipy.signal
        except ImportError:
            raise ImportError(
                f"STFT(window={window!r}) takes the window from SciPy, which is not installed: "
                "`pip install scipy`, or pass the window's values as an array.") from None
        return scipy.signal.get_window(window, frame_length, periodic)
    return np.asarray(window, dtype=np.float64)


@INITIALIZERS.register(aliases=("stft", "STFTInitializer"))
class STFT(Initializer):
    """Kernels of a convolution that computes a short-time Fourier transform (the real or the
    imaginary side), windowed and normalized.

    For a shape ``(T, 1, F)`` (frame length, channels, ``fft_length // 2 + 1`` bins), with
    ``N = 2 * (F - 1)``: ``kernel[t, 0, f] = cos(-2 pi t f / N) * w[t] / s`` for ``"real"``
    (``sin`` for ``"imag"``), where `w` is the window and ``s`` is ``sqrt(sum(w**2))``
    (``"density"``), ``sum(|w|)`` (``"spectrum"``) or 1 (None). Computed in float64, then cast.

    Args:
        side: ``"real"`` or ``"imag"``.
        window: the name of a window of ``scipy.signal.windows`` (``"hann"``, ``"hamming"``...),
            an array of T values, or None for no window.
        scaling: ``"density"``, ``"spectrum"`` or None.
        periodic: use the periodic form of a named window (the one for spectral analysis).

    Example:
        >>> STFT(side="real", window=None)((4, 1, 3), dtype="float64").round(3)[:, 0]
        array([[ 1.,  1.,  1.],
               [ 1.,  0., -1.],
               [ 1., -1.,  1.],
               [ 1., -0., -1.]])
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"Expected 'real' or 'imag' for side. Received: side={side!r}")
        if isinstance(window, str):
            _window(window, 1, periodic)  # an unknown name fails here, not at build time
        if scaling not in (None, "density", "spectrum"):
            raise ValueError("Expected None, 'density' or 'spectrum' for scaling. "
                             f"Received: scaling={scaling!r}")
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        if len(shape) != 3:
            raise ValueError("STFT needs a shape (frame_length, input_channels, fft_length // 2 "
                             f"+ 1). Received: shape={tuple(shape)}")
        frame_length, _, bins = shape
        time = np.arange(frame_length, dtype=np.float64).reshape(-1, 1, 1)
        freq = np.arange(bins, dtype=np.float64).reshape(1, 1, -1) / ((bins - 1) * 2)
        args = -2 * time * freq * np.pi
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if self.window is not None:
            win = _window(self.window, frame_length, self.periodic)
            if win.shape != (frame_length,):
                raise ValueError(
                    f"Expected a window of shape ({frame_length},), the frame length. Received: "
                    f"window shape={win.shape}")
            scale = {"density": np.sqrt(np.sum(win * win)), "spectrum": np.sum(np.abs(win)),
                     None: 1.0}[self.scaling]
            kernel = kernel * win.reshape(-1, 1, 1) / scale
        return _cast(kernel, dtype)

    def get_config(self):
        return {"side": self.side, "window": self.window, "periodic": self.periodic,
                "scaling": self.scaling}
