"""Keras's dtype promotion for `nnet.ops`: the lattice that decides the dtype of a mixed result.

Keras (after JAX) promotes along a lattice rather than by NumPy's value-preserving rules: an
integer and a float array give the float array's dtype (int32 with float16 is float16, where NumPy
says float64), and Python numbers are weak: they never widen an array's dtype (int8 + 1 stays
int8, int32 + 1.5 is `floatx()`). nnet keeps 64-bit results 64-bit (float64 gradient checks rely
on it), where Keras narrows some of them to 32 bits.

Example:
    >>> import numpy as np
    >>> result_type(np.zeros(2, "int32"), np.zeros(2, "float16")), result_type("int8", 1)
    ('float16', 'int8')
    >>> float_type(np.zeros(2, "int32"))
    'float32'
"""

import functools

import numpy as np

from nnet.backend import floatx

# Each dtype's immediate successors; "int" and "float" are the weak types of Python numbers.
_LATTICE = {
    "bool": ("int",),
    "int": ("uint8", "int8"),
    "uint8": ("int16", "uint16"),
    "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"),
    "uint64": ("float",),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("float",),
    "float": ("float16",),
    "float16": ("float32",),
    "float32": ("float64",),
    "float64": (),
}


def _upper_bounds():
    bounds = {}
    for node in _LATTICE:
        seen, stack = {node}, [node]
        while stack:
            for above in _LATTICE[stack.pop()]:
                if above not in seen:
                    seen.add(above)
                    stack.append(above)
        bounds[node] = frozenset(seen)
    return bounds


_BOUNDS = _upper_bounds()


@functools.lru_cache(maxsize=512)
def _least_upper_bound(nodes):
    common = frozenset.intersection(*(_BOUNDS[n] for n in nodes))
    return next(c for c in common if common <= _BOUNDS[c])


def _node(value):
    """The lattice node of a value: its dtype name, or "int"/"float" for a Python number."""
    if isinstance(value, list):
        value = as_array(value)
    if hasattr(value, "dtype"):
        name = np.dtype(value.dtype).name
    elif isinstance(value, bool) or value is bool:
        return "bool"
    elif isinstance(value, int) or value is int:
        return "int"
    elif isinstance(value, float) or value is float:
        return "float"
    else:
        name = np.dtype(value).name
    if name not in _LATTICE:
        raise ValueError(
            f"dtype={name!r} has no implicit promotion in nnet.ops. Cast the input to a bool, "
            f"integer or float dtype first."
        )
    return name


def result_type(*values):
    """The dtype name that Keras's promotion gives to a result of `values`.

    Args:
        values: arrays or Tensors (their dtype counts), dtypes or dtype names, and Python
            numbers or the types ``int`` and ``float`` (weak: they only set the kind).
    """
    nodes = frozenset(_node(v) for v in values)
    out = _least_upper_bound(nodes)
    if out == "int":
        return "int32"
    if out == "float":
        return floatx()
    return out


def float_type(*values):
    """`result_type` with a float: the dtype of a float function of `values` (ints give
    `floatx()`)."""
    return result_type(*values, float)


def tensor_like(x):
    """x itself when it has a dtype (a Tensor, a symbolic tensor, an array), else x as an array
    (Python numbers as Keras converts them)."""
    return x if hasattr(x, "dtype") else as_array(x)


def as_array(x, dtype=None):
    """An array of `x`, in `dtype` when given; else Python numbers and lists are converted as
    Keras converts them (ints to int32, floats to `floatx()`)."""
    if dtype is None and isinstance(x, (bool, int, float)) and not hasattr(x, "dtype"):
        dtype = result_type(x)
    if not hasattr(x, "astype"):
        x = np.asarray(x)
        if dtype is None:
            dtype = {"int64": "int32", "float64": floatx()}.get(x.dtype.name)
    return x if dtype is None else x.astype(dtype, copy=False)
