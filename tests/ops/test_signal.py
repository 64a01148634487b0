"""Fourier transforms, STFT, framing and complex helpers: the op table (values against NumPy,
float64 numerical gradients through the (real, imag) pairs, float32 gradients staying float32)
and Keras 3 (torch backend) for stft/istft and the complex conventions."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_op

import nnet
from nnet import ops
from nnet.autodiff import check_grad


def _mix(pair):
    """One real tensor from a (real, imag) pair, weighting the parts differently."""
    real, imag = pair
    return real * 2.0 + imag * imag


def _np_mix(z, dtype):
    return (z.real * 2 + z.imag ** 2).astype(dtype)


TABLE = [
    ("fft", lambda r, i: _mix(ops.fft((r, i))),
     lambda r, i: _np_mix(np.fft.fft(r + 1j * i), r.dtype), [(3, 5), (3, 5)], {}, {}),
    ("fft2", lambda r, i: _mix(ops.fft2((r, i))),
     lambda r, i: _np_mix(np.fft.fft2(r + 1j * i), r.dtype), [(2, 3, 4), (2, 3, 4)], {}, {}),
    ("ifft2", lambda r, i: _mix(ops.ifft2((r, i))),
     lambda r, i: _np_mix(np.fft.ifft2(r + 1j * i), r.dtype), [(3, 4), (3, 4)], {}, {}),
    ("rfft", lambda x: _mix(ops.rfft(x)), lambda x: _np_mix(np.fft.rfft(x), x.dtype), [(2, 6)],
     {}, {}),
    ("rfft_padded", lambda x: _mix(ops.rfft(x, 8)),
     lambda x: _np_mix(np.fft.rfft(x, 8), x.dtype), [(2, 5)], {}, {}),
    ("rfft_cropped", lambda x: _mix(ops.rfft(x, 4)),
     lambda x: _np_mix(np.fft.rfft(x, 4), x.dtype), [(7,)], {}, {}),
    ("irfft_even", lambda r, i: ops.irfft((r, i)),
     lambda r, i: np.fft.irfft(r + 1j * i).astype(r.dtype), [(2, 4), (2, 4)], {}, {}),
    ("irfft_odd_length", lambda r, i: ops.irfft((r, i), 7),
     lambda r, i: np.fft.irfft(r + 1j * i, 7).astype(r.dtype), [(4,), (4,)], {}, {}),
    ("irfft_more_bins", lambda r, i: ops.irfft((r, i), 4),
     lambda r, i: np.fft.irfft(r + 1j * i, 4).astype(r.dtype), [(5,), (5,)], {}, {}),
    ("extract_sequences", lambda x: ops.extract_sequences(x, 3, 2),
     lambda x: np.stack([x[..., k:k + 3] for k in (0, 2, 4)], -2), [(2, 7)], {}, {}),
    ("view_as_real_of_complex", lambda x: ops.view_as_real(ops.view_as_complex(x)) * 1.0,
     lambda x: x.astype(np.float32), [(3, 2)], {},
     {"grad": False}),
]


@pytest.mark.parametrize("name,op,reference,shapes,kwargs,options", TABLE,
                         ids=[row[0] for row in TABLE])
def test_op(name, op, reference, shapes, kwargs, options):
    check_op(op, reference, shapes, kwargs, **options)


def test_stft_istft_gradients_and_polar():
    rng = np.random.default_rng(0)
    check_grad(lambda x: _mix(ops.stft(x, 6, 2, 8)), rng.standard_normal((2, 16)))
    check_grad(lambda x: _mix(ops.stft(x, 4, 3, 4, window="hamming", center=False)),
               rng.standard_normal(13))
    check_grad(lambda r, i: ops.istft((r, i), 8, 2, 8), rng.standard_normal((5, 5)),
               rng.standard_normal((5, 5)))
    check_grad(lambda r, i: ops.istft((r, i), 6, 3, 8, length=12), rng.standard_normal((5, 5)),
               rng.standard_normal((5, 5)))
    check_grad(lambda a, t: ops.view_as_real(ops.polar(a, t)), rng.uniform(0.5, 2, 4),
               rng.standard_normal(4))


@pytest.fixture
def keras():
    return pytest.importorskip("keras")


@pytest.mark.parametrize("args,kwargs", [
    ((16, 4, 16), {}),
    ((12, 5, 16), {"window": "hamming"}),
    ((8, 8, 8), {"center": False, "window": None}),
    ((10, 3, 16), {"center": False}),
])
def test_stft_and_istft_match_keras(keras, args, kwargs):
    x = np.random.default_rng(1).standard_normal((2, 64)).astype("float32")
    ours = ops.stft(x, *args, **kwargs)
    theirs = [keras.ops.convert_to_numpy(v) for v in keras.ops.stft(x, *args, **kwargs)]
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.numpy(), t, rtol=1e-4, atol=1e-4)
        assert o.dtype == t.dtype
    spectrum = tuple(theirs)
    for length in (None, 50):
        back = ops.istft(spectrum, *args, length=length, **kwargs).numpy()
        k_back = keras.ops.convert_to_numpy(
            keras.ops.istft(spectrum, *args, length=length, **kwargs))
        np.testing.assert_allclose(back, k_back, rtol=1e-4, atol=1e-4)
        assert back.dtype == k_back.dtype


def test_transforms_and_complex_helpers_match_keras(keras):
    rng = np.random.default_rng(2)
    r, i = (rng.standard_normal((3, 4)).astype("float32") for _ in range(2))
    for name, args in (("fft", ((r, i),)), ("fft2", ((r, i),)), ("ifft2", ((r, i),)),
                       ("rfft", (r, 6)), ("irfft", ((r, i), 5))):
        ours = getattr(ops, name)(*args)
        theirs = getattr(keras.ops, name)(*args)
        for o, t in zip(ours if isinstance(ours, tuple) else (ours,),
                        theirs if isinstance(theirs, tuple) else (theirs,)):
            t = keras.ops.convert_to_numpy(t)
            np.testing.assert_allclose(o.numpy(), t, rtol=1e-5, atol=1e-5, err_msg=name)
            assert o.dtype == t.dtype, name
    pairs = np.stack([r, i], -1)
    z = ops.view_as_complex(pairs)
    k_z = keras.ops.convert_to_numpy(keras.ops.view_as_complex(pairs))
    np.testing.assert_array_equal(z.numpy(), k_z)
    assert z.dtype == k_z.dtype
    np.testing.assert_array_equal(ops.view_as_real(z).numpy(),
                                  keras.ops.convert_to_numpy(keras.ops.view_as_real(k_z)))
    np.testing.assert_allclose(ops.polar(np.abs(r), i).numpy(),
                               keras.ops.convert_to_numpy(keras.ops.polar(np.abs(r), i)),
                               rtol=1e-6)
    frames = ops.extract_sequences(r, 2, 1).numpy()
    np.testing.assert_array_equal(
        frames, keras.ops.convert_to_numpy(keras.ops.extract_sequences(r, 2, 1)))


def test_bad_pairs_and_windows_are_refused_clearly():
    with pytest.raises(ValueError, match="tuple of two tensors"):
        ops.fft(np.zeros(4))
    with pytest.raises(ValueError, match="same shape"):
        ops.fft((np.zeros(4), np.zeros(3)))
    with pytest.raises(ValueError, match='"hann"'):
        ops.stft(np.zeros(16, "float32"), 4, 2, 4, window="box")
    with pytest.raises(TypeError, match="float32 or float64"):
        ops.stft(np.zeros(16, "int32"), 4, 2, 4)
    assert nnet.ops.stft(np.zeros(16), 4, 2, 4)[0].dtype == np.float64


def test_stft_magnitudes_in_a_saved_functional_model(tmp_path):
    inputs = nnet.Input((32,))
    real, imag = ops.stft(inputs, 8, 4, 8)
    model = nnet.Model(inputs, ops.sqrt(real * real + imag * imag))
    x = np.random.default_rng(3).standard_normal((2, 32)).astype("float32")
    expected = np.abs(np.fft.rfft(np.stack(
        [np.pad(row, 4, mode="reflect")[k:k + 8] * np.hanning(9)[:8] for row in x
         for k in range(0, 33, 4)]), axis=-1)).reshape(2, 9, 5)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
    model.save(tmp_path / "model.keras")
    np.testing.assert_allclose(nnet.saving.load_model(tmp_path / "model.keras").predict(
        x, verbose=0), expected, rtol=1e-4, atol=1e-5)
