"""Rearranging elements between axes: einops-style `rearrange`, `depth_to_space` and
`space_to_depth` (each one reshape, one transpose and one reshape, so differentiable)."""

import re

from nnet.backend import standardize_data_format
from nnet.ops.control import _graph_op
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


@_graph_op
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
