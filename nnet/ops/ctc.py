"""Connectionist temporal classification: the CTC loss (forward-backward in log space, with its
gradient) and greedy and beam-search decoding, as Keras's `ctc_loss` and `ctc_decode`."""

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module, to_numpy
from nnet.ops.math import cast
from nnet.ops.nn import log_softmax


def _logsumexp(*terms):
    stacked = np.stack(terms)
    top = stacked.max(axis=0)
    safe = np.where(np.isfinite(top), top, 0)
    with np.errstate(divide="ignore"):
        return safe + np.log(np.exp(stacked - safe).sum(axis=0))


@primitive
def _ctc_negative_log_likelihood(log_probs, target, target_length, output_length, blank=0):
    """-log p(target | log_probs) per sample, by the forward-backward algorithm over the target
    with blanks around and between its labels (Graves et al., 2006)."""
    xp = array_module(log_probs)
    logp = to_numpy(log_probs).astype(np.float64)
    batch, steps, _ = logp.shape
    labels = np.asarray(to_numpy(target)).astype(np.int64).reshape(batch, -1)
    lengths = np.asarray(to_numpy(target_length)).astype(np.int64).reshape(batch)
    frames = np.asarray(to_numpy(output_length)).astype(np.int64).reshape(batch)
    width = 2 * labels.shape[1] + 1
    extended = np.full((batch, width), blank, dtype=np.int64)
    extended[:, 1::2] = labels
    valid = np.arange(width)[None] < (2 * lengths + 1)[:, None]
    # A label may follow the one two places back when it is not blank and differs from it.
    skip = np.zeros((batch, width), bool)
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    emit = np.take_along_axis(logp, np.broadcast_to(extended[:, None], (batch, steps, width)),
                              axis=2).transpose(1, 0, 2)  # (steps, batch, width)
    none = np.full((batch, width), -np.inf)

    alpha = np.full((steps, batch, width), -np.inf)
    alpha[0, :, 0] = emit[0, :, 0]
    alpha[0, :, 1] = np.where(lengths > 0, emit[0, :, 1], -np.inf)
    for t in range(1, steps):
        prev = alpha[t - 1]
        one = np.concatenate([none[:, :1], prev[:, :-1]], axis=1)
        two = np.where(skip, np.concatenate([none[:, :2], prev[:, :-2]], axis=1), -np.inf)
        alpha[t] = np.where(valid & (t < frames)[:, None],
                            emit[t] + _logsumexp(prev, one, two), -np.inf)
    beta = np.full((steps, batch, width), -np.inf)
    last = 2 * lengths
    for t in range(steps - 1, -1, -1):
        start = np.full((batch, width), -np.inf)
        start[np.arange(batch), last] = emit[t, np.arange(batch), last]
        start[np.arange(batch), np.maximum(last - 1, 0)] = np.where(
            lengths > 0, emit[t, np.arange(batch), np.maximum(last - 1, 0)],
            start[np.arange(batch), 0])
        if t + 1 < steps:
            nxt = beta[t + 1]
            one = np.concatenate([nxt[:, 1:], none[:, :1]], axis=1)
            two_skip = np.concatenate([skip[:, 2:], np.zeros((batch, 2), bool)], axis=1)
            two = np.where(two_skip, np.concatenate([nxt[:, 2:], none[:, :2]], axis=1), -np.inf)
            recur = emit[t] + _logsumexp(nxt, one, two)
        else:
            recur = none
        here = (t == frames - 1)[:, None]
        beta[t] = np.where(valid & here, start,
                           np.where(valid & (t < frames - 1)[:, None], recur, -np.inf))
    end = np.maximum(frames - 1, 0)
    final = alpha[end, np.arange(batch)]
    log_likelihood = _logsumexp(final[np.arange(batch), last],
                                np.where(lengths > 0, final[np.arange(batch),
                                                            np.maximum(last - 1, 0)], -np.inf))
    loss = -log_likelihood

    def vjp(g):
        # d loss / d logp[t, k] = -sum over positions s labelled k of alpha_t(s) beta_t(s) /
        # (p(target) y_t(k)), summed in log space.
        occupancy = alpha + beta - emit - log_likelihood[None, :, None]
        with np.errstate(over="ignore", invalid="ignore"):
            weight = np.exp(np.where(np.isfinite(occupancy), occupancy, -np.inf))
        grad = np.zeros((steps, batch, logp.shape[2]))
        for b in range(batch):
            np.add.at(grad[:, b], (slice(None), extended[b]), weight[:, b])
        grad = -grad.transpose(1, 0, 2) * g[:, None, None]
        return xp.asarray(grad.astype(log_probs.dtype)), None, None, None

    return xp.asarray(loss.astype(log_probs.dtype)), vjp


@graph_op
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """The CTC loss per sample: ``-log p(target | output)`` summed over every alignment.

    Args:
        target: integer labels (batch, max_label_length), padded past `target_length`.
        output: logits (batch, max_time, num_classes); they go through a log-softmax.
        target_length: the number of labels of each sample (batch,).
        output_length: the number of valid time steps of each sample (batch,).
        mask_index: the class of the blank.

    Returns:
        (batch,) losses, in float32 (or the wider float of `output`); inf where no alignment
        exists.

    Example:
        >>> import numpy as np, nnet
        >>> loss = nnet.ops.ctc_loss(np.array([[1]]), np.zeros((1, 2, 2)), np.array([1]),
        ...                          np.array([2]))
        >>> round(float(loss[0]), 4)  # three alignments of probability 1/4: -log(3/4)
        0.2877
    """
    dtype = "float64" if np.dtype(output.dtype if hasattr(output, "dtype") else
                                  np.asarray(output).dtype) == np.float64 else "float32"
    logp = log_softmax(cast(output, dtype), axis=-1)
    return _ctc_negative_log_likelihood(logp, target, target_length, output_length,
                                        blank=mask_index)


def _greedy(x, lengths, merge_repeated, blank):
    batch, steps, _ = x.shape
    indices = x.argmax(axis=-1).astype(np.int32)
    scores = x.max(axis=-1)
    outside = np.arange(steps)[None] >= lengths[:, None]
    indices = np.where(outside, blank, indices)
    scores = np.where(outside, 0.0, scores)
    if merge_repeated:
        repeat = np.zeros_like(outside)
        repeat[:, 1:] = indices[:, 1:] == indices[:, :-1]
        indices = np.where(repeat, blank, indices)
    kept = indices != blank
    # The decoded labels first, in order, then -1 padding.
    order = np.argsort(np.where(kept, np.arange(steps)[None], steps), axis=-1, kind="stable")
    indices = np.take_along_axis(np.where(kept, indices, -1), order, axis=-1)
    return indices[None].astype(np.int32), -scores.sum(axis=1, keepdims=True).astype(x.dtype)


def _unique_rows(paths, size, pad):
    """The distinct rows of `paths` (sorted), padded with `pad` rows to `size`, and the index
    of each input row among them."""
    unique, inverse = np.unique(paths, axis=0, return_inverse=True)
    rows = np.full((size - len(unique), paths.shape[1]), pad, dtype=paths.dtype)
    return np.concatenate([unique, rows]), inverse.reshape(-1)


def _merge_scores(inverse, scores, size):
    """Scores of equal paths added in log space, one per unique row (-inf for padding)."""
    top = scores.max() if np.isfinite(scores).any() else 0.0
    merged = np.zeros(size)
    np.add.at(merged, inverse, np.exp(scores - top))
    with np.errstate(divide="ignore"):
        return np.log(merged) + top


def _beam_search(x, lengths, beam_width, top_paths, blank):
    """Keras's beam search (after its JAX backend): beams of (emit, blank) score tracks,
    merged by path; classes are flipped so that ties break as Keras's do."""
    batch, steps, classes = x.shape
    logp = x - x.max(-1, keepdims=True)
    logp = (logp - np.log(np.exp(logp).sum(-1, keepdims=True)))[..., ::-1]
    blank = classes - blank - 1
    pad, size = -1, 2 * classes * beam_width
    first = min(classes, beam_width)
    labels = np.arange(classes)
    labels[blank] = pad
    all_paths, all_scores = [], []
    for b in range(batch):
        xb = logp[b]
        best = np.argsort(xb[0], kind="stable")[-first:]
        paths = np.full((2 * beam_width, steps), pad, dtype=np.int64)
        paths[:first, 0] = np.where(best == blank, pad, best)
        scores = np.full(2 * beam_width, -np.inf)
        scores[:first] = xb[0, best]
        masked = paths[:, 0] == pad
        for t in range(1, int(lengths[b])):
            # Extend every beam by every class; a repeat of the last label without a blank
            # in between extends nothing.
            paths = np.repeat(paths, classes, axis=0)
            scores = np.repeat(scores, classes) + np.tile(xb[t], len(paths) // classes)
            previous_masked = np.repeat(masked, classes)
            rows, tail = np.arange(len(paths)), (paths == pad).argmax(axis=1)
            tails = np.where(tail == 0, pad, paths[rows, tail - 1])
            new = np.tile(labels, len(paths) // classes)
            masked = new == pad
            paths[rows, tail] = np.where(~previous_masked & (tails == new), pad, new)
            # Merge equal paths and keep the best beams, each as an emit and a blank track.
            paths, inverse = _unique_rows(paths, size, pad)
            emit = _merge_scores(inverse, np.where(masked, -np.inf, scores), size)
            ends = _merge_scores(inverse, np.where(masked, scores, -np.inf), size)
            top = np.argsort(np.logaddexp(emit, ends), kind="stable")[-beam_width:]
            paths = np.concatenate([paths[top], paths[top]])
            scores = np.concatenate([emit[top], ends[top]])
            masked = np.repeat([False, True], beam_width)
        paths, inverse = _unique_rows(paths, size, pad)
        scores = _merge_scores(inverse, scores, size)
        top = np.argsort(scores, kind="stable")[-top_paths:][::-1]
        all_paths.append(paths[top])
        all_scores.append(scores[top])
    paths = np.stack(all_paths)
    paths = np.where(paths == pad, pad, classes - paths - 1)
    return paths.transpose(1, 0, 2).astype(np.int32), np.stack(all_scores).astype(x.dtype)


@primitive
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decode CTC outputs: the most likely label sequences (not differentiable).

    Args:
        inputs: logits or probabilities (batch, max_time, num_classes).
        sequence_lengths: the valid time steps of each sample (batch,).
        strategy: ``"greedy"`` (the best class at each step) or ``"beam_search"``.
        beam_width: the beams kept by beam search.
        top_paths: how many decodings beam search returns per sample.
        merge_repeated: greedy only: merge repeated classes before removing blanks.
        mask_index: the class of the blank.

    Returns:
        ``(paths, scores)``: int32 paths (top_paths, batch, max_time) holding the labels first
        and -1 after, and scores (batch, top_paths): for greedy minus the sum of the best
        inputs, for beam search the log-probability of each path.

    Example:
        >>> import numpy as np, nnet
        >>> logits = np.log(np.array([[[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1],
        ...                             [0.1, 0.1, 0.8]]], dtype="float32"))
        >>> paths, scores = nnet.ops.ctc_decode(logits, np.array([4]))
        >>> paths.numpy()
        array([[[ 1,  2, -1, -1]]], dtype=int32)
    """
    x = to_numpy(inputs)
    x = x.astype(np.float64 if x.dtype == np.float64 else np.float32)
    lengths = np.asarray(to_numpy(sequence_lengths)).astype(np.int64).reshape(-1)
    xp = array_module(inputs)
    if strategy == "greedy":
        paths, scores = _greedy(x, lengths, merge_repeated, mask_index)
    elif strategy == "beam_search":
        paths, scores = _beam_search(x, lengths, int(beam_width), int(top_paths), mask_index)
    else:
        raise ValueError(f"Invalid strategy {strategy!r}. Supported values are 'greedy' and "
                         f"'beam_search'.")
    return (xp.asarray(paths), xp.asarray(scores)), None
