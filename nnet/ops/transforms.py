"""Function transforms: `vectorize`, `custom_gradient` and `jvp`."""

import functools
import inspect

import numpy as np

from nnet import tree
from nnet.autodiff.engine import backward, no_grad, primitive
from nnet.autodiff.symbolic import graph_op
from nnet.autodiff.tensor import Tensor
from nnet.ops.control import _as_tensor, _check_callable, map
from nnet.ops.shape import broadcast_to, reshape


def vectorize(pyfunc, *, excluded=None, signature=None):
    """Make `pyfunc` (written for single elements, or for core arrays given by `signature`)
    act on whole tensors, broadcasting over the leading (batch) dimensions, as NumPy's vectorize.

    Args:
        pyfunc: a function of tensors.
        excluded: positions or names of arguments passed through unchanged.
        signature: a generalized-ufunc signature such as ``"(m,n),(n)->(m)"``; by default every
            input is a scalar core.

    Example:
        >>> import numpy as np, nnet
        >>> dot = nnet.ops.vectorize(lambda a, b: nnet.ops.sum(a * b), signature="(n),(n)->()")
        >>> dot(np.ones((2, 3)), np.arange(3.0)).numpy()
        array([3., 3.])
    """
    _check_callable("pyfunc", pyfunc)
    excluded = set(excluded or ())
    core_in, core_out = _parse_signature(signature)

    @functools.wraps(pyfunc)
    def wrapped(*args, **kwargs):
        positions = [i for i in range(len(args)) if i not in excluded]
        names = [k for k in kwargs if k not in excluded]
        tensors = [_as_tensor(args[i]) for i in positions] + [_as_tensor(kwargs[k])
                                                              for k in names]
        cores = core_in if core_in is not None else [()] * len(tensors)
        if len(cores) != len(tensors):
            raise ValueError(f"The signature {signature!r} names {len(cores)} inputs, but "
                             f"{len(tensors)} were given.")
        batch = np.broadcast_shapes(*[t.shape[:t.ndim - len(c)]
                                      for t, c in zip(tensors, cores)])
        tensors = [broadcast_to(t, batch + t.shape[t.ndim - len(c):])
                   for t, c in zip(tensors, cores)]
        flat = [reshape(t, (-1,) + t.shape[len(batch):]) for t in tensors]

        def one(parts):
            a, kw = list(args), dict(kwargs)
            for i, part in zip(positions + names, parts):
                (a if isinstance(i, int) else kw)[i] = part
            return pyfunc(*a, **kw)

        out = map(one, flat) if flat and flat[0].shape[0] else None
        if out is None:
            raise ValueError("vectorize needs a non-empty batch of inputs.")
        single = not isinstance(out, (tuple, list))
        outs = [out] if single else list(out)
        outs = [reshape(o, batch + o.shape[1:]) for o in outs]
        if core_out is not None and len(core_out) != len(outs):
            raise ValueError(f"The signature {signature!r} names {len(core_out)} outputs, but "
                             f"pyfunc returned {len(outs)}.")
        return outs[0] if single else tuple(outs)

    return wrapped


def _parse_signature(signature):
    """The core dimension names of each input and output of a gufunc signature (or None)."""
    if signature is None:
        return None, None
    try:
        left, right = signature.replace(" ", "").split("->")

        def groups(text):
            return [tuple(d for d in g.split(",") if d) for g in text[1:-1].split("),(")]

        return groups(left), groups(right)
    except ValueError:
        raise ValueError(f"Expected a signature such as '(m,n),(n)->(m)'. "
                         f"Received: signature={signature!r}") from None


def custom_gradient(f):
    """Decorator: a function whose gradient is given by the function itself.

    ``f(*args)`` returns ``(output, grad_fn)``. The output is computed without recording its
    operations; its gradient is ``grad_fn(*args, upstream=g)`` (or ``grad_fn(g)`` when grad_fn
    takes a single argument), which returns one gradient per tensor argument (a tensor, or a
    tuple of them for several arguments). `output` may be a tensor or a tuple of tensors; then
    `upstream` is a tuple too (zeros for outputs that did not reach the loss).

    Example:
        >>> import numpy as np, nnet
        >>> @nnet.ops.custom_gradient
        ... def clip_gradient(x):
        ...     def grad(*args, upstream=None):
        ...         upstream = args[0] if upstream is None else upstream
        ...         return nnet.ops.clip(upstream, -0.5, 0.5)
        ...     return x * 3.0, grad
        >>> x = nnet.Variable(np.array([1.0]))
        >>> nnet.backward(nnet.ops.sum(clip_gradient(x)))
        >>> x.grad
        array([0.5])
    """
    _check_callable("f", f)

    @functools.wraps(f)
    def op(*args):
        @primitive
        def forward(*arrays):
            inputs = [Tensor(a) if hasattr(a, "dtype") else a for a in arrays]
            with no_grad():
                out, grad_fn = f(*inputs)
            several = isinstance(out, (tuple, list))
            outs = [_as_tensor(o) for o in (out if several else [out])]

            def vjp(g):
                gs = [Tensor(np.zeros(o.shape, o.dtype) if gi is None else gi)
                      for gi, o in zip(g if several else (g,), outs)]
                upstream = tuple(gs) if several else gs[0]
                with no_grad():
                    grads = _call_grad(grad_fn, inputs, upstream)
                grads = grads if isinstance(grads, (tuple, list)) else (grads,)
                return tuple(None if gi is None else np.asarray(_as_tensor(gi).data).astype(
                    arrays[i].dtype if hasattr(arrays[i], "dtype") else gi.dtype, copy=False)
                    for i, gi in enumerate(grads))

            return (tuple(o.data for o in outs) if several else outs[0].data), vjp

        return forward(*args)

    return op


def _call_grad(grad_fn, inputs, upstream):
    """Keras's two conventions: ``grad_fn(*args, upstream=g)`` or ``grad_fn(g)``."""
    parameters = inspect.signature(grad_fn).parameters.values()
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or (
            p.name == "upstream" and p.kind == p.KEYWORD_ONLY) for p in parameters):
        return grad_fn(*inputs, upstream=upstream)
    return grad_fn(upstream)


@graph_op
def jvp(fun, primals, tangents, has_aux=False):
    """The Jacobian-vector product of `fun` at `primals` along `tangents` (Keras's `jvp`).

    nnet differentiates in reverse mode only, so the product is assembled exactly from one
    backward pass per output element (rows of the Jacobian): exact, and meant for outputs of
    modest size.

    Args:
        fun: a function of tensors returning a tensor or a structure of tensors (and, with
            `has_aux`, a pair ``(output, aux)``).
        primals: a tuple or list of the arguments of `fun`.
        tangents: the same structure and shapes as `primals`.
        has_aux: whether `fun` returns auxiliary data beside its output.

    Returns:
        ``(primals_out, tangents_out)``, or ``(primals_out, tangents_out, aux)``.

    Example:
        >>> import nnet
        >>> out, tangent = nnet.ops.jvp(nnet.ops.sin, (nnet.ops.array(0.1),),
        ...                             (nnet.ops.array(0.2),))
        >>> round(float(tangent), 6)
        0.199001
    """
    _check_callable("fun", fun)
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise ValueError(f"Expected primals and tangents as tuples or lists of arguments. "
                         f"Received: primals={primals!r}, tangents={tangents!r}")
    leaves = [Tensor(np.array(_as_tensor(p).data), requires_grad=True)
              for p in tree.flatten(primals)]
    directions = [np.asarray(_as_tensor(t).data) for t in tree.flatten(tangents)]
    if [d.shape for d in directions] != [p.shape for p in leaves]:
        raise ValueError(f"tangents must match the shapes of primals. Received shapes "
                         f"{[d.shape for d in directions]} for primals of shapes "
                         f"{[p.shape for p in leaves]}")
    result = fun(*tree.pack_sequence_as(list(primals), leaves))
    out, aux = result if has_aux else (result, None)
    tangents_out = []
    for o in tree.flatten(out):
        o = _as_tensor(o)
        flat = np.zeros(int(np.prod(o.shape, dtype=np.int64)), dtype=o.dtype)
        for i in range(flat.size if o.requires_grad else 0):
            seed = np.zeros(flat.size, dtype=o.dtype)
            seed[i] = 1
            for leaf in leaves:
                leaf.grad = None
            backward(o, seed.reshape(o.shape), retain_graph=True)
            flat[i] = sum(float((leaf.grad * d).sum()) for leaf, d in zip(leaves, directions)
                          if leaf.grad is not None)
        tangents_out.append(Tensor(flat.reshape(o.shape)))
    detached = tree.map_structure(lambda o: Tensor(_as_tensor(o).data), out)
    tangents_out = tree.pack_sequence_as(out, tangents_out)
    return (detached, tangents_out, aux) if has_aux else (detached, tangents_out)
