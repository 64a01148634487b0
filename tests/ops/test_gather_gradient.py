"""The gradient of gathering rows (x[ids], take along axis 0: an Embedding's lookup) adds every
occurrence of a repeated id, as ufunc.at does."""

import numpy as np
import pytest

from nnet import ops
from nnet.autodiff import Tensor, backward
from nnet.ops.shape import getitem, scatter_add_rows


@pytest.mark.parametrize("repeats", [1, 3, 8, 9, 40])
def test_scatter_add_rows_equals_ufunc_at(repeats):
    rng = np.random.default_rng(repeats)
    ids = np.concatenate([rng.integers(-20, 20, size=50), np.full(repeats, 7),
                          np.full(repeats, -13)])
    rng.shuffle(ids)
    values = rng.standard_normal((ids.size, 3))
    expected = np.zeros((20, 3))
    np.add.at(expected, ids, values)
    out = np.zeros((20, 3))
    scatter_add_rows(out, ids.reshape(-1, 2), values)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_scatter_add_rows_with_no_ids_adds_nothing():
    out = np.ones((4, 2))
    scatter_add_rows(out, np.zeros((0,), dtype=int), np.zeros((0, 2)))
    np.testing.assert_array_equal(out, np.ones((4, 2)))


@pytest.mark.parametrize("index_of", [lambda ids: ids, lambda ids: (ids,)])
def test_take_and_getitem_gradients_accumulate_repeated_rows(index_of):
    rng = np.random.default_rng(0)
    table = Tensor(rng.standard_normal((6, 2, 3)), requires_grad=True)
    ids = np.array([[5, 0, 5], [5, 5, 1], [5, 5, 5], [5, 5, 5], [2, 5, 5]])
    g = rng.standard_normal((5, 3, 2, 3))
    backward(getitem(table, index_of(ids)), g)
    expected = np.zeros((6, 2, 3))
    np.add.at(expected, ids, g)
    np.testing.assert_allclose(table.grad, expected, rtol=1e-12)
    table.grad = None
    backward(ops.take(table, ids, axis=0), g)
    np.testing.assert_allclose(table.grad, expected, rtol=1e-12)
