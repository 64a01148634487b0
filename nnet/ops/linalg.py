"""Linear algebra: matmul."""

from nnet.autodiff.engine import primitive


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
