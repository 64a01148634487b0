"""Slices, scatters, segment reductions, top-k and multi-hot: the op table (values against
NumPy, float64 numerical gradients, float32 gradients staying float32) and Keras 3 (torch
backend) where its behaviour is specific (ties, empty segments, dtypes)."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_op

import nnet
from nnet import ops

IDS = np.array([0, 2, 0, 3, 2, 2])
INDEX = np.array([[1, 0], [2, 3], [1, 0], [0, 2]])


def _segment(reduce, fill):
    def reference(data, ids, num_segments=None):
        n = ids.max() + 1 if num_segments is None else num_segments
        out = np.full((n,) + data.shape[1:], fill, dtype=data.dtype)
        for s in range(n):
            if (ids == s).any():
                out[s] = reduce(data[ids == s], axis=0)
        return out
    return reference


def _scatter_update_reference(x, updates, reduction=None):
    out = x.copy()
    for i, (r, c) in enumerate(INDEX):
        out[r, c] = {None: lambda a, b: b, "add": np.add, "max": np.maximum, "min": np.minimum,
                     "mul": np.multiply}[reduction](out[r, c], updates[i])
    return out


def _scatter_reference(values):
    out = np.zeros((3, 4), values.dtype)
    np.add.at(out, tuple(INDEX.T), values)
    return out


TABLE = [
    ("slice", lambda x: ops.slice(x, (1, 0, 2), (2, 3, 2)), lambda x: x[1:3, 0:3, 2:4],
     [(3, 4, 5)], {}, {}),
    ("slice_update", lambda x, u: ops.slice_update(x, (1, 2), u),
     lambda x, u: (lambda o: (o.__setitem__((slice(1, 3), slice(2, 5)), u), o)[1])(x.copy()),
     [(4, 5), (2, 3)], {}, {}),
    ("scatter", lambda v: ops.scatter(INDEX, v, (3, 4)), _scatter_reference, [(4,)], {}, {}),
    ("scatter_rows", lambda v: ops.scatter(np.array([[2], [0], [2]]), v, (4, 3)),
     lambda v: (lambda o: (np.add.at(o, [2, 0, 2], v), o)[1])(np.zeros((4, 3), v.dtype)),
     [(3, 3)], {}, {}),
    ("scatter_update", lambda x, u: ops.scatter_update(x, INDEX, u), _scatter_update_reference,
     [(3, 4), (4,)], {}, {}),
]
TABLE += [
    (f"scatter_update_{r}", lambda x, u, r=r: ops.scatter_update(x, INDEX, u, reduction=r),
     lambda x, u, r=r: _scatter_update_reference(x, u, r), [(3, 4), (4,)], {}, {})
    for r in ("add", "max", "min", "mul")
]
TABLE += [
    ("segment_sum", lambda d: ops.segment_sum(d, IDS), lambda d: _segment(np.sum, 0)(d, IDS),
     [(6, 3)], {}, {}),
    ("segment_sum_num_segments_drops", lambda d: ops.segment_sum(d, IDS, num_segments=3),
     lambda d: _segment(np.sum, 0)(d, IDS, 3), [(6, 2)], {}, {}),
    ("segment_prod", lambda d: ops.segment_prod(d, IDS), lambda d: _segment(np.prod, 1)(d, IDS),
     [(6, 3)], {}, {}),
    # Every segment non-empty: an empty one holds -inf/inf, which has no finite difference.
    ("segment_max", lambda d: ops.segment_max(d, IDS // 2),
     lambda d: _segment(np.max, 0)(d, IDS // 2), [(6, 3)], {}, {}),
    ("segment_min", lambda d: ops.segment_min(d, IDS // 2),
     lambda d: _segment(np.min, 0)(d, IDS // 2), [(6, 3)], {}, {}),
    ("top_k_values", lambda x: ops.top_k(x, 3)[0], lambda x: -np.sort(-x, axis=-1)[..., :3],
     [(2, 3, 6)], {}, {}),
]


@pytest.mark.parametrize("name,op,reference,shapes,kwargs,options", TABLE,
                         ids=[row[0] for row in TABLE])
def test_op(name, op, reference, shapes, kwargs, options):
    check_op(op, reference, shapes, kwargs, **options)


def test_segment_prod_gradient_with_zeros_is_the_product_of_the_others():
    data = nnet.Variable(np.array([0.0, 2.0, 3.0, 0.0, 0.0, 5.0]))
    nnet.backward(ops.sum(ops.segment_prod(data, np.array([0, 0, 0, 1, 1, 2]))))
    np.testing.assert_array_equal(data.grad, [6.0, 0.0, 0.0, 0.0, 0.0, 1.0])


def test_scatter_update_gradient_with_duplicates_goes_to_the_winner():
    x, u = nnet.Variable(np.zeros(3)), nnet.Variable(np.array([1.0, 2.0, 0.5]))
    nnet.backward(ops.sum(ops.scatter_update(x, np.array([[1], [1], [2]]), u) * [1, 2, 3]))
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(u.grad, [0.0, 2.0, 3.0])


@pytest.fixture
def keras():
    return pytest.importorskip("keras")


def _k(keras, x):
    return keras.ops.convert_to_numpy(x)


def test_top_k_ties_and_dtypes_match_keras(keras):
    """Values and dtypes as Keras's. Among equal values nnet lists the lower index first, as
    Keras's JAX and TensorFlow backends do; PyTorch's order of ties is an artifact of its
    selection algorithm (e.g. [2, 4, 3] for the top 3 of five zeros), so indices are compared
    on tie-free rows and, with ties, checked to point at the returned values."""
    ties = np.array([[1.0, 3.0, 2.0, 3.0, 3.0], [0.0, 0.0, 0.0, 1.0, 0.0]], dtype="float32")
    distinct = np.random.default_rng(0).permutation(10).reshape(2, 5).astype("float32")
    for x in (ties, distinct):
        for k in (1, 2, 4):
            values, indices = ops.top_k(x, k)
            k_values, k_indices = keras.ops.top_k(x, k)
            np.testing.assert_array_equal(values.numpy(), _k(keras, k_values))
            assert values.dtype == _k(keras, k_values).dtype
            assert indices.dtype == _k(keras, k_indices).dtype
            if x is distinct:
                np.testing.assert_array_equal(indices.numpy(), _k(keras, k_indices))
    values, indices = ops.top_k(ties, 4)
    np.testing.assert_array_equal(indices.numpy(), [[1, 3, 4, 2], [3, 0, 1, 2]])
    targets = np.array([2, 4])
    for k in (1, 2, 3):
        np.testing.assert_array_equal(ops.in_top_k(targets, ties, k).numpy(),
                                      _k(keras, keras.ops.in_top_k(targets, ties, k)))


def test_segments_and_multi_hot_match_keras(keras):
    data = np.arange(12, dtype="float32").reshape(6, 2)
    ids = np.array([0, 2, 0, -1, 2, 7])
    for name in ("segment_sum", "segment_max", "segment_min", "segment_prod"):
        ours = getattr(ops, name)(data, ids, num_segments=4).numpy()
        theirs = _k(keras, getattr(keras.ops, name)(data, ids, num_segments=4))
        np.testing.assert_array_equal(ours, theirs, err_msg=name)
        assert ours.dtype == theirs.dtype
    for labels, kwargs in ((np.array([0, 4]), {}), (np.array([[1, 2], [3, 3]]), {}),
                           (np.array([[1, 2], [0, 0]]), {"axis": 0, "dtype": "int32"})):
        ours = ops.multi_hot(labels, num_classes=5, **kwargs).numpy()
        theirs = _k(keras, keras.ops.multi_hot(labels, num_classes=5, **kwargs))
        np.testing.assert_array_equal(ours, theirs)
        assert ours.dtype == theirs.dtype


def test_slices_and_scatters_match_keras(keras):
    x = np.arange(24, dtype="float32").reshape(4, 6)
    cases = [("slice", (x, (1, 2), (2, 3))), ("slice_update", (x, (2, 1), -np.ones((2, 2)))),
             ("scatter", (INDEX, np.arange(4.0, dtype="float32"), (3, 4))),
             ("scatter_update", (x, INDEX, np.arange(4.0, dtype="float32")))]
    for name, args in cases:
        ours = getattr(ops, name)(*args).numpy()
        theirs = _k(keras, getattr(keras.ops, name)(*args))
        np.testing.assert_array_equal(ours, theirs, err_msg=name)


def test_bad_boxes_and_indices_are_refused_clearly():
    with pytest.raises(ValueError, match="does not fit"):
        ops.slice(np.zeros((2, 3)), (1, 2), (2, 2))
    with pytest.raises(ValueError, match="one start index"):
        ops.slice(np.zeros((2, 3)), (1,), (1, 1))
    with pytest.raises(ValueError, match="reduction"):
        ops.scatter_update(np.zeros(3), np.array([[0]]), np.ones(1), reduction="sum")
    with pytest.raises(ValueError, match="1-D vector"):
        ops.segment_sum(np.zeros((3, 2)), np.zeros((3, 1), int))
    with pytest.raises(ValueError, match="Expected k"):
        ops.top_k(np.zeros(3), 4)


def test_indexing_ops_in_a_functional_model():
    inputs = nnet.Input((5,))
    values, _ = ops.top_k(inputs, 2)
    model = nnet.Model(inputs, ops.slice_update(values, (0, 1), ops.ones((1, 1))) +
                       ops.sum(ops.multi_hot(ops.cast(inputs, "int32"), num_classes=3)))
    x = np.array([[0.0, 2.0, 1.0, 0.0, 1.0]], dtype="float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), [[2.0 + 3, 1.0 + 3]])
