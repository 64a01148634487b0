"""Shared helpers of the metrics tests: batch makers and the batch-by-batch Keras comparison.

Every maker takes a NumPy generator and returns one batch ``(y_true, y_pred)`` of N samples.
"""

import numpy as np
import pytest

from nnet import metrics
from nnet.naming import reset_names

N = 48
WEIGHTS = [None, "samples", "column"]


def f32(x):
    return np.asarray(x, dtype=np.float32)


def binary(shape_true, shape_pred):
    def make(rng):
        return f32(rng.integers(0, 2, shape_true)), f32(rng.random(shape_pred))
    return make


def one_hot(classes, rank3=False):
    def make(rng):
        shape = (N, 3) if rank3 else (N,)
        labels = rng.integers(0, classes, shape)
        return f32(np.eye(classes)[labels]), f32(rng.random(shape + (classes,)))
    return make


def sparse(classes, label_shape=(N,), low=0, high=None):
    """Integer labels in [low, high) (default [0, classes)) and scores."""
    def make(rng):
        scores_shape = label_shape[:-1] + (classes,) if label_shape[-1] == 1 else (
            label_shape + (classes,))
        labels = rng.integers(low, classes if high is None else high, label_shape)
        return labels, f32(rng.random(scores_shape))
    return make


def regression(shape_true, shape_pred, low=-2.0, high=2.0):
    def make(rng):
        return f32(rng.uniform(low, high, shape_true)), f32(rng.uniform(low, high, shape_pred))
    return make


def on_grid(shape, steps):
    """Scores exactly on the threshold grid i/steps, and outside [0, 1]: the ties and clips."""
    def make(rng):
        grid = f32(rng.integers(-1, steps + 2, shape)) / f32(steps)
        return f32(rng.integers(0, 2, shape)), grid
    return make


def logits(shape, make_labels=None):
    def make(rng):
        labels = f32(rng.integers(0, 2, shape)) if make_labels is None else make_labels(rng)
        return labels, f32(rng.normal(0, 3, shape))
    return make


def weights_for(rng, kind):
    """None, one weight per sample ``(N,)`` or a column ``(N, 1)``; about 20% are zero.

    The weights are multiples of 1/16, so that sums of weights are exact in float32: a count
    that Keras gets as a difference of two float32 totals (tn = negatives - fp) then carries no
    rounding error that would swamp a relative comparison of small counts.
    """
    if kind is None:
        return None
    weights = np.round(rng.uniform(0.0, 2.0, N) * 16) / 16
    weights[rng.random(N) < 0.2] = 0.0
    return f32(weights if kind == "samples" else weights[:, None])


def batches(make, seed, weights):
    rng = np.random.default_rng(seed)
    return [(*make(rng), weights_for(rng, weights)) for _ in range(3)]


def keras_value(keras, value):
    return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)


def restart_name_counters(keras):
    reset_names()
    keras.backend.clear_session(free_memory=False)


def compare(keras, ours, theirs, batch_list):
    """Feed both metrics the batches, comparing `result()` after each. False if Keras refused.

    Where Keras cannot take the sample weights, nnet must refuse them too, with a ValueError
    that names sample_weight.
    """
    for y_true, y_pred, weights in batch_list:
        try:
            theirs.update_state(y_true, y_pred, sample_weight=weights)
        except (ValueError, RuntimeError):
            with pytest.raises(ValueError, match="sample_weight"):
                ours.update_state(y_true, y_pred, sample_weight=weights)
            return False
        ours.update_state(y_true, y_pred, sample_weight=weights)
        np.testing.assert_allclose(ours.result(), keras_value(keras, theirs.result()),
                                   rtol=1e-6, atol=1e-7)
    return True


def check_against_keras(keras, name, kwargs, make, seed, weights):
    """Same 3 batches into nnet's and Keras's metric `name`; then reset and 2 batches again."""
    ours = getattr(metrics, name)(**kwargs)
    theirs = getattr(keras.metrics, name)(**kwargs)
    batch_list = batches(make, seed, weights)
    if not compare(keras, ours, theirs, batch_list):
        return
    assert [(v.name, v.shape) for v in ours.variables] == [
        (v.name, tuple(v.shape)) for v in theirs.variables]
    ours.reset_state()
    theirs.reset_state()
    assert all(not v.numpy().any() for v in ours.variables)
    compare(keras, ours, theirs, batch_list[1:])


def accumulate(metric, batch_list):
    """Feed `metric` the batches; return its result and the concatenated batches."""
    for y_true, y_pred, weights in batch_list:
        metric.update_state(y_true, y_pred, sample_weight=weights)
    y_true, y_pred, weights = zip(*batch_list)
    weights = None if weights[0] is None else np.concatenate(weights)
    return metric.result(), np.concatenate(y_true), np.concatenate(y_pred), weights


def keras_params(cases):
    """pytest params ``(name, kwargs, make, seed, weights)`` of ``(name, kwargs, make[, kinds])``
    cases: each case once per weight kind (all of WEIGHTS unless the case lists its own)."""
    params = []
    for seed, (name, kwargs, make, *kinds) in enumerate(cases):
        for weights in kinds[0] if kinds else WEIGHTS:
            params.append(pytest.param(name, kwargs, make, seed, weights,
                                       id=f"{name}-{seed}-{weights}"))
    return params
