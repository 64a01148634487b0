"""Checks shared by the convolution and pooling ops and layers: integer tuples and padding names.

Example:
    >>> standardize_tuple(3, 2, "kernel_size"), standardize_padding("SAME")
    ((3, 3), 'same')
"""


def standardize_tuple(value, n, name, allow_zero=False):
    """`value` (an integer or `n` integers) as a tuple of `n` positive (or, with `allow_zero`,
    non-negative) integers; anything else raises a ValueError naming `name`.

    Args:
        value: an integer, or a sequence of `n` integers.
        n: the length of the tuple.
        name: the argument's name, for the error message (``"strides"``).
        allow_zero: accept zeros (``output_padding``).

    Example:
        >>> standardize_tuple((1, 2), 2, "strides")
        (1, 2)
    """
    message = (f"Expected an integer or a tuple of {n} integers for {name}. "
               f"Received: {name}={value!r}")
    if isinstance(value, bool):
        raise ValueError(message)
    if isinstance(value, int):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(values) != n or not all(isinstance(v, int) and not isinstance(v, bool)
                                       for v in values):
            raise ValueError(message)
    if any(v < 0 or (v == 0 and not allow_zero) for v in values):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"Expected {kind} integers for {name}. Received: {name}={value!r}")
    return values


def standardize_padding(value, allow_causal=False):
    """The lower-case padding name: ``"valid"``, ``"same"`` or, when allowed, ``"causal"``.

    Args:
        value: the padding name, in any case.
        allow_causal: whether ``"causal"`` is valid (1D convolutions).

    Example:
        >>> standardize_padding("Valid")
        'valid'
    """
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"Expected one of {', '.join(map(repr, allowed))} for padding. "
                         f"Received: padding={value!r}")
    return padding
