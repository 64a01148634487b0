"""Linear algebra: matmul and einsum."""

import functools
import string

from nnet.autodiff.engine import primitive
from nnet.backend import array_module


@primitive
def matmul(x1, x2):
    """Matrix product with NumPy's rules (1-D operands, batched leading dims).

    Example:
        >>> import nnet
        >>> nnet.ops.matmul([[1.0, 2.0]], [[3.0], [4.0]]).numpy()
        array([[11.]])
    """
    xm = x1[None, :] if x1.ndim == 1 else x1
    ym = x2[:, None] if x2.ndim == 1 else x2

    def vjp(g):
        gm = g.reshape((xm @ ym).shape) if (x1.ndim == 1 or x2.ndim == 1) else g
        def gy():
            g2 = xm.swapaxes(-1, -2) @ gm
            return g2[..., 0] if x2.ndim == 1 else g2

        return (lambda: gm @ ym.swapaxes(-1, -2)), gy

    return x1 @ x2, vjp


@primitive
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over `operands` as described by `subscripts` (NumPy's notation).

    Implicit (``"ij,jk"``) and explicit (``"ij,jk->ik"``) forms, ellipses (``"...ij"``) with
    NumPy's broadcasting, and repeated indices within an operand (``"ii->i"``, a diagonal) are
    supported. A two-operand contraction runs as one (batched) matrix product; others go to
    ``einsum`` with contraction-order optimization when there are more than two operands. The
    gradient of each operand is itself an einsum of the output gradient with the other operands.

    Args:
        subscripts: the subscripts string, letters ``a-z``/``A-Z`` and ``...``.
        *operands: the arrays or Tensors, one per comma-separated term.
        **kwargs: ``optimize`` (NumPy's contraction-order option) is accepted, as Keras accepts
            it; nnet always picks the order itself.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4))).shape
        (2, 4)
        >>> nnet.ops.einsum("ii", np.eye(3)).numpy()
        array(3.)
    """
    if not isinstance(subscripts, str):
        raise TypeError(
            f"Expected a string for subscripts, e.g. 'ij,jk->ik'. Received: "
            f"subscripts={subscripts!r}"
        )
    unknown = set(kwargs) - {"optimize"}
    if unknown:
        raise TypeError(f"einsum takes only optimize= as a keyword. Received: {sorted(unknown)}")
    terms, output = _explicit(subscripts, tuple(x.ndim for x in operands))

    def vjp(g):
        return (None,) + tuple(
            functools.partial(_operand_grad, terms, output, operands, g, i)
            for i in range(len(operands))
        )

    return _contract(terms, output, operands), vjp


def _operand_grad(terms, output, operands, g, i):
    """d(sum(g * einsum))/d(operands[i]): an einsum of g with the other operands."""
    term, x = terms[i], operands[i]
    others = [t for j, t in enumerate(terms) if j != i]
    unique = "".join(dict.fromkeys(term))
    present = set(output).union(*others)
    kept = "".join(c for c in unique if c in present)
    gk = _contract([output, *others], kept,
                   [g, *(a for j, a in enumerate(operands) if j != i)])
    sizes = dict(zip(term, x.shape))
    xp = array_module(gk)
    # A size-1 dimension of x that was broadcast: sum its gradient back to size 1.
    wide = tuple(k for k, c in enumerate(kept) if sizes[c] == 1 and gk.shape[k] != 1)
    if wide:
        gk = gk.sum(axis=wide, keepdims=True)
    if kept != unique:
        # Letters summed within x alone: the output does not vary along them.
        gk = xp.broadcast_to(gk.reshape([sizes[c] if c in kept else 1 for c in unique]),
                             [sizes[c] for c in unique])
    if unique == term:
        return gk
    gx = xp.zeros(x.shape, dtype=gk.dtype)
    # einsum returns a writeable view of the diagonal that a repeated index selects.
    xp.einsum(f"{term}->{unique}", gx)[...] = gk
    return gx


def _explicit(subscripts, ndims):
    """(terms, output): the explicit form of `subscripts`, each ellipsis spelled out in letters
    that the subscripts do not use (right-aligned, as NumPy broadcasts)."""
    text = subscripts.replace(" ", "")
    lhs, arrow, output = text.partition("->")
    terms = lhs.split(",")

    def fail(reason):
        raise ValueError(f"Invalid einsum subscripts: {reason}. Received: "
                         f"subscripts={subscripts!r} for operands of ndim {list(ndims)}.")

    if len(terms) != len(ndims):
        fail(f"{len(terms)} terms for {len(ndims)} operands; give one term per operand")
    letters = set(string.ascii_letters)
    ellipsis = 0
    for term, ndim in zip(terms + [output], ndims + (None,)):
        bare = term.replace("...", "", 1)
        if not set(bare) <= letters:
            fail("use letters a-z, A-Z and at most one '...' per term")
        if ndim is not None:
            if "..." not in term and len(bare) != ndim:
                fail(f"term {term!r} has {len(bare)} indices for an operand of ndim {ndim}")
            if len(bare) > ndim:
                fail(f"term {term!r} has more indices than its operand's {ndim} dimensions")
            if "..." in term:
                ellipsis = max(ellipsis, ndim - len(bare))
    free = [c for c in string.ascii_letters if c not in text]
    if ellipsis > len(free):
        fail("too many dimensions under the ellipsis")
    spelled = "".join(free[:ellipsis])
    # A term's ellipsis covers its operand's dimensions beyond its letters (len(t) counts "...").
    terms = [t.replace("...", spelled[ellipsis - (n - len(t) + 3):]) for t, n in zip(terms, ndims)]
    if not arrow:
        counts = {c: "".join(terms).count(c) for c in "".join(terms)}
        return terms, spelled + "".join(sorted(c for c, k in counts.items()
                                               if k == 1 and c not in spelled))
    if "..." in output:
        output = output.replace("...", spelled)
    elif ellipsis:
        fail("the inputs have dimensions under '...', so the output must have '...' too")
    if len(set(output)) != len(output) or not set(output) <= set("".join(terms)):
        fail("each output index must appear once in the output and in some input")
    return terms, output


def _contract(terms, output, arrays):
    """The einsum of `arrays` (explicit terms without ellipses)."""
    if len(arrays) == 2:
        plan = _matmul_plan(terms[0], terms[1], output, arrays[0].shape, arrays[1].shape)
        if plan is not None:
            return _run(plan, *arrays)
    return array_module(*arrays).einsum(f"{','.join(terms)}->{output}", *arrays,
                                        optimize=len(arrays) > 2)


@functools.lru_cache(maxsize=1024)
def _matmul_plan(a, b, output, shape_a, shape_b):
    """How to compute einsum(a,b->output) as one batched matmul, or None when it is not one
    (repeated indices, or an index whose sizes differ and broadcast)."""
    if len(set(a)) != len(a) or len(set(b)) != len(b):
        return None
    sizes_a, sizes_b = dict(zip(a, shape_a)), dict(zip(b, shape_b))
    if any(sizes_a[c] != sizes_b[c] for c in sizes_a.keys() & sizes_b.keys()):
        return None
    sizes = {**sizes_a, **sizes_b}
    batch = [c for c in output if c in a and c in b]
    left = [c for c in output if c in a and c not in b]
    right = [c for c in output if c in b and c not in a]
    inner = [c for c in a if c in b and c not in output]
    # Indices of one operand alone that the output drops are summed first.
    sum_a = tuple(k for k, c in enumerate(a) if c not in b and c not in output)
    sum_b = tuple(k for k, c in enumerate(b) if c not in a and c not in output)
    rest_a = [c for c in a if c in b or c in output]
    rest_b = [c for c in b if c in a or c in output]
    perm_a = tuple(rest_a.index(c) for c in batch + left + inner)
    perm_b = tuple(rest_b.index(c) for c in batch + inner + right)
    n = _product(sizes[c] for c in batch)
    m, k, r = (_product(sizes[c] for c in group) for group in (left, inner, right))
    flat_a, flat_b = ((n, m, k), (n, k, r)) if batch else ((m, k), (k, r))
    result = batch + left + right
    perm_out = tuple(result.index(c) for c in output)
    return (sum_a, perm_a, flat_a, sum_b, perm_b, flat_b,
            tuple(sizes[c] for c in result), None if perm_out == tuple(range(len(result)))
            else perm_out)


def _run(plan, x, y):
    sum_a, perm_a, flat_a, sum_b, perm_b, flat_b, shape, perm_out = plan
    if sum_a:
        x = x.sum(axis=sum_a)
    if sum_b:
        y = y.sum(axis=sum_b)
    out = (x.transpose(perm_a).reshape(flat_a) @ y.transpose(perm_b).reshape(flat_b))
    out = out.reshape(shape)
    return out if perm_out is None else out.transpose(perm_out)


def _product(values):
    result = 1
    for v in values:
        result *= v
    return result
