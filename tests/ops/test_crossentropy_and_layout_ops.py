"""Cross-entropies as ops, PSNR, rearrange, depth_to_space, space_to_depth, unfold and fold:
the op table
(values against NumPy, float64 numerical gradients, float32 gradients staying float32) and
Keras 3 (torch backend) as the oracle for values, dtypes and einops patterns."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_op

import nnet
from nnet import ops

EPS = 1e-7
LABELS = np.array([2, 0, 1, 2])


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _probabilities(z, axis=-1):
    return np.clip(_softmax(z, axis), EPS, 1 - EPS)


TABLE = [
    ("binary_crossentropy", lambda t, z: ops.binary_crossentropy(t, ops.sigmoid(z)),
     lambda t, z: (lambda p: -(t * np.log(p) + (1 - t) * np.log(1 - p)))(
         np.clip(1 / (1 + np.exp(-z)), EPS, 1 - EPS)),
     [np.random.default_rng(0).uniform(0, 1, (4, 3)), (4, 3)], {}, {}),
    ("binary_crossentropy_logits",
     lambda t, z: ops.binary_crossentropy(t, z, from_logits=True),
     lambda t, z: (np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))).astype(z.dtype),
     [np.random.default_rng(1).uniform(0, 1, (4, 3)), (4, 3)], {}, {}),
    ("categorical_crossentropy", lambda t, z: ops.categorical_crossentropy(t, ops.softmax(z)),
     lambda t, z: -(t * np.log(_probabilities(z))).sum(-1),
     [np.eye(3)[LABELS[:3]], (3, 3)], {}, {}),
    ("categorical_crossentropy_axis0_logits",
     lambda t, z: ops.categorical_crossentropy(t, z, from_logits=True, axis=0),
     lambda t, z: -(t * np.log(_softmax(z, 0))).sum(0).astype(z.dtype),
     [np.eye(3)[LABELS[:3]], (3, 3)], {}, {}),
    ("sparse_categorical_crossentropy",
     lambda t, z: ops.sparse_categorical_crossentropy(t, ops.softmax(z)),
     lambda t, z: -np.log(_probabilities(z)[np.arange(4), t]), [LABELS, (4, 3)], {}, {}),
    ("sparse_categorical_crossentropy_logits",
     lambda t, z: ops.sparse_categorical_crossentropy(t, z, from_logits=True),
     lambda t, z: -np.log(_softmax(z)[np.arange(4), t[:, 0]]), [LABELS[:, None], (4, 3)], {},
     {}),
    ("psnr", lambda a, b: ops.psnr(a, b, 2.0),
     lambda a, b: (20 * np.log10(2.0) - 10 * np.log10(np.mean((a - b) ** 2))).astype(a.dtype),
     [(3, 4), (3, 4)], {}, {}),
    ("rearrange_merge_split", lambda x: ops.rearrange(x, "b (h w) c -> (b c) w h", w=2),
     lambda x: x.reshape(2, 3, 2, 5).transpose(0, 3, 2, 1).reshape(10, 2, 3), [(2, 6, 5)], {},
     {}),
    ("depth_to_space", lambda x: ops.depth_to_space(x, 2),
     lambda x: x.reshape(1, 2, 3, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5).reshape(1, 4, 6, 2),
     [(1, 2, 3, 8)], {}, {}),
    ("space_to_depth_channels_first",
     lambda x: ops.space_to_depth(x, 2, data_format="channels_first"),
     lambda x: x.reshape(1, 2, 2, 2, 3, 2).transpose(0, 1, 3, 5, 2, 4).reshape(1, 8, 2, 3),
     [(1, 2, 4, 6)], {}, {}),
    ("unfold", lambda x: ops.unfold(x, 2, padding=1, stride=(1, 2)),
     lambda x: _unfold_reference(x, (2, 2), (1, 1), (1, 1), (1, 2)), [(2, 2, 3, 4)], {}, {}),
    ("unfold_dilated", lambda x: ops.unfold(x, (2, 3), dilation=2),
     lambda x: _unfold_reference(x, (2, 3), (2, 2), (0, 0), (1, 1)), [(1, 1, 5, 6)], {}, {}),
    ("fold", lambda c: ops.fold(c, (3, 4), 2, padding=1, stride=(1, 2)),
     lambda c: _fold_reference(c, (3, 4), (2, 2), (1, 1), (1, 2)), [(2, 8, 12)], {}, {}),
]


def _blocks(size, kernel, dilation, padding, stride):
    h, w = size[0] + 2 * padding[0], size[1] + 2 * padding[1]
    for i in range((h - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1):
        for j in range((w - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1):
            yield (slice(i * stride[0], i * stride[0] + dilation[0] * (kernel[0] - 1) + 1,
                         dilation[0]),
                   slice(j * stride[1], j * stride[1] + dilation[1] * (kernel[1] - 1) + 1,
                         dilation[1]))


def _unfold_reference(x, kernel, dilation, padding, stride):
    p = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    columns = [p[:, :, r, c].reshape(x.shape[0], -1)
               for r, c in _blocks(x.shape[2:], kernel, dilation, padding, stride)]
    return np.stack(columns, -1)


def _fold_reference(cols, size, kernel, padding, stride):
    n, c = cols.shape[0], cols.shape[1] // (kernel[0] * kernel[1])
    out = np.zeros((n, c, size[0] + 2 * padding[0], size[1] + 2 * padding[1]), cols.dtype)
    for k, (r, s) in enumerate(_blocks(size, kernel, (1, 1), padding, stride)):
        out[:, :, r, s] += cols[:, :, k].reshape(n, c, *kernel)
    return out[:, :, padding[0]:padding[0] + size[0], padding[1]:padding[1] + size[1]]


@pytest.mark.parametrize("name,op,reference,shapes,kwargs,options", TABLE,
                         ids=[row[0] for row in TABLE])
def test_op(name, op, reference, shapes, kwargs, options):
    check_op(op, reference, shapes, kwargs, **options)


@pytest.fixture
def keras():
    return pytest.importorskip("keras")


def test_crossentropies_and_psnr_match_keras(keras):
    rng = np.random.default_rng(2)
    z = rng.standard_normal((4, 3)).astype("float32")
    p = _softmax(z).astype("float32")
    t = np.eye(3, dtype="float32")[LABELS[:4] % 3]
    b = rng.uniform(0, 1, (4, 3)).astype("float32")
    cases = [
        ("binary_crossentropy", (b, p), {}), ("binary_crossentropy", (b, z), {"from_logits": True}),
        ("categorical_crossentropy", (t, p), {}),
        ("categorical_crossentropy", (t, z), {"from_logits": True}),
        ("categorical_crossentropy", (t.T.copy(), p.T.copy()), {"axis": 0}),
        ("sparse_categorical_crossentropy", (LABELS, p), {}),
        ("sparse_categorical_crossentropy", (LABELS[:, None], z), {"from_logits": True}),
        ("psnr", (p, b, 1.0), {}),
    ]
    for name, args, kwargs in cases:
        ours = getattr(ops, name)(*args, **kwargs).numpy()
        theirs = keras.ops.convert_to_numpy(getattr(keras.ops, name)(*args, **kwargs))
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6, err_msg=name)
        assert ours.dtype == theirs.dtype, name


@pytest.mark.parametrize("pattern,lengths", [
    ("b h w c -> b c h w", {}),
    ("b h w c -> b (h w) c", {}),
    ("b (h h1) (w w1) c -> b h w (c h1 w1)", {"h1": 2, "w1": 3}),
    ("b h w c -> (b h) w c", {}),
    ("b h (w w1) c -> w1 b h w c", {"w": 2}),
])
def test_rearrange_matches_keras(keras, pattern, lengths):
    x = np.arange(2 * 4 * 6 * 3, dtype="float32").reshape(2, 4, 6, 3)
    np.testing.assert_array_equal(ops.rearrange(x, pattern, **lengths).numpy(),
                                  keras.ops.convert_to_numpy(
                                      keras.ops.rearrange(x, pattern, **lengths)))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depth_and_space_match_keras(keras, data_format):
    x = np.arange(2 * 4 * 6 * 8, dtype="float32").reshape(2, 4, 6, 8)
    for name in ("depth_to_space", "space_to_depth"):
        ours = getattr(ops, name)(x, 2, data_format=data_format).numpy()
        theirs = keras.ops.convert_to_numpy(
            getattr(keras.ops, name)(x, 2, data_format=data_format))
        np.testing.assert_array_equal(ours, theirs, err_msg=name)
    np.testing.assert_array_equal(
        ops.depth_to_space(ops.space_to_depth(x, 2, data_format), 2, data_format).numpy(), x)


def test_unfold_and_fold_match_keras(keras):
    x = np.random.default_rng(4).standard_normal((2, 3, 5, 6)).astype("float32")
    kwargs = {"kernel_size": (2, 3), "dilation": (1, 2), "padding": 1, "stride": 2}
    cols = ops.unfold(x, **kwargs).numpy()
    tensor = keras.ops.convert_to_tensor
    np.testing.assert_allclose(
        cols, keras.ops.convert_to_numpy(keras.ops.unfold(tensor(x), **kwargs)))
    np.testing.assert_allclose(
        ops.fold(cols, (5, 6), **kwargs).numpy(),
        keras.ops.convert_to_numpy(keras.ops.fold(tensor(cols), (5, 6), **kwargs)), rtol=1e-6)


def test_layout_ops_in_a_saved_functional_model(tmp_path):
    inputs = nnet.Input((4, 6, 3))
    outputs = ops.rearrange(ops.space_to_depth(inputs, 2), "b h w c -> b (h w c)")
    model = nnet.Model(inputs, outputs)
    assert model.output.shape == (None, 72)
    x = np.random.default_rng(3).standard_normal((2, 4, 6, 3)).astype("float32")
    path = tmp_path / "model.keras"
    model.save(path)
    np.testing.assert_array_equal(nnet.saving.load_model(path).predict(x, verbose=0),
                                  model.predict(x, verbose=0))


def test_bad_patterns_and_labels_are_refused_clearly():
    with pytest.raises(ValueError, match="'->'"):
        ops.rearrange(np.zeros((2, 3)), "a b")
    with pytest.raises(ValueError, match="each axis once"):
        ops.rearrange(np.zeros((2, 3)), "a b -> a")
    with pytest.raises(ValueError, match="Cannot split"):
        ops.rearrange(np.zeros((2, 5)), "a (b c) -> a b c", b=2)
    with pytest.raises(ValueError, match="block_size"):
        ops.depth_to_space(np.zeros((1, 2, 2, 4)), 1)
    with pytest.raises(ValueError, match="label 3"):
        ops.sparse_categorical_crossentropy(np.array([3]), np.ones((1, 3)) / 3)
    with pytest.raises(ValueError, match="same shape"):
        ops.binary_crossentropy(np.ones(3), np.ones((3, 1)) / 2)
