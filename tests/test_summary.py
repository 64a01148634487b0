"""model.summary() against Keras 3: the same models built in both, compared line by line."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnet  # noqa: E402
from nnet.utils import summary  # noqa: E402

keras = pytest.importorskip("keras")
FRAMEWORKS = {"nnet": nnet, "keras": keras}


def captured(model, **kwargs):
    """The summary text; both frameworks hand print_fn the whole table in a single call."""
    calls = []
    model.summary(print_fn=calls.append, **kwargs)
    assert len(calls) == 1
    return calls[0]


def assert_same_summary(build, **kwargs):
    """Build the model with `build(lib)` in nnet and in Keras and compare the summaries."""
    ours, theirs = (captured(build(lib), **kwargs) for lib in (nnet, keras))
    assert ours.splitlines() == theirs.splitlines()
    assert ours == theirs
    return ours


@pytest.fixture
def columns(monkeypatch):
    """Set the terminal width both libraries read (``$COLUMNS``), or unset it with None."""

    def set_columns(value):
        if value is None:
            monkeypatch.delenv("COLUMNS", raising=False)
        else:
            monkeypatch.setenv("COLUMNS", str(value))

    return set_columns


def dense_stack(lib):
    return lib.Sequential([
        lib.Input((4,)),
        lib.layers.Dense(8, activation="relu", name="dense"),
        lib.layers.Dense(3, activation="softmax", name="dense_1"),
    ], name="sequential")


def long_names(lib):
    return lib.Sequential([
        lib.Input((2, 3, 4, 5, 6, 7)),
        lib.layers.Dense(8, name="a_very_long_layer_name_that_goes_on_and_on_and_on_forever"),
        lib.layers.Dense(3, name="x" * 70),
    ], name="a_model_with_a_rather_long_name")


def large(lib):
    model = lib.Sequential([
        lib.Input((1024,)),
        lib.layers.Dense(2048, name="wide"),
        lib.layers.Dense(1000, name="wider", dtype="float64"),
        lib.layers.Dense(10, name="frozen"),
    ], name="large")
    model.get_layer("frozen").trainable = False
    return model


@pytest.mark.parametrize("width", [None, 80, 200])
def test_default_width_follows_the_terminal(columns, width):
    columns(width)
    text = assert_same_summary(dense_stack)
    if width == 200:
        assert len(text.splitlines()[1]) == 88
    if width == 80:
        assert len(text.splitlines()[1]) == 76


def test_sequential_with_dropout_matches_reference_text(columns):
    columns(200)

    def build(lib):
        return lib.Sequential([
            lib.Input((4,)), lib.layers.Dense(8, activation="relu", name="dense"),
            lib.layers.Dropout(0.5, name="dropout"), lib.layers.Dense(3, name="dense_1"),
        ], name="sequential")

    text = assert_same_summary(build)
    assert "│ dropout (Dropout)                    │ (None, 8)" in text
    assert text.endswith(" Non-trainable params: 0 (0.00 B)\n")


def test_unbuilt_sequential(columns):
    columns(200)
    text = assert_same_summary(lambda lib: lib.Sequential(
        [lib.layers.Dense(8, name="first"), lib.layers.Dense(3, name="second")], name="unbuilt"))
    assert "0 (unbuilt)" in text and "│ ?" in text


def test_empty_sequential(columns):
    columns(200)
    assert_same_summary(lambda lib: lib.Sequential(name="empty"))


def subclassed(lib, build=True):
    class TwoLayer(lib.Model):
        def __init__(self):
            super().__init__(name="two_layer")
            self.hidden = lib.layers.Dense(16, activation="relu", name="hidden")
            self.out = lib.layers.Dense(2, name="out")

        def call(self, x, training=None):
            return self.out(self.hidden(x))

    model = TwoLayer()
    if build:
        model(np.ones((2, 5), dtype="float32"))
    return model


@pytest.mark.parametrize("built", [True, False])
def test_subclassed_model(columns, built):
    columns(200)
    assert_same_summary(lambda lib: subclassed(lib, build=built))


def test_large_counts_sizes_and_frozen_layer(columns):
    columns(200)
    text = assert_same_summary(large)
    assert " Total params: 4,158,210 (23.68 MB)\n" in text
    assert_same_summary(large, show_trainable=True)


@pytest.mark.parametrize("line_length", [40, 60, 120])
@pytest.mark.parametrize("width", [30, 80, 200])
def test_line_length_wraps_truncates_and_crops(columns, line_length, width):
    columns(width)
    text = assert_same_summary(long_names, line_length=line_length)
    assert ("…" in text) or width < line_length
    assert max(len(line) for line in text.splitlines()) == min(line_length, width)


@pytest.mark.parametrize("positions", [[0.3, 0.6, 1.0], [0.5, 0.7, 0.9]])
@pytest.mark.parametrize("show_trainable", [False, True])
def test_positions(columns, positions, show_trainable):
    columns(200)
    assert_same_summary(long_names, positions=positions, show_trainable=show_trainable)
    assert_same_summary(dense_stack, positions=positions, show_trainable=show_trainable,
                        line_length=70)


@pytest.mark.parametrize("layer_range", [["dense$", "dense_1"], ["dense_1", "dense$"],
                                         ["dense_1", "dense_1"], ["d.*", "d.*"]])
def test_layer_range(columns, layer_range):
    columns(200)
    assert_same_summary(dense_stack, layer_range=layer_range)


@pytest.mark.parametrize("layer_range", [["nothing", "dense"], ["dense"], ["dense", 1]])
def test_bad_layer_range_raises_in_both(layer_range):
    for lib in FRAMEWORKS.values():
        with pytest.raises(ValueError, match="layer_range|layer_names"):
            captured(dense_stack(lib), layer_range=layer_range)


def test_too_narrow_raises_in_both():
    for lib in FRAMEWORKS.values():
        with pytest.raises(ValueError, match="Insufficient console width"):
            captured(dense_stack(lib), line_length=8)


@pytest.mark.parametrize("expand_nested", [False, True])
def test_nested_sequential(columns, expand_nested):
    columns(200)

    def build(lib):
        inner = lib.Sequential([lib.layers.Dense(4, name="inner_1"),
                                lib.layers.Dense(2, name="inner_2")], name="inner")
        return lib.Sequential([lib.Input((3,)), inner, lib.layers.Dense(1, name="head")],
                              name="outer")

    text = assert_same_summary(build, expand_nested=expand_nested)
    assert ("└ inner_1 (Dense)" in text) == expand_nested


def test_linear_functional_shows_the_input_layer(columns):
    columns(200)

    def build(lib):
        x = lib.Input((3,), name="features")
        hidden = lib.layers.Dense(4, name="hidden")(x)
        return lib.Model(x, lib.layers.Dense(2, name="out")(hidden), name="linear")

    assert "features (InputLayer)" in assert_same_summary(build)


def test_shared_layer_adds_connected_to(columns):
    columns(200)

    def build(lib):
        x = lib.Input((3,), name="features")
        shared = lib.layers.Dense(3, name="shared")
        return lib.Model(x, shared(shared(x)), name="shared_twice")

    text = assert_same_summary(build)
    assert "Connected to" in text
    assert "│ features[0][0],            │\n" in text and "│ shared[0][0]   " in text
    assert_same_summary(build, show_trainable=True, line_length=90)


def test_branching_functional(columns):
    columns(200)

    def build(lib):
        x = lib.Input((3,), name="features")
        hidden = lib.layers.Dense(4, name="hidden")(x)
        return lib.Model(x, [lib.layers.Dense(2, name="a")(hidden),
                             lib.layers.Dense(5, name="b")(x)], name="branching")

    assert_same_summary(build)


def fitted(lib):
    model = dense_stack(lib)
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((8, 4), "float32"), np.ones((8, 3), "float32"), epochs=1, verbose=0)
    return model


def test_optimizer_line_appears_after_fit(columns):
    columns(200)

    def compiled(lib):
        model = dense_stack(lib)
        model.compile(optimizer="adam", loss="mse")
        return model

    assert "Optimizer params" not in assert_same_summary(compiled)
    model = fitted(nnet)
    text = captured(model)
    variables = model.optimizer.variables
    count = sum(int(np.prod(v.shape)) for v in variables)
    size = sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in variables)
    assert count == 2 + 2 * 67
    assert f" Optimizer params: {count:,} ({size:.2f} B)\n" in text
    assert f" Total params: {67 + count:,} ({268 + size:.2f} B)\n" in text


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_optimizer_line_matches_keras(columns):
    columns(200)
    assert_same_summary(fitted)


def test_stdout_when_no_print_fn(columns, capsys):
    columns(200)
    printed = {}
    for name, lib in FRAMEWORKS.items():
        long_names(lib).summary(line_length=50)
        printed[name] = capsys.readouterr().out
    assert printed["nnet"] == printed["keras"]
    assert printed["nnet"] == captured(long_names(nnet), line_length=50)


@pytest.mark.parametrize("size", [0, 1, 1023, 1024, 1536, 1024**2 - 1, 5.5 * 1024**2, 3 * 1024**3,
                                  7 * 1024**4, 2 * 1024**5, 9 * 1024**6])
def test_readable_size(size):
    from keras.src.utils.summary_utils import readable_memory_size

    assert summary._readable_size(size) == readable_memory_size(size)


def test_table_layout_matches_rich():
    """The table renderer against rich itself, on random headers, cells, widths and alignments."""
    pytest.importorskip("rich")
    from hypothesis import given, settings
    from hypothesis import strategies as st

    cell = st.text(alphabet="ab_ (),?…└07", max_size=40)

    @settings(max_examples=60, deadline=None)
    @given(st.integers(10, 140), st.integers(3, 5), st.data())
    def check(line_length, n_columns, data):
        edges = sorted(data.draw(st.lists(st.floats(0.05, 0.95), min_size=n_columns - 1,
                                          max_size=n_columns - 1)))
        cuts = [int(p * line_length) for p in edges] + [line_length]
        requested = [b - a for a, b in zip([0] + cuts, cuts)]
        if min(requested) < 4:
            return
        justify = data.draw(st.lists(st.sampled_from(["left", "right", "center"]),
                                     min_size=n_columns, max_size=n_columns))
        header = data.draw(st.lists(cell.filter(bool), min_size=n_columns, max_size=n_columns))
        rows = data.draw(st.lists(st.lists(cell, min_size=n_columns, max_size=n_columns),
                                  max_size=3))
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Column, Table

        table = Table(*[
            Column(name, justify=how, width=width)
            for name, how, width in zip(header, justify, requested)
        ], width=line_length, show_lines=True)
        for row in rows:
            table.add_row(*[escape(text) for text in row])
        console = Console(highlight=False, force_terminal=False, color_system=None, width=400)
        console.begin_capture()
        console.print(table)
        expected = console.end_capture()
        lines = summary._render_table(header, rows, summary._column_widths(requested, line_length),
                                      justify)
        assert "\n".join(lines) + "\n" == expected

    check()
