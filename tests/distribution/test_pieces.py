"""The parts of data parallelism that run in one process: how batches are shared, and batch
normalization's statistics over a global batch (its cross-process sums simulated)."""

import threading

import numpy as np
import pytest

import nnet
from nnet import backend
from nnet.distribution.distribution_lib import shard_rows
from nnet.training import data


@pytest.mark.parametrize("count,size", [(25, 2), (7, 3), (4, 4), (100, 8)])
def test_the_shards_of_a_batch_cover_it_in_order_and_differ_by_at_most_one(count, size):
    rows = [shard_rows(10, 10 + count, rank, size) for rank in range(size)]
    assert rows[0][0] == 10 and rows[-1][1] == 10 + count
    assert all(a[1] == b[0] for a, b in zip(rows, rows[1:]))
    lengths = [end - first for first, end in rows]
    assert max(lengths) - min(lengths) <= 1 and min(lengths) >= 1


def test_a_batch_smaller_than_the_job_is_refused_with_the_sizes():
    with pytest.raises(ValueError, match="A batch of 1 samples cannot be shared by 2 processes"):
        shard_rows(0, 1, 0, 2)


class _Shards:
    """What `data.shard` reads of a DataParallel: its rows, for rank 1 of 2."""

    auto_shard_dataset = True

    def rows(self, start, stop):
        return shard_rows(start, stop, 1, 2)

    def shard(self, structure):
        first, end = self.rows(0, len(structure[0]))
        return tuple(None if a is None else a[first:end] for a in structure)


def test_array_batches_give_a_process_its_rows_of_every_batch():
    x = np.arange(10.0).reshape(10, 1)
    batches = data.shard(data.ArrayBatches(x, x, batch_size=4), _Shards())
    assert [b[0].ravel().tolist() for _, b in batches.epoch()] == [[2, 3], [6, 7], [9]]


def test_array_data_whose_last_batch_is_too_small_is_refused_up_front():
    x = np.zeros((9, 1))
    with pytest.raises(ValueError, match="A batch of 1 samples cannot be shared by 2"):
        data.shard(data.ArrayBatches(x, x, batch_size=4), _Shards())


def test_a_dataset_is_sharded_batch_by_batch():
    batches = [(np.arange(4.0), np.arange(4.0))] * 2
    sharded = data.shard(data.IterableBatches(batches), _Shards())
    assert [b[0].tolist() for _, b in sharded.epoch()] == [[2.0, 3.0]] * 2


class _ThreadSum:
    """A sum over two threads, each standing for a process: every call waits for the other
    thread's array and returns the sum of both."""

    def __init__(self):
        self._barrier = threading.Barrier(2, timeout=30)
        self._arrays = {}

    def __call__(self, array):
        self._arrays[threading.get_ident()] = array.copy()
        self._barrier.wait()
        total = sum(self._arrays.values())
        self._barrier.wait()
        return total


def _batch_normalization(x, upstream, gamma, beta):
    """Fused batch normalization of `x` and the gradients of ``sum(y * upstream)``."""
    xs = nnet.Tensor(x, requires_grad=True)
    w, b = nnet.Variable(gamma, dtype="float64"), nnet.Variable(beta, dtype="float64")
    y, mean, variance = nnet.ops.fused_batch_normalization(xs, w, b, epsilon=1e-3)
    nnet.backward(nnet.ops.sum(y * upstream))
    return y.numpy(), mean.numpy(), variance.numpy(), xs.grad, w.grad, b.grad


def test_batch_statistics_and_gradients_cover_the_global_batch():
    # Two threads stand for two processes with unequal shards (5 and 3 rows) of one batch.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3)) * [1.0, 3.0, 0.5] + [0.0, 2.0, -1.0]
    upstream = rng.normal(size=(8, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    whole = _batch_normalization(x, upstream, gamma, beta)
    shards = (slice(0, 5), slice(5, 8))
    results = [None, None]

    def process(rank):
        results[rank] = _batch_normalization(x[shards[rank]], upstream[shards[rank]], gamma,
                                             beta)

    backend.set_processes(0, 2)
    try:
        with backend.summing_across_processes(_ThreadSum()):
            threads = [threading.Thread(target=process, args=(r,)) for r in (0, 1)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        backend.set_processes(0, 1)
    (y0, mean0, var0, gx0, gw0, gb0), (y1, mean1, var1, gx1, gw1, gb1) = results
    np.testing.assert_allclose(np.concatenate([y0, y1]), whole[0], rtol=1e-12, atol=1e-12)
    for statistic in (mean0, mean1):
        np.testing.assert_allclose(statistic, whole[1], rtol=1e-12)
    for statistic in (var0, var1):
        np.testing.assert_allclose(statistic, whole[2], rtol=1e-12)
    np.testing.assert_allclose(np.concatenate([gx0, gx1]), whole[3], rtol=1e-10, atol=1e-12)
    # Each process holds its part of the weights' gradients: the trainer sums them.
    np.testing.assert_allclose(gw0 + gw1, whole[4], rtol=1e-10)
    np.testing.assert_allclose(gb0 + gb1, whole[5], rtol=1e-10)


def test_per_rank_layer_streams_come_from_one_seed():
    from nnet.random import SeedGenerator

    first = SeedGenerator(3).generator.random(4)
    backend.set_processes(1, 2)
    try:
        second = SeedGenerator(3).generator.random(4)
    finally:
        backend.set_processes(0, 1)
    expected = np.random.Generator(np.random.PCG64(3).jumped(1)).random(4)
    np.testing.assert_array_equal(second, expected)
    assert not np.array_equal(first, second)
