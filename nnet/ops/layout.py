"""Rearranging elements between axes: einops-style `rearrange`, `depth_to_space` and
`space_to_depth` (each one reshape, one transpose and one reshape, so differentiable), and the
sliding-block pair `unfold` (im2col) and `fold` (col2im)."""

import re

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module, standardize_data_format
from nnet.ops.shape import reshape, transpose


def _parse_side(text, pattern):
    """The axis groups of one side of a pattern: ``"b (h w) c"`` -> [["b"], ["h", "w"], ["c"]]."""
    groups, current = [], None
    for token in re.findall(r"\(|\)|[A-Za-z_][A-Za-z0-9_]*|\S", text):
        if token == "(":
            if current is not None:
                break
            current = []
        elif token == ")":
            if current is None:
                break
            groups.append(current)
            current = None
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token):
            (groups.append([token]) if current is None else current.append(token))
        else:
            break
    else:
        if current is None:
            return groups
    raise ValueError(f"Invalid rearrange pattern {pattern!r}: use axis names, one level of "
                     f"parentheses and '->', e.g. 'b (h w) c -> b h w c'.")


@graph_op
def rearrange(tensor, pattern, **axes_lengths):
    """Rearrange the axes of `tensor` by an einops pattern: transpose, merge ``(a b)`` and split
    axes (the sizes of split axes given as keywords, one of each group may be inferred).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.rearrange(np.zeros((2, 6, 5)), "b (h w) c -> b c h w", h=2).shape
        (2, 5, 2, 3)
    """
    if "->" not in pattern:
        raise ValueError(f"Expected a pattern with '->', e.g. 'b h w -> b (h w)'. Received: "
                         f"pattern={pattern!r}")
    left, right = pattern.split("->", 1)
    inputs, outputs = _parse_side(left, pattern), _parse_side(right, pattern)
    names_in = [a for g in inputs for a in g]
    names_out = [a for g in outputs for a in g]
    if sorted(names_in) != sorted(names_out) or len(set(names_in)) != len(names_in):
        raise ValueError(f"The pattern {pattern!r} must name each axis once on each side.")
    if len(inputs) != len(tensor.shape):
        raise ValueError(f"The pattern {pattern!r} has {len(inputs)} input axes for a tensor "
                         f"of shape {tuple(tensor.shape)}.")
    sizes = {}
    for group, dim in zip(inputs, tensor.shape):
        known = [a for a in group if a in axes_lengths]
        unknown = [a for a in group if a not in axes_lengths]
        product = 1
        for a in known:
            product *= axes_lengths[a]
        if len(unknown) > 1 or (len(unknown) == 1 and dim % product) or (
                not unknown and product != dim):
            raise ValueError(f"Cannot split the axis of size {dim} into {group} with "
                             f"{ {a: axes_lengths[a] for a in known} } in pattern {pattern!r}.")
        sizes.update({a: axes_lengths[a] for a in known})
        if unknown:
            sizes[unknown[0]] = dim // product
    x = reshape(tensor, tuple(sizes[a] for a in names_in))
    x = transpose(x, tuple(names_in.index(a) for a in names_out))
    shape = []
    for group in outputs:
        size = 1
        for a in group:
            size *= sizes[a]
        shape.append(size)
    return reshape(x, tuple(shape))


def _block(block_size):
    if not isinstance(block_size, int) or block_size < 2:
        raise ValueError(f"block_size must be at least 2. Received: block_size={block_size!r}")


@graph_op
def depth_to_space(x, block_size, data_format="channels_last"):
    """Move blocks of channels into space (pixel shuffle): (N, H, W, C r^2) -> (N, H r, W r, C)
    for channels_last, (N, C r^2, H, W) -> (N, C, H r, W r) for channels_first.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.depth_to_space(np.zeros((1, 2, 2, 12)), 2).shape
        (1, 4, 4, 3)
    """
    _block(block_size)
    if standardize_data_format(data_format) == "channels_last":
        return rearrange(x, "n h w (b1 b2 c) -> n (h b1) (w b2) c", b1=block_size, b2=block_size)
    return rearrange(x, "n (c b1 b2) h w -> n c (h b1) (w b2)", b1=block_size, b2=block_size)


@graph_op
def space_to_depth(x, block_size, data_format="channels_last"):
    """Move blocks of space into channels, the inverse of `depth_to_space`:
    (N, H r, W r, C) -> (N, H, W, C r^2) for channels_last.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.space_to_depth(np.zeros((1, 4, 4, 3)), 2).shape
        (1, 2, 2, 12)
    """
    _block(block_size)
    if standardize_data_format(data_format) == "channels_last":
        return rearrange(x, "n (h b1) (w b2) c -> n h w (b1 b2 c)", b1=block_size, b2=block_size)
    return rearrange(x, "n c (h b1) (w b2) -> n (c b1 b2) h w", b1=block_size, b2=block_size)


def _two(value, name):
    values = (value, value) if isinstance(value, int) else tuple(int(v) for v in value)
    if len(values) != 2:
        raise ValueError(f"Expected an int or a tuple of two ints for {name}. Received: "
                         f"{name}={value!r}")
    return values


def _patch_index(size, kernel_size, dilation, padding, stride):
    """Rows and columns (within the padded image) of every kernel position (K, L) of every
    patch, with the number of patches along each axis."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (
        _two(v, n) for v, n in ((kernel_size, "kernel_size"), (dilation, "dilation"),
                                (padding, "padding"), (stride, "stride")))
    h, w = size[0] + 2 * ph, size[1] + 2 * pw
    out_h, out_w = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(f"The kernel {(kh, kw)} with dilation {(dh, dw)} does not fit in the "
                         f"padded size {(h, w)}.")
    rows = (np.arange(kh)[:, None] * dh).repeat(kw, 1).reshape(-1, 1) + (
        np.arange(out_h)[:, None] * sh).repeat(out_w, 1).reshape(1, -1)
    cols = np.tile(np.arange(kw) * dw, kh).reshape(-1, 1) + np.tile(
        np.arange(out_w) * sw, out_h).reshape(1, -1)
    return rows, cols, (ph, pw)


@primitive
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of a (N, C, H, W) image as columns (im2col): (N, C * kH * kW, L), L the
    number of blocks, zero padding of `padding` on both sides.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.unfold(np.ones((1, 2, 4, 4)), kernel_size=2, stride=2).shape
        (1, 8, 4)
    """
    xp = array_module(x)
    if x.ndim != 4:
        raise ValueError(f"unfold expects a 4-D input (N, C, H, W). Received: x.shape={x.shape}")
    rows, cols, (ph, pw) = _patch_index(x.shape[2:], kernel_size, dilation, padding, stride)
    padded = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, c = x.shape[:2]

    def vjp(g):
        gp = xp.zeros(padded.shape, g.dtype)
        xp.add.at(gp, (slice(None), slice(None), rows, cols), g.reshape(n, c, *rows.shape))
        return (gp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]],) + (None,) * 4

    return padded[:, :, rows, cols].reshape(n, c * rows.shape[0], rows.shape[1]), vjp


@primitive
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns of sliding blocks back into an image (col2im), the adjoint of `unfold`:
    (N, C * kH * kW, L) -> (N, C, oH, oW).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.fold(np.ones((1, 4, 4)), (3, 3), kernel_size=2).numpy()[0, 0]
        array([[1., 2., 1.],
               [2., 4., 2.],
               [1., 2., 1.]])
    """
    xp = array_module(x)
    size = _two(output_size, "output_size")
    rows, cols, (ph, pw) = _patch_index(size, kernel_size, dilation, padding, stride)
    n, depth, blocks = x.shape
    if depth % rows.shape[0] or blocks != rows.shape[1]:
        raise ValueError(f"fold expects x of shape (N, C * {rows.shape[0]}, {rows.shape[1]}) "
                         f"for these kernel and output sizes. Received: x.shape={x.shape}")
    c = depth // rows.shape[0]
    out = xp.zeros((n, c, size[0] + 2 * ph, size[1] + 2 * pw), x.dtype)
    xp.add.at(out, (slice(None), slice(None), rows, cols), x.reshape(n, c, *rows.shape))

    def vjp(g):
        gp = xp.pad(g, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        return (gp[:, :, rows, cols].reshape(x.shape),) + (None,) * 5

    return out[:, :, ph:ph + size[0], pw:pw + size[1]], vjp
