"""Model plots: `model_to_dot` (a `pydot.Dot` graph of the layers) and `plot_model` (that graph
drawn by Graphviz into an image file), as Keras draws them.

pydot (``pip install pydot``, the ``plot`` extra) and Graphviz's ``dot`` program (the Debian
package ``graphviz``) are optional: they are imported when a plot is made, and a clear error says
how to install whichever is missing. Models are told apart by what they hold: a functional model
has a recorded graph (``_operations``), a Sequential model an input layer slot
(``_input_layer``); any other model is drawn as one box.
"""

import os

from nnet import tree

_INSTALL_PYDOT = "You must install pydot (`pip install pydot`, or nnet's `plot` extra)"
_INSTALL_GRAPHVIZ = (
    "You must install graphviz, which gives the `dot` program (`apt-get install graphviz` on "
    "Debian/Ubuntu, `brew install graphviz` on macOS; see https://graphviz.org/download/)"
)

# The formats IPython's Image displays; Keras also tries others (.svg), which IPython refuses.
_EMBEDDABLE = ("png", "jpg", "jpeg", "gif")


def _pydot():
    try:
        import pydot
    except ImportError:
        raise ImportError(f"{_INSTALL_PYDOT} for model_to_dot and plot_model to work.") from None
    return pydot


def _check_graphviz(pydot):
    """Raise unless Graphviz can draw: it draws an empty graph to find out."""
    try:
        pydot.Dot.create(pydot.Dot())
    except (OSError, pydot.PydotException):
        raise ImportError(f"{_INSTALL_GRAPHVIZ} for `plot_model` to work.") from None


def _is_functional(model):
    return hasattr(model, "_operations") and hasattr(model, "_nodes")


def _is_sequential(model):
    return "_input_layer" in vars(model) and not _is_functional(model)


def _is_model(layer):
    return _is_functional(layer) or _is_sequential(layer)


def _add_edge(dot, pydot, source, destination):
    source_id, destination_id = str(id(source)), str(id(destination))
    if not dot.get_edge(source_id, destination_id):
        edge = pydot.Edge(source_id, destination_id)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


def _activation_name(layer):
    activation = layer.activation
    if hasattr(activation, "name"):
        return activation.name
    if hasattr(activation, "__name__"):
        return activation.__name__
    return str(activation)


def _symbolic(layer, attribute):
    """The layer's symbolic input or output, or None where it has none."""
    try:
        return getattr(layer, attribute)
    except (ValueError, AttributeError, IndexError):
        return None


def _format_shape(shape):
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        text = ", ".join(f"{k}: {v}" for k, v in shape.items())
    else:
        text = f"{shape}"
    return text.replace("}", "").replace("{", "")


def _cell(text, bgcolor="white", color=None):
    font = f' color="{color}"' if color else ""
    return f'<td bgcolor="{bgcolor}"><font point-size="14"{font}>{text}</font></td>'


def _layer_label(layer, show_layer_names, show_layer_activations, show_dtype, show_shapes,
                 show_trainable):
    """The HTML-like table that Keras puts in a layer's box."""
    class_name = type(layer).__name__
    colspan = max(1, int(show_dtype) + int(show_trainable) + 2 * int(show_shapes))
    title = f"<b>{layer.name}</b> ({class_name})" if show_layer_names else f"<b>{class_name}</b>"
    table = ('<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
             f'<tr><td colspan="{colspan}" bgcolor="black">'
             f'<font point-size="16" color="white">{title}</font></td></tr>')
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        table += (f'<tr><td bgcolor="white" colspan="{colspan}"><font point-size="14">'
                  f"Activation: <b>{_activation_name(layer)}</b></font></td></tr>")
    cols = []
    if show_shapes:
        inputs, outputs = _symbolic(layer, "input"), _symbolic(layer, "output")
        shapes = [None if x is None else tree.map_structure(lambda t: t.shape, x)
                  for x in (inputs, outputs)]
        if outputs is None:  # as in Keras, both shapes are unknown when one is
            shapes = [None, None]
        if class_name != "InputLayer":
            cols.append(_cell(f"Input shape: <b>{_format_shape(shapes[0])}</b>"))
        cols.append(_cell(f"Output shape: <b>{_format_shape(shapes[1])}</b>"))
    if show_dtype:
        outputs = _symbolic(layer, "output")
        dtype = None if outputs is None else tree.map_structure(lambda t: t.dtype, outputs)
        cols.append(_cell(f"Output dtype: <b>{dtype or '?'}</b>"))
    if show_trainable and hasattr(layer, "trainable") and layer.weights:
        cols.append(_cell("<b>Trainable</b>", "forestgreen", "white") if layer.trainable
                    else _cell("<b>Non-trainable</b>", "firebrick", "white"))
    if cols:
        table += f"<tr>{''.join(cols)}</tr>"
    return table + "</table>>"


def _make_node(pydot, layer, options):
    node = pydot.Node(str(id(layer)), label=_layer_label(layer, **options))
    node.set("fontname", "Helvetica")
    node.set("border", "0")
    node.set("margin", "0")
    return node


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):
    """The graph of `model`'s layers as a `pydot.Dot` (one box per layer, one edge per
    connection), as Keras's `model_to_dot` builds it. Needs pydot.

    Args:
        model: a built model. A subclassed model is one box.
        show_shapes: show each layer's input and output shapes.
        show_dtype: show each layer's output dtype.
        show_layer_names: show each layer's name beside its class.
        rankdir: ``"TB"`` draws top to bottom, ``"LR"`` left to right.
        expand_nested: draw nested Sequential and functional models as clusters of their layers.
        dpi: the image resolution.
        subgraph: return a `pydot.Cluster` (used for nested models) instead of a `pydot.Dot`.
        show_layer_activations: show the activation of layers that have one.
        show_trainable: show whether each layer with weights is trainable.
        splines: how edges are drawn: ``"ortho"``, ``"curved"``, ``"polyline"``, ``"spline"``,
            ``"line"``.

    Returns:
        A `pydot.Dot`, or a `pydot.Cluster` when `subgraph`. Node names are the ids of the layers.

    Example:
        >>> import nnet
        >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2, name="out")])
        >>> dot = model_to_dot(model)  # doctest: +SKIP
        >>> "<b>out</b> (Dense)" in dot.to_string()  # doctest: +SKIP
        True
    """
    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or "
            "by calling the model on a batch of data."
        )
    pydot = _pydot()
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    options = {"show_layer_names": show_layer_names,
               "show_layer_activations": show_layer_activations, "show_dtype": show_dtype,
               "show_shapes": show_shapes, "show_trainable": show_trainable}
    if _is_sequential(model):
        layers = model.layers
    elif _is_functional(model):
        layers = model._operations
    else:
        dot.add_node(_make_node(pydot, model, options))
        return dot
    for layer in layers:
        if expand_nested and _is_model(layer):
            dot.add_subgraph(model_to_dot(
                layer, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested,
                subgraph=True, show_layer_activations=show_layer_activations,
                show_trainable=show_trainable))
        else:
            dot.add_node(_make_node(pydot, layer, options))
    if _is_sequential(model):
        if not expand_nested:
            for source, destination in zip(layers, layers[1:]):
                _add_edge(dot, pydot, source, destination)
            return dot
        # The first layer's incoming edge is drawn by the model that holds this one.
        layers = model.layers[1:]
    _connect(dot, pydot, model, layers, expand_nested)
    return dot


def _connect(dot, pydot, model, layers, expand_nested):
    """Edges from each layer's inputs' producers to it; into and out of nested models' own
    boxes when `expand_nested`."""
    own_nodes = {id(node) for node in model._nodes} if _is_functional(model) else None
    for layer in layers:
        for node in layer._inbound_nodes:
            if own_nodes is not None and id(node) not in own_nodes:
                continue
            for input_index, tensor in enumerate(node.input_tensors):
                source, _, output_index = tensor._history
                destination = layer
                if expand_nested:
                    while _is_model(source):
                        source, _, output_index = source.outputs[output_index]._history
                    while _is_model(destination):
                        destination = (destination.inputs[input_index]._history[0]
                                       if _is_functional(destination) else destination.layers[0])
                _add_edge(dot, pydot, source, destination)


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho", **kwargs):
    """Draw `model`'s graph (`model_to_dot`) into `to_file` with Graphviz, as Keras's
    `plot_model` does. Needs pydot and Graphviz's ``dot`` program.

    Args:
        model: a built model.
        to_file: the image file; its extension picks the format (``.png`` when it has none).
        show_shapes, show_dtype, show_layer_names, rankdir, expand_nested, dpi,
        show_layer_activations, show_trainable, splines: as in `model_to_dot`.

    Returns:
        An ``IPython.display.Image`` of the file when IPython is installed and the format is
        one it shows (PNG, JPEG, GIF), else None.

    Example:
        >>> import nnet
        >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2)])
        >>> plot_model(model, "model.png", show_shapes=True)  # doctest: +SKIP
    """
    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or "
            "by calling the model on a batch of data."
        )
    _check_graphviz(_pydot())
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines)
    to_file = str(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension.lower() not in _EMBEDDABLE:
        return None
    try:
        from IPython import display
    except ImportError:
        return None
    return display.Image(filename=to_file, format=extension)
