"""Linear algebra: matmul."""

from nnet.autodiff.engine import primitive


@primitive
def matmul(x, y):
    """Matrix product with NumPy's rules (1-D operands, batched leading dims).

    Example:
        >>> import nnet
        >>> nnet.ops.matmul([[1.0, 2.0]], [[3.0], [4.0]]).numpy()
        array([[11.]])
    """
    xm = x[None, :] if x.ndim == 1 else x
    ym = y[:, None] if y.ndim == 1 else y

    def vjp(g):
        gm = g.reshape((xm @ ym).shape) if (x.ndim == 1 or y.ndim == 1) else g
        gy = lambda: (xm.swapaxes(-1, -2) @ gm)[..., 0] if y.ndim == 1 else xm.swapaxes(-1, -2) @ gm  # noqa: E731
        return (lambda: gm @ ym.swapaxes(-1, -2)), gy

    return x @ y, vjp
