"""`pad_sequences`: variable-length sequences to one padded array, as `keras.utils` does."""

import numpy as np


def _check_choice(value, argument):
    if value not in ("pre", "post"):
        kind = "Padding" if argument == "padding" else "Truncating"
        raise ValueError(
            f'{kind} type "{value}" not understood: expected "pre" or "post". '
            f"Received: {argument}={value!r}"
        )


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (or cut) sequences to one length: a list of `n` sequences becomes an array of shape
    ``(n, maxlen, *sample_shape)``.

    Sequences longer than `maxlen` lose values at the start (``truncating="pre"``) or the end
    (``"post"``); shorter ones are filled with `value` before (``padding="pre"``) or after
    (``"post"``) their values.

    Args:
        sequences: a list of sequences (lists or arrays; the elements may themselves be arrays
            of one shape).
        maxlen: the output length; the longest sequence's length by default.
        dtype: the output dtype (``object`` or a string dtype for text).
        padding: ``"pre"`` or ``"post"``: where the padding goes.
        truncating: ``"pre"`` or ``"post"``: which end of a long sequence is cut.
        value: the padding value.

    Example:
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
        array([[0, 0, 1],
               [0, 2, 3],
               [4, 5, 6]], dtype=int32)
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2, padding="post", truncating="post")
        array([[1, 0],
               [2, 3],
               [4, 5]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(
            f"`sequences` must be iterable: pass a list of sequences. Received: {sequences!r}"
        )
    _check_choice(padding, "padding")
    _check_choice(truncating, "truncating")
    is_text = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_text:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\nYou should "
            "set `dtype=object` for variable length strings."
        )
    arrays = []
    for s in sequences:
        if not hasattr(s, "__len__"):
            raise ValueError(
                f"`sequences` must be a list of iterables. Found non-iterable: {s!r}"
            )
        arrays.append(np.asarray(s, dtype=dtype) if len(s) else None)
    lengths = np.array([0 if a is None else len(a) for a in arrays], dtype=np.int64)
    present = [a for a in arrays if a is not None]
    sample_shape = present[0].shape[1:] if present else ()
    for index, a in enumerate(arrays):
        if a is not None and a.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {a.shape[1:]} of sequence at position {index} is different "
                f"from expected shape {sample_shape}"
            )
    maxlen = int(lengths.max(initial=0)) if maxlen is None else int(maxlen)
    out = np.full((len(arrays), maxlen) + sample_shape, value, dtype=dtype)
    kept = np.minimum(lengths, maxlen)
    if not present or not kept.sum():
        return out
    # Every kept value moves in one scatter: its source in the joined sequences, its target
    # row and column in the output.
    flat = np.concatenate(present)
    starts = np.cumsum(lengths) - lengths
    offset = np.arange(kept.sum()) - np.repeat(np.cumsum(kept) - kept, kept)
    source_start = starts + (lengths - kept if truncating == "pre" else 0)
    target_start = maxlen - kept if padding == "pre" else np.zeros_like(kept)
    rows = np.repeat(np.arange(len(arrays)), kept)
    out[rows, np.repeat(target_start, kept) + offset] = flat[np.repeat(source_start, kept) + offset]
    return out
