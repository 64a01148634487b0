"""StackedRNNCells: several recurrent cells run as one, each feeding the next."""

from nnet.layers.layer import LAYERS, Layer
from nnet.utils.registry import serialize_object


@LAYERS.register
class StackedRNNCells(Layer):
    """Wraps a list of cells so that `RNN` runs them as one cell, each step through all.

    The states are a list with one entry per cell (each that cell's list of states); the
    output is the last cell's.

    Args:
        cells: a list of cells.

    Example:
        >>> import numpy as np, nnet
        >>> cells = [nnet.layers.LSTMCell(4), nnet.layers.GRUCell(3)]
        >>> layer = nnet.layers.RNN(nnet.layers.StackedRNNCells(cells))
        >>> layer(np.ones((2, 5, 6))).shape
        (2, 3)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not callable(getattr(cell, "call", None)) or not hasattr(cell, "state_size"):
                raise ValueError(
                    f"All cells must have a `call` method and a `state_size` attribute. "
                    f"Received: cells={cells!r}"
                )
        self.cells = list(cells)

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        return getattr(last, "output_size", None) or _first(last.state_size)

    def get_initial_state(self, batch_size=None):
        """One list of initial states per cell."""
        return [list(cell.get_initial_state(batch_size=batch_size)) for cell in self.cells]

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
                cell.built = True
            size = getattr(cell, "output_size", None) or _first(cell.state_size)
            input_shape = (input_shape[0], size)

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            cell_states = list(cell_states) if isinstance(cell_states, (list, tuple)) \
                else [cell_states]
            kwargs = {"training": training} if getattr(cell, "_call_has_training", False) else {}
            inputs, cell_states = cell(inputs, cell_states, **kwargs)
            new_states.append(list(cell_states) if isinstance(cell_states, (list, tuple))
                              else [cell_states])
        return inputs, new_states

    def get_config(self):
        config = super().get_config()
        config["cells"] = [serialize_object(cell) for cell in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        cells = [LAYERS.deserialize(c, custom_objects) for c in config["cells"]]
        return super().from_config({**config, "cells": cells})


def _first(size):
    return size[0] if isinstance(size, (list, tuple)) else size
