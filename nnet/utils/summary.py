"""`model.summary()`: the Keras 3 table of layers, output shapes and parameter counts.

Keras draws the table with `rich`; nnet reproduces rich's layout rules (column sizing, word
wrapping, `…` truncation, cropping to the console width) in plain Python, so the text is the same
character for character without the dependency.
"""

import builtins
import math
import os
import re
import shutil

import numpy as np

from nnet import tree
from nnet.utils.io_utils import print_msg

# rich's HEAVY_HEAD box: (left, horizontal, cross, right) per kind of line.
_TOP = ("┏", "━", "┳", "┓")
_HEAD_RULE = ("┡", "━", "╇", "┩")
_ROW_RULE = ("├", "─", "┼", "┤")
_BOTTOM = ("└", "─", "┴", "┘")
_HEAD_EDGE = "┃"
_BODY_EDGE = "│"
_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Print a summary table of `model`, exactly as Keras 3's ``model.summary()`` prints it.

    The table has one row per layer: ``name (ClassName)``, its output shape and its parameter
    count; a ``Connected to`` column is added for non-linear functional models. Footer lines give
    the total, trainable, non-trainable (and, once the optimizer is built, optimizer) parameter
    counts with their size in memory: ``count * bits / 8`` bytes, in 1024-based units.

    Args:
        model: a built or unbuilt model.
        line_length: the table width in characters. Defaults to 88 (108 with ``Connected to``),
            plus 12 with `show_trainable`, capped at the terminal width minus 4.
        positions: the right edge of each column as a fraction of `line_length`. Defaults to
            ``[0.45, 0.80, 1.0]`` (``[0.3, 0.56, 0.74, 1.0]`` with ``Connected to``).
        print_fn: called once with the whole summary text; when None, `print_msg` (stdout, or
            Python's `logging` with interactive logging off).
        expand_nested: also list the layers of nested models, indented with ``└``.
        show_trainable: add a column that says whether each layer is trainable (Y / N / -).
        layer_range: two regular expressions: the table starts at the first layer whose name
            matches the first one and ends at the last layer whose name matches the second.

    Example:
        >>> import nnet
        >>> model = nnet.Sequential(
        ...     [nnet.Input((4,)), nnet.layers.Dense(3, name="out")], name="tiny")
        >>> print_summary(model, line_length=50)
        Model: "tiny"
        ┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━┓
        ┃ Layer (type)        ┃ Output Shape   ┃ Param # ┃
        ┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━┩
        │ out (Dense)         │ (None, 3)      │      15 │
        └─────────────────────┴────────────────┴─────────┘
         Total params: 15 (60.00 B)
         Trainable params: 15 (60.00 B)
         Non-trainable params: 0 (0.00 B)
    """
    sequential_like, graph_nodes = _graph_structure(model)
    if sequential_like:
        default_length, header = 88, ["Layer (type)", "Output Shape", "Param #"]
        positions = positions or [0.45, 0.80, 1.0]
        justify = ["left", "left", "right"]
    else:
        default_length = 108
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        positions = positions or [0.3, 0.56, 0.74, 1.0]
        justify = ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        justify.append("center")
    line_length = line_length or min(default_length, shutil.get_terminal_size().columns - 4)
    requested, current = [], 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError(
                f"Insufficient console width to print summary. Received: line_length="
                f"{line_length}, positions={list(positions)}, which leaves {width} characters "
                f"for a column; each needs at least 4. Pass a larger line_length."
            )
        requested.append(width)
        current += width

    layers = model.layers
    start, stop = _layer_index_bounds(layers, layer_range)
    rows = []
    for layer in layers[start:stop]:
        rows.extend(_layer_rows(layer, 0, expand_nested, sequential_like, show_trainable,
                                graph_nodes))

    widths = _column_widths(requested, line_length)
    console_width = _console_width()
    lines = _wrap(f'Model: "{model.name}"', console_width)
    lines.extend(line[:console_width] for line in _render_table(header, rows, widths, justify))
    counts = _parameter_counts(model)
    for label, (count, size) in counts.items():
        lines.extend(_wrap(f" {label} params: {count:,} ({_readable_size(size)})", console_width))
    text = "\n".join(lines) + "\n"
    if print_fn is None:
        print_msg(text, line_break=False)
    else:
        print_fn(text)


def _parameter_counts(model):
    """{label: (count, bytes)} for the footer; `Optimizer` only once the optimizer is built."""
    groups = {"Trainable": model.trainable_weights,
              "Non-trainable": model.non_trainable_weights}
    optimizer = getattr(model, "optimizer", None)
    if getattr(model, "compiled", False) and optimizer is not None:
        variables = list(getattr(optimizer, "variables", []))
        if getattr(optimizer, "built", bool(variables)):
            groups["Optimizer"] = variables
    counts = {label: (_count(weights), _memory_size(weights)) for label, weights in groups.items()}
    total = tuple(sum(values) for values in zip(*counts.values()))
    return {"Total": total, **counts}


def _count(weights):
    return int(sum(math.prod(w.shape) for w in weights))


def _memory_size(weights):
    """Bytes taken by the distinct `weights`: ``size * bits / 8`` (a bool counts one bit)."""
    unique = {id(w): w for w in weights}.values()
    bits = 0
    for w in unique:
        dtype = np.dtype(w.dtype)
        bits += math.prod(w.shape) * (1 if dtype == np.bool_ else dtype.itemsize * 8)
    return bits / 8


def _readable_size(size):
    """``268.00 B``, ``5.50 KB``: bytes in 1024-based units with two decimals."""
    units = ("B", "KB", "MB", "GB", "TB", "PB")
    for unit in units:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    # Past the last unit Keras has already divided once more; keep its text.
    return f"{size:.2f} {units[-1]}"


def _layer_index_bounds(layers, layer_range):
    """``[first, last + 1]``: the slice of `layers` selected by two name patterns."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError(
            f"layer_range must be a list or tuple of length 2. Received: layer_range = "
            f"{layer_range} of length {len(layer_range)}"
        )
    if not all(isinstance(pattern, str) for pattern in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(
            f"Passed layer_names do not match the layer names in the model. Received: "
            f"{layer_range}. The layer names are {[layer.name for layer in layers]}."
        )
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def _layer_rows(layer, level, expand_nested, sequential_like, show_trainable, graph_nodes):
    """The table row of `layer`, then those of its nested layers when `expand_nested`."""
    prefix = "   " * level + "└ " if level else ""
    if not hasattr(layer, "built"):
        params = "0"
    elif not layer.built:
        params = "0 (unbuilt)"
    else:
        params = f"{layer.count_params():,}"
    row = [f"{prefix}{layer.name} ({type(layer).__name__})", _output_shape(layer), params]
    if not sequential_like:
        row.append(_connections(layer, graph_nodes))
    if show_trainable:
        has_weights = len(getattr(layer, "weights", [])) > 0
        row.append(("Y" if layer.trainable else "N") if has_weights else "-")
    rows = [row]
    nested = getattr(layer, "layers", None) if expand_nested else None
    for sublayer in nested or []:
        rows.extend(_layer_rows(sublayer, level + 1, expand_nested, sequential_like,
                                show_trainable, graph_nodes))
    return rows


def _is_shape(value):
    return isinstance(value, (tuple, list)) and all(
        d is None or isinstance(d, (int, np.integer)) for d in value)


def _format_shapes(structure):
    """Shapes as text, keeping any list/tuple/dict structure around them."""
    if _is_shape(structure):
        return f"({', '.join(str(d) for d in structure)})"
    if isinstance(structure, dict):
        return {key: _format_shapes(value) for key, value in structure.items()}
    return type(structure)(_format_shapes(value) for value in structure)


def _output_shape(layer):
    """``(None, 8)``, from the layer's last symbolic call or else from its build shape."""
    nodes = layer.__dict__.get("_inbound_nodes") or []
    if nodes:
        shapes = tree.map_structure(lambda tensor: tensor.shape, nodes[-1].outputs)
    elif getattr(layer, "_build_shape", None) is not None:
        try:
            shapes = layer.compute_output_shape(layer._build_shape)
        except NotImplementedError:
            return "?"
    else:
        return "?"
    texts = _format_shapes(shapes)
    flat = tree.flatten(texts)
    return flat[0] if len(flat) == 1 else str(texts).replace("'", "")


def _graph_structure(model):
    """(sequential_like, graph nodes): whether the model is a plain chain, as Keras decides it.

    A functional graph is a chain when every depth holds a single node with at most one input
    tensor and no layer is called twice. The nodes are those of the model's graph (input nodes
    included), which the ``Connected to`` column lists.
    """
    if not hasattr(model, "_nodes") or not hasattr(model, "inputs"):
        return True, []
    nodes = [tensor._history[0]._inbound_nodes[tensor._history[1]] for tensor in model.inputs]
    nodes += [node for node in model._nodes if node not in nodes]
    node_depth, layer_depth = {}, {}
    for node in reversed(nodes):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.operation), 0))
        layer_depth[id(node.operation)] = node_depth[id(node)] = depth
        for tensor in node.input_tensors:
            layer, index, _ = tensor._history
            parent = id(layer._inbound_nodes[index])
            node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    by_depth = {}
    for node in nodes:
        by_depth.setdefault(node_depth[id(node)], []).append(node)
    chain = all(len(group) == 1 and len(group[0].input_tensors) <= 1
                for group in by_depth.values())
    layers = [node.operation for node in nodes]
    chain = chain and len({id(layer) for layer in layers}) == len(layers)
    return chain, nodes


def _connections(layer, graph_nodes):
    """``dense[0][0], dense_1[0][0]``: the tensors feeding `layer` inside the model's graph."""
    names = []
    in_graph = {id(node) for node in graph_nodes}
    for node in layer.__dict__.get("_inbound_nodes") or []:
        if in_graph and id(node) not in in_graph:
            continue
        for tensor in node.input_tensors:
            source, node_index, tensor_index = tensor._history
            names.append(f"{source.name}[{node_index}][{tensor_index}]")
    return ", ".join(names) or "-"


def _console_width():
    """The width rich's Console would use: Jupyter's, ``$COLUMNS``, the terminal's, or 80."""
    if _in_jupyter():
        columns = os.environ.get("JUPYTER_COLUMNS", "")
        return int(columns) if columns.isdigit() else 115
    width = None
    for descriptor in (0, 1, 2):
        try:
            width = os.get_terminal_size(descriptor).columns
            break
        except (AttributeError, ValueError, OSError):
            continue
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        width = int(columns)
    return width or 80


def _in_jupyter():
    get_ipython = getattr(builtins, "get_ipython", None)
    if get_ipython is None:
        return False
    shell = get_ipython()
    return ("google.colab" in str(type(shell)) or bool(os.getenv("DATABRICKS_RUNTIME_VERSION"))
            or type(shell).__name__ == "ZMQInteractiveShell")


def _column_widths(requested, line_length):
    """Rendered column widths (padding included), sized the way rich fits a fixed-width table.

    Each column asks for its width plus one space of padding per side; the table, borders
    included, must be `line_length` wide, so the excess is taken evenly from the columns.
    """
    space = max(0, line_length - len(requested) - 1)

    def measure(limit):
        return [min(width + 2, cap) if cap >= 1 else 0 for width, cap in zip(requested, limit)]

    widths = [width or 1 for width in measure([space] * len(requested))]
    total = sum(widths)
    if total > space:
        widths = _ratio_reduce(total - space, [1] * len(widths), widths, widths)
        total = sum(widths)
        widths = measure(widths)
    if total < space:
        widths = [w + pad for w, pad in zip(widths, _ratio_distribute(space - total, widths))]
    return widths


def _ratio_reduce(total, ratios, maximums, values):
    """Take `total` away from `values` in proportion to `ratios`, at most `maximums` each."""
    ratios = [ratio if maximum else 0 for ratio, maximum in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return list(values)
    result = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            # round() is Python's half-to-even, as in rich.
            taken = min(maximum, round(ratio * total / total_ratio))
            result.append(value - taken)
            total -= taken
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _ratio_distribute(total, ratios):
    """Split `total` into parts proportional to `ratios`, rounding each part up."""
    total_ratio, parts = sum(ratios), []
    for ratio in ratios:
        part = math.ceil(ratio * total / total_ratio) if total_ratio > 0 else total
        parts.append(part)
        total_ratio -= ratio
        total -= part
    return parts


def _render_table(header, rows, widths, justify):
    """The table's lines: a heavy header box, then one light box per row."""

    def rule(chars):
        left, horizontal, cross, right = chars
        return left + cross.join(horizontal * width for width in widths) + right

    def row_lines(cells, edge, vertical):
        blocks = [_cell_lines(text, width, how) for text, width, how in zip(cells, widths, justify)]
        height = max(1, *(len(block) for block in blocks))
        blocks = [_align(block, width, height, vertical) for block, width in zip(blocks, widths)]
        return [edge + edge.join(parts) + edge for parts in zip(*blocks)]

    lines = [rule(_TOP), *row_lines(header, _HEAD_EDGE, "bottom"), rule(_HEAD_RULE)]
    for index, row in enumerate(rows):
        if index:
            lines.append(rule(_ROW_RULE))
        lines.extend(row_lines(row, _BODY_EDGE, "top"))
    lines.append(rule(_BOTTOM))
    return lines


def _align(block, width, height, vertical):
    blank = [" " * width] * (height - len(block))
    return blank + block if vertical == "bottom" else block + blank


def _cell_lines(text, width, justify):
    """A cell's lines: the text wrapped to ``width - 2`` and padded by one space per side."""
    inner = width - 2
    if inner < 1:
        return []  # rich renders nothing into a cell with no room inside its padding
    lines = [" " + _fit(line, inner) + " " for line in _wrap(text, inner, justify, "ellipsis")]
    return [_fit(line, width) for line in lines]


def _fit(text, width):
    return text[:width] if len(text) >= width else text + " " * (width - len(text))


def _truncate(text, width, overflow):
    if len(text) <= width:
        return text
    if overflow == "ellipsis":
        return _set_size(text, width - 1) + "…"
    return _set_size(text, width)


def _set_size(text, size):
    # A negative size drops characters from the end, exactly as rich's set_cell_size does.
    return text + " " * (size - len(text)) if len(text) < size else text[:size]


def _wrap(text, width, justify="default", overflow="fold"):
    """Word-wrap `text` to `width` columns the way rich's ``Text.wrap`` does.

    Lines break between words; a word longer than a line gets a line of its own and is folded
    (``overflow="fold"``) or cut with ``…`` (``"ellipsis"``). Trailing spaces beyond the width
    are dropped, then each line is justified (left pads, right/center realign).
    """
    out = []
    for paragraph in text.split("\n"):
        breaks = _line_breaks(paragraph, width, fold=overflow == "fold")
        edges = [0, *breaks, len(paragraph)]
        for start, stop in zip(edges, edges[1:]):
            line = paragraph[start:stop]
            if len(line) > width:
                match = _TRAILING_SPACE.search(line)
                if match:
                    line = line[:len(line) - min(len(match.group()), len(line) - width)]
            out.append(_truncate(_justify(line, width, justify, overflow), width, overflow))
    return out


def _justify(line, width, justify, overflow):
    if justify == "left":
        line = _truncate(line, width, overflow)
        return line + " " * (width - len(line))
    if justify in ("center", "right"):
        line = _truncate(line.rstrip(), width, overflow)
        left = max(0, width - len(line))
        line = " " * (left // 2 if justify == "center" else left) + line
        return line + " " * (width - len(line))
    return line


def _line_breaks(text, width, fold):
    """The offsets at which rich's ``divide_line`` starts a new line."""
    breaks, offset = [], 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            if fold:
                pieces = [word[i:i + width] for i in range(0, len(word), width)]
                for piece in pieces:
                    if start:
                        breaks.append(start)
                    start += len(piece)
                offset = len(pieces[-1])
            else:
                if start:
                    breaks.append(start)
                offset = len(word)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks
