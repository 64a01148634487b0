"""Gradient plumbing shared by all optimizers: buffers, validation and Keras's clipping rules.

Everything here writes only into buffers the optimizer owns (``out=``), never into a gradient,
which may be a read-only broadcast view.
"""

import math
import warnings
from collections import defaultdict

import numpy as np

from nnet.autodiff.tensor import Tensor
from nnet.backend import array_module


def flat_views(arrays, disjoint):
    """One view per array, shaped like it, into one flat buffer per dtype.

    ``disjoint=False`` shares one buffer of the largest size (scratch used by one array at a
    time); ``disjoint=True`` gives each array its own span (buffers that must coexist).

    Args:
        arrays: the arrays whose shapes and dtypes the views take.
        disjoint: whether the views must not overlap.

    Example:
        >>> import numpy as np
        >>> a, b = flat_views([np.zeros((2, 3)), np.zeros(4)], disjoint=False)
        >>> a.shape, b.shape, np.shares_memory(a, b)
        ((2, 3), (4,), True)
    """
    xp = array_module(*arrays)
    sizes = defaultdict(int)
    for a in arrays:
        sizes[a.dtype] = sizes[a.dtype] + a.size if disjoint else max(sizes[a.dtype], a.size)
    buffers = {dtype: xp.empty(size, dtype) for dtype, size in sizes.items()}
    offsets = defaultdict(int)
    views = []
    for a in arrays:
        start = offsets[a.dtype]
        views.append(buffers[a.dtype][start : start + a.size].reshape(a.shape))
        if disjoint:
            offsets[a.dtype] += a.size
    return views


def _path(variable):
    return getattr(variable, "path", variable.name)


def check_gradients(grads, variables):
    """Drop the None gradients (with Keras's warning) and return ``(arrays, variables)``.

    Tensors become their arrays and lists become arrays of the variable's dtype; a gradient of
    another shape than its variable raises.

    Args:
        grads: one gradient (array, Tensor, nested list or None) per variable.
        variables: the variables.

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> w = Variable([1.0, 2.0], name="w")
        >>> check_gradients([[0.5, 0.5]], [w])[0]
        [array([0.5, 0.5], dtype=float32)]
    """
    kept_grads, kept_variables, missing = [], [], []
    for g, v in zip(grads, variables):
        if g is None:
            missing.append(_path(v))
            continue
        g = g.data if isinstance(g, Tensor) else g
        if not hasattr(g, "shape"):
            g = np.asarray(g, dtype=v.dtype)
        if g.shape != v.shape:
            raise ValueError(
                f"Gradient of shape {g.shape} does not match variable '{_path(v)}' of shape "
                f"{v.shape}. Pass one gradient of the variable's shape per variable."
            )
        kept_grads.append(g)
        kept_variables.append(v)
    if not kept_grads:
        raise ValueError("No gradients provided for any variable.")
    if missing:
        warnings.warn(
            f"Gradients do not exist for variables {missing} when minimizing the loss. If "
            f"using `model.compile()`, did you forget to provide a `loss` argument?",
            stacklevel=4,
        )
    return kept_grads, kept_variables


def clip_gradients(grads, scratch, out, clipnorm=None, clipvalue=None, global_clipnorm=None):
    """Clip gradients as Keras does, writing the results into `out`.

    ``clipnorm``: ``g * clipnorm / max(||g||, clipnorm)`` per gradient. ``global_clipnorm``:
    every gradient times ``global_clipnorm * min(1 / N, 1 / global_clipnorm)`` with ``N`` the
    norm of all gradients together. ``clipvalue``: ``clip(g, -clipvalue, clipvalue)``. Only the
    first option that is set and positive applies.

    Args:
        grads: the gradients (only read).
        scratch: per gradient, a same-shaped array that may be overwritten (may share memory).
        out: per gradient, a same-shaped array that receives the result (may be the gradient).
        clipnorm: the per-gradient norm limit.
        clipvalue: the elementwise limit.
        global_clipnorm: the limit on the norm of all gradients together.

    Example:
        >>> import numpy as np
        >>> g = np.array([3.0, 4.0], "float32")
        >>> clip_gradients([g], [np.empty(2, "float32")], [np.empty(2, "float32")], clipnorm=1.0)
        [array([0.6, 0.8], dtype=float32)]
    """
    if clipnorm and clipnorm > 0:
        factors = [clipnorm / max(math.sqrt(_squared_norm(g, s)), clipnorm)
                   for g, s in zip(grads, scratch)]
    elif global_clipnorm and global_clipnorm > 0:
        norm = math.sqrt(sum(_squared_norm(g, s) for g, s in zip(grads, scratch)))
        inverse = 1.0 / norm if norm != 0 else math.inf
        # Keras's form: NaN when the norm is not finite, and no division by a zero norm.
        factor = global_clipnorm * min(inverse, 1.0 / global_clipnorm)
        factors = [factor + (norm - norm)] * len(grads)
    elif clipvalue and clipvalue > 0:
        return [np.clip(g, -clipvalue, clipvalue, out=o) for g, o in zip(grads, out)]
    else:
        return grads
    return [np.multiply(g, f, out=o) for g, f, o in zip(grads, factors, out)]


def _squared_norm(g, scratch):
    return float(np.square(g, out=scratch).sum())
