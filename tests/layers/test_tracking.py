"""Sublayers and variables a layer or model holds, however it holds them, are its weights."""

import numpy as np
import pytest

import nnet


class _Blocks(nnet.Model):
    """Layers in a list appended to, in a dict, in nested containers, and a bare Variable."""

    def __init__(self):
        super().__init__()
        self.blocks = []
        for _ in range(3):
            self.blocks.append(nnet.layers.Dense(4, activation="relu"))
        self.heads = {"a": nnet.layers.Dense(1)}
        self.heads["b"] = nnet.layers.Dense(1)
        self.nested = [(nnet.layers.Dense(4),), {"deep": [nnet.layers.Dense(4)]}]
        self.scale = nnet.Variable(np.ones(1, "float32"), name="scale")

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        x = self.nested[1]["deep"][0](self.nested[0][0](x))
        return (self.heads["a"](x) + self.heads["b"](x)) * self.scale


def test_layers_and_variables_in_containers_are_tracked_and_trained():
    model = _Blocks()
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model(x)
    # 3 blocks + 2 deep + 2 heads, kernel and bias each, and the scale.
    assert len(model.trainable_weights) == 3 * 2 + 2 * 2 + 2 * 2 + 1
    assert any(w is model.scale for w in model.trainable_weights)
    assert model.scale.path.endswith("/scale")
    before = [w.numpy() for w in model.trainable_weights]
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    changed = [not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights)]
    assert all(changed)


def test_weights_of_tracked_containers_round_trip_through_a_weights_file(tmp_path):
    model = _Blocks()
    x = np.ones((2, 4), "float32")
    model(x)
    path = str(tmp_path / "blocks.weights.h5")
    pytest.importorskip("h5py")
    model.save_weights(path)
    clone = _Blocks()
    clone(x)
    clone.load_weights(path)
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy())


def test_a_layer_in_a_tracked_list_of_a_layer_is_its_sublayer():
    class Stack(nnet.layers.Layer):
        def __init__(self):
            super().__init__()
            self.parts = [nnet.layers.Dense(2)]
            self.parts += [nnet.layers.Dense(2)]
            self.parts[0] = nnet.layers.Dense(2, name="replaced_first")

        def call(self, x):
            return self.parts[1](self.parts[0](x))

    stack = Stack()
    stack(np.ones((1, 3)))
    names = {w.path.split("/")[0] for w in stack.weights}
    assert "replaced_first" in names and len(stack.weights) == 4
