"""RNN: runs a recurrent cell over the time axis of a sequence."""

import numpy as np

from nnet import backend, ops, regularizers, tree
from nnet.autodiff.engine import no_grad
from nnet.autodiff.tensor import Tensor, Variable
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.stacked_rnn_cells import StackedRNNCells
from nnet.utils.registry import serialize_object


@LAYERS.register
class RNN(Layer):
    """Base class for recurrent layers: applies `cell` to each step of a (batch, time, ...) input.

    The SimpleRNN, LSTM and GRU cells run a whole sequence as one primitive (one graph node, the
    time loop and backpropagation through time inside); the ConvLSTM cell convolves the inputs
    of all steps at once and runs its recurrence step by step; any other cell, and the built-in
    ones with recurrent dropout in training or an activation the primitives lack, run step by
    step.

    A boolean (batch, time) mask (from `Embedding(mask_zero=True)`, `Masking`, or ``mask=``)
    skips steps: a sample keeps its states and repeats its previous output at a masked step.
    With `return_sequences` the output keeps the mask.

    Args:
        cell: a cell (``call(inputs, states, training) -> (output, new_states)`` with a
            `state_size` attribute), or a list of cells (stacked with `StackedRNNCells`).
        return_sequences: return the whole output sequence, else the last output.
        return_state: also return the final states (after the output).
        go_backwards: process the sequence last step first (the output sequence is then in
            reversed order).
        stateful: keep the final states of each batch as the initial states of the next
            (the batch size must be fixed); `reset_states` zeroes them.
        unroll: accepted for Keras compatibility; the results are the same either way.
        zero_output_for_mask: output zeros at masked steps instead of the previous output.

    Call arguments: ``sequences``, ``initial_state`` (a list of states), ``mask``,
    ``training``.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.RNN(nnet.layers.LSTMCell(4), return_sequences=True)
        >>> layer(np.ones((2, 5, 3))).shape
        (2, 5, 4)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell, dtype=kwargs.get("dtype"))
        if not callable(getattr(cell, "call", None)) or getattr(cell, "state_size", None) is None:
            raise ValueError(
                f"Argument `cell` should have a `call` method and a `state_size` attribute (an "
                f"integer or a list of integers, one per state). Received: cell={cell!r}"
            )
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        state_size = cell.state_size
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)
        # The stateful layer's state variables: not weights, so object.__setattr__ keeps them
        # out of the tracked variables (as Keras does).
        object.__setattr__(self, "states", None)

    def build(self, sequences_shape, initial_state_shape=None):
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(
                    f"When using `stateful=True` in a RNN, the batch size must be static. Found "
                    f"dynamic batch size: sequence.shape={tuple(sequences_shape)}. Start the "
                    f"model with nnet.Input(batch_shape=(batch_size, ...))."
                )
            initial = self.get_initial_state(sequences_shape[0])
            states = [Variable(backend.asarray(s.numpy() if isinstance(s, Tensor) else s),
                               trainable=False, name="rnn_state")
                      for s in tree.flatten(initial)]
            object.__setattr__(self, "states", states)
            # Stacked cells take their states nested, one list per cell.
            object.__setattr__(self, "_state_structure", initial)

    def get_initial_state(self, batch_size):
        """Zero states (or the cell's `get_initial_state`), one per entry of `state_size`."""
        get_initial_state = getattr(self.cell, "get_initial_state", None)
        if get_initial_state is not None:
            state = get_initial_state(batch_size=batch_size)
            return list(state) if isinstance(state, (list, tuple)) else [state]
        return [ops.zeros((batch_size, n), dtype=self.dtype) for n in self.state_size]

    def reset_state(self):
        """Zero the states of a stateful layer."""
        for v in self.states or []:
            v.assign(np.zeros(v.shape, dtype=v.dtype))

    reset_states = reset_state

    def call(self, sequences, initial_state=None, mask=None, training=None):
        batch = sequences.shape[0]
        if initial_state is None:
            initial_state = (tree.pack_sequence_as(self._state_structure, self.states)
                             if self.stateful else self.get_initial_state(batch))
        elif self.stateful and len(tree.flatten(initial_state)) != len(self.states):
            raise ValueError(
                f"Layer '{self.name}' has {len(self.states)} states, but received "
                f"{len(tree.flatten(initial_state))} initial states. Pass one per state."
            )
        if self.stateful and self.states[0].shape[0] != batch:
            raise ValueError(
                f"If an RNN is stateful, the batch size of the input sequences must be the same "
                f"as the batch size of the initial state.\n- Expected batch size: "
                f"{self.states[0].shape[0]}\n- Received batch size: {batch}"
            )
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
            else [initial_state]
        states = tree.map_structure(
            lambda s: s if isinstance(s, Tensor) else Tensor(backend.asarray(s, self.dtype)),
            states)
        if mask is not None:
            mask = tree.flatten(mask)[0]
            mask = backend.array_module(_data(mask)).asarray(_data(mask), dtype=bool)
        self._configure_dropout_masks(self.cell, sequences[:, 0], states, training)
        try:
            sequence_call = getattr(self.cell, "_sequence", None)
            result = None if sequence_call is None else sequence_call(
                sequences, states, mask, self.go_backwards, training)
            if result is None:
                outputs, states = self._loop(sequences, states, mask, training)
            else:
                outputs, states = result
        finally:
            self._reset_dropout_masks(self.cell)
        last = outputs[:, -1]
        if mask is not None and self.zero_output_for_mask:
            keep = mask[:, ::-1] if self.go_backwards else mask
            outputs = outputs * _per_sample(keep, outputs.ndim)
            last = outputs[:, -1]
        if self.stateful:
            for variable, state in zip(self.states, tree.flatten(states)):
                variable.assign(state.numpy())
        output = outputs if self.return_sequences else last
        if self.return_state:
            return [output, *states]
        return output

    def _loop(self, sequences, states, mask, training):
        """Run the cell step by step (cells without a whole-sequence primitive)."""
        kwargs = {"training": training} if getattr(self.cell, "_call_has_training", False) else {}
        return step_loop(lambda x, s: self.cell(x, s, **kwargs), sequences, states, mask,
                         self.go_backwards)

    def _configure_dropout_masks(self, cell, step_input, states, training):
        if not training:
            return
        if isinstance(cell, StackedRNNCells):
            for inner, state in zip(cell.cells, states):
                state = list(state) if isinstance(state, (list, tuple)) else [state]
                self._configure_dropout_masks(inner, step_input, state, training)
                with no_grad():
                    step_input = inner(step_input, state)[0]
        elif hasattr(cell, "get_dropout_mask"):
            cell.get_dropout_mask(step_input)
            cell.get_recurrent_dropout_mask(tree.flatten(states)[0])

    def _reset_dropout_masks(self, cell):
        for inner in getattr(cell, "cells", [cell]):
            if hasattr(inner, "reset_dropout_mask"):
                inner.reset_dropout_mask()
                inner.reset_recurrent_dropout_mask()

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, length = sequences_shape[0], sequences_shape[1]
        output_size = getattr(self.cell, "output_size", None) or self.state_size[0]
        if isinstance(output_size, (list, tuple)):
            output_size = output_size[0]
        shape = (batch, length, output_size) if self.return_sequences else (batch, output_size)
        if not self.return_state:
            return shape
        return [shape] + [(batch, n) for n in tree.flatten(self.state_size)]

    def compute_mask(self, inputs, mask):
        mask = None if mask is None else tree.flatten(mask)[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(tree.flatten(self.state_size))
        return output_mask

    def get_config(self):
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialize_object(self.cell),
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "cell" in config:  # SimpleRNN, LSTM and GRU make their cell from their arguments
            config["cell"] = LAYERS.deserialize(config["cell"], custom_objects)
        return super().from_config(config)


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _per_sample(mask, ndim):
    """A (batch, ...) mask with trailing unit axes, to broadcast against a tensor of `ndim`."""
    return mask.reshape(mask.shape + (1,) * (ndim - mask.ndim))


def step_loop(step, sequences, states, mask, go_backwards):
    """Run ``step(x_t, states) -> (output, new_states)`` over axis 1 of `sequences`.

    At a step where the boolean (batch, time) `mask` is False a sample keeps its states and
    repeats its previous output (zeros before its first output). Returns the outputs stacked
    along axis 1 (in processing order) and the final states.
    """
    steps = ops.unstack(sequences, axis=1)
    outputs, previous = [], None
    for t in (reversed(range(len(steps))) if go_backwards else range(len(steps))):
        output, new_states = step(steps[t], states)
        if not isinstance(new_states, (list, tuple)):
            new_states = [new_states]
        if mask is not None:
            keep = mask[:, t]
            if previous is None:
                previous = ops.zeros_like(output)
            output = ops.where(_per_sample(keep, output.ndim), output, previous)
            new_states = tree.map_structure(
                lambda n, s, keep=keep: ops.where(_per_sample(keep, n.ndim), n, s),
                list(new_states), list(states))
        outputs.append(output)
        previous, states = output, list(new_states)
    return ops.stack(outputs, axis=1), states


# The cell arguments that SimpleRNN, LSTM and GRU expose as their own attributes and config.
_CELL_ARGUMENTS = (
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
    "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
    "bias_constraint", "dropout", "recurrent_dropout", "reset_after", "seed",
)


class CellArgumentRNN(RNN):
    """An RNN made from its own arguments (SimpleRNN, LSTM, GRU, the ConvLSTM layers): its
    cell's arguments are its attributes, and its config is flat (those arguments, no nested
    cell), as in Keras."""

    # The cell arguments that the layer exposes and writes in its config.
    _cell_arguments = ()
    # Cell arguments that the Keras layer leaves out of its config.
    _omitted_config = ()

    def __getattr__(self, name):
        cell = self.__dict__.get("cell")
        if name in self._cell_arguments and cell is not None and hasattr(cell, name):
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        config.update({k: v for k, v in cell_config.items()
                       if k in self._cell_arguments and k not in self._omitted_config})
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config


class BuiltinRNN(CellArgumentRNN):
    """What SimpleRNN, LSTM and GRU share: their cell arguments, `use_cudnn`, 3D inputs."""

    _cell_arguments = _CELL_ARGUMENTS

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, use_cudnn="auto", activity_regularizer=None,
                 **kwargs):
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                f"Invalid value received for argument `use_cudnn`. Expected one of "
                f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn!r}"
            )
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn
        self.input_spec = InputSpec(ndim=3)
