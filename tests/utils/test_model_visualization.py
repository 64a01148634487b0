"""model_to_dot and plot_model against Keras 3 (torch backend): the same boxes, labels, clusters
and edges for the same models."""

import os
import shutil

import numpy as np
import pytest

os.environ["KERAS_BACKEND"] = "torch"
pydot = pytest.importorskip("pydot")

import nnet  # noqa: E402
from nnet.utils import model_visualization  # noqa: E402


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def sequential(lib):
    return lib.Sequential([lib.Input((4,), name="s_in"),
                           lib.layers.Dense(3, activation="relu", name="d1"),
                           lib.layers.Dropout(0.2, name="drop"), lib.layers.Dense(2, name="d2")],
                          name="seq")


def functional(lib):
    a = lib.Input((3,), name="a")
    b = lib.Input((2,), name="b")
    shared = lib.layers.Dense(4, activation="tanh", name="shared")
    frozen = lib.layers.Dense(4, name="frozen")
    frozen.trainable = False
    merged = lib.layers.Concatenate(name="cat")([a, b])
    h = shared(lib.layers.Dense(4, name="pre")(merged))
    y = lib.layers.Add(name="add")([h, frozen(merged)])
    return lib.Model([a, b], [lib.layers.Dense(1, name="out")(y), h], name="fun")


def nested(lib):
    inner_in = lib.Input((4,), name="inner_in")
    inner = lib.Model(inner_in, lib.layers.Dense(3, name="inner_d")(inner_in), name="inner")
    stack = lib.Sequential([lib.Input((3,), name="stack_in"), lib.layers.Dense(5, name="st1"),
                            lib.layers.Dense(2, name="st2")], name="stack")
    x = lib.Input((4,), name="x")
    y = stack(inner(lib.layers.Dense(4, name="first")(x)))
    return lib.Model(x, lib.layers.Dense(1, name="last")(y), name="outer")


def graph(dot):
    """{label: count}, sorted edges as (source label, destination label), and clusters, with
    the layer ids that name the boxes replaced by the boxes' labels."""
    labels, clusters = {}, []

    def collect(g):
        for node in g.get_nodes():
            if node.get_name() not in ("node", "graph", "edge"):
                labels[node.get_name()] = node.get("label")
        for sub in g.get_subgraphs():
            clusters.append((sub.get_name(), sub.get("label"),
                             sorted(n.get("label") for n in sub.get_nodes())))
            collect(sub)

    collect(dot)
    edges = []

    def collect_edges(g):
        for edge in g.get_edges():
            edges.append((labels[edge.get_source()], labels[edge.get_destination()],
                          edge.get("penwidth")))
        for sub in g.get_subgraphs():
            collect_edges(sub)

    collect_edges(dot)
    attributes = {k: str(v) for k, v in dot.get_attributes().items()}
    return sorted(labels.values()), sorted(edges), sorted(clusters), attributes


OPTIONS = [
    {},
    {"show_shapes": True, "show_dtype": True, "show_layer_activations": True,
     "show_trainable": True},
    {"show_layer_names": False, "rankdir": "LR", "dpi": 96, "splines": "line"},
    {"expand_nested": True, "show_shapes": True},
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("build", [sequential, functional, nested])
def test_model_to_dot_matches_keras(keras, build, options):
    ours = graph(nnet.utils.model_to_dot(build(nnet), **options))
    theirs = graph(keras.utils.model_to_dot(build(keras), **options))
    assert ours == theirs
    assert ours[1], "every model here has edges"


def test_subclassed_model_is_one_box(keras):
    class Net(nnet.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = nnet.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Net(name="net")
    model(np.ones((1, 3), "float32"))
    labels, edges, _, _ = graph(nnet.utils.model_to_dot(model))
    assert labels == ['<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
                      '<tr><td colspan="1" bgcolor="black"><font point-size="16" color="white">'
                      "<b>net</b> (Net)</font></td></tr></table>>"]
    assert edges == []


def test_unbuilt_model_and_bad_arguments_raise():
    with pytest.raises(ValueError, match="has not yet been built"):
        nnet.utils.model_to_dot(nnet.Sequential([nnet.layers.Dense(2)]))
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        nnet.utils.model_to_dot(sequential(nnet), show_names=True)
    with pytest.raises(ValueError, match="layer_range"):
        nnet.utils.model_to_dot(sequential(nnet), layer_range=["d1", "d2"])


def test_missing_pydot_or_graphviz_says_how_to_install(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "pydot", None)
    with pytest.raises(ImportError, match="pip install pydot"):
        nnet.utils.model_to_dot(sequential(nnet))
    monkeypatch.undo()

    def no_dot(*args, **kwargs):
        raise OSError("dot not found")

    monkeypatch.setattr(pydot.Dot, "create", no_dot)
    with pytest.raises(ImportError, match="apt-get install graphviz"):
        nnet.utils.plot_model(sequential(nnet), "model.png")


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's `dot` program is not installed (apt-get install graphviz)")
@pytest.mark.parametrize("extension", [".png", ".svg", ""])
def test_plot_model_writes_the_image(tmp_path, extension):
    path = tmp_path / f"model{extension}"
    shown = model_visualization.plot_model(functional(nnet), to_file=path, show_shapes=True,
                                           expand_nested=True)
    data = path.read_bytes()
    if extension == ".svg":
        assert b"<svg" in data and b"Concatenate" in data
        assert shown is None
    else:
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert shown is None or shown.data == data
