"""Dtype policies (``keras.DTypePolicy``): the dtype of a layer's computations and weights.

nnet computes and stores each layer in one dtype, so a policy is a float dtype name. Keras's
mixed-precision policies (``"mixed_float16"``, ``"mixed_bfloat16"``: float32 weights, half
precision computations) are refused with an error, as is bfloat16, which NumPy lacks.

Example:
    >>> import nnet
    >>> policy = nnet.DTypePolicy("float64")
    >>> policy.compute_dtype, policy.variable_dtype
    ('float64', 'float64')
"""

from nnet import backend

_FLOAT_DTYPES = ("float16", "float32", "float64")
_GLOBAL_POLICY = None


class DTypePolicy:
    """The dtype of a layer's computations and weights: one float dtype in nnet.

    Args:
        name: ``"float16"``, ``"float32"`` or ``"float64"``; None for `floatx()`.

    Example:
        >>> DTypePolicy()
        <DTypePolicy "float32">
    """

    def __init__(self, name=None):
        name = backend.floatx() if name is None else name
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'float32'. Received: name={name!r}"
                            f" (of type {type(name)})")
        if name.startswith("mixed_") or name == "bfloat16":
            raise ValueError(
                f"nnet doesn't support mixed precision or bfloat16 yet. Received: name={name!r}. "
                "Use a float dtype policy: 'float16', 'float32' or 'float64'.")
        if name not in _FLOAT_DTYPES:
            raise ValueError(
                f"Cannot convert {name!r} to a DTypePolicy. Valid policies are the float dtypes "
                f"{', '.join(_FLOAT_DTYPES)}.")
        self._name = name

    @property
    def name(self):
        """The policy's name, e.g. ``"float32"``."""
        return self._name

    @property
    def compute_dtype(self):
        """The dtype of the layer's computations."""
        return self._name

    @property
    def variable_dtype(self):
        """The dtype of the layer's weights."""
        return self._name

    @property
    def quantization_mode(self):
        """None: a float policy quantizes nothing."""
        return None

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


class FloatDTypePolicy(DTypePolicy):
    """`DTypePolicy` under its older Keras name.

    Example:
        >>> FloatDTypePolicy("float64").name
        'float64'
    """


def set_dtype_policy(policy):
    """Set the default policy of the layers created from now on (those given no dtype).

    Args:
        policy: a `DTypePolicy` or its name.

    Example:
        >>> import nnet
        >>> set_dtype_policy("float64"); nnet.layers.Dense(1).dtype
        'float64'
        >>> set_dtype_policy("float32")
    """
    global _GLOBAL_POLICY
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    if not isinstance(policy, DTypePolicy):
        raise ValueError(
            "Invalid `policy` argument. Expected the string name of a policy (such as "
            f"'float64') or a `DTypePolicy` instance. Received: policy={policy!r} (of type "
            f"{type(policy)})")
    _GLOBAL_POLICY = policy


def dtype_policy():
    """The default policy of new layers: the one `set_dtype_policy` set, else `floatx()`'s.

    Example:
        >>> dtype_policy()
        <DTypePolicy "float32">
    """
    return _GLOBAL_POLICY if _GLOBAL_POLICY is not None else DTypePolicy(backend.floatx())
