"""Checks of user arguments shared by every floor (layers, training), with nnet's error text."""

import numpy as np


def check_positive_int(value, argument, allow_zero=False):
    """`value` if it is a positive (or, with `allow_zero`, non-negative) integer, else a
    ValueError naming `argument` and echoing the value.

    Example:
        >>> check_positive_int(3, "units")
        3
        >>> check_positive_int(0, "units")
        Traceback (most recent call last):
        ...
        ValueError: Expected a positive integer for units. Received: units=0
    """
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < (
        0 if allow_zero else 1
    ):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(
            f"Expected a {kind} integer for {argument}. Received: {argument}={value!r}"
        )
    return value
