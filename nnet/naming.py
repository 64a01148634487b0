"""Keras-style automatic names: snake_case of the class name plus a per-session counter."""

import re
from collections import defaultdict

_COUNTS = defaultdict(int)


def to_snake_case(name):
    """``"MaxPooling2D"`` -> ``"max_pooling2d"``, ``"Dense"`` -> ``"dense"``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(base):
    """``base`` the first time, then ``base_1``, ``base_2``, ... within this session."""
    count = _COUNTS[base]
    _COUNTS[base] += 1
    return base if count == 0 else f"{base}_{count}"


def reset_names():
    """Restart every automatic-name counter (what ``keras.backend.clear_session`` does)."""
    _COUNTS.clear()
