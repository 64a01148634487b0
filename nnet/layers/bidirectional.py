"""Bidirectional: runs a recurrent layer forwards and a copy backwards, and merges the outputs."""

import copy

from nnet import ops, tree
from nnet.layers.layer import LAYERS, Layer
from nnet.utils.registry import serialize_object

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


@LAYERS.register
class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs: the layer over the sequence and a copy over it reversed.

    The backward layer's output sequence is flipped back into time order before the merge; a
    mask reaches both layers, which then output zeros at masked steps when they return
    sequences (as in Keras).

    Args:
        layer: a recurrent layer (`LSTM`, `GRU`, `SimpleRNN`, `RNN`); copied from its config
            as ``forward_<name>``.
        merge_mode: "concat" (default), "sum", "mul", "ave", or None (a list of both outputs).
        weights: optional initial weights, the forward layer's then the backward layer's.
        backward_layer: the layer to run backwards; by default a copy of `layer` with
            `go_backwards` flipped, named ``backward_<name>``.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.Bidirectional(nnet.layers.LSTM(4, return_sequences=True))
        >>> layer(np.ones((2, 5, 3))).shape
        (2, 5, 8)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `Bidirectional` layer with a `nnet.layers.Layer` instance. "
                f"Received: layer={layer!r}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                f"`backward_layer` needs to be a `nnet.layers.Layer` instance. Received: "
                f"backward_layer={backward_layer!r}"
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Merge mode should be one of "
                f'{{"sum", "mul", "ave", "concat", None}}. Received: merge_mode={merge_mode!r}'
            )
        super().__init__(**kwargs)
        self.forward_layer = _copy(layer, "forward_")
        if backward_layer is None:
            backward_layer = _copy(layer, "backward_", go_backwards=not layer.go_backwards)
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError(
                f"Forward layer and backward layer should have different `go_backwards` value. "
                f"Received: forward_layer.go_backwards={self.forward_layer.go_backwards}, "
                f"backward_layer.go_backwards={self.backward_layer.go_backwards}"
            )
        for name in ("stateful", "return_sequences", "return_state"):
            forward, backward = getattr(self.forward_layer, name), getattr(backward_layer, name)
            if forward != backward:
                raise ValueError(
                    f'Forward layer and backward layer are expected to have the same value for '
                    f'attribute "{name}", got "{forward}" for forward layer and "{backward}" '
                    f'for backward layer'
                )
        for inner in (self.forward_layer, self.backward_layer):
            if getattr(inner, "zero_output_for_mask", None) is not None:
                inner.zero_output_for_mask = inner.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = weights
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def build(self, sequences_shape, initial_state_shape=None):
        for inner in (self.forward_layer, self.backward_layer):
            if not inner.built:
                inner.build(sequences_shape)
                inner.built = True
        if self._initial_weights:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    @property
    def states(self):
        if self.forward_layer.states and self.backward_layer.states:
            return tuple(self.forward_layer.states + self.backward_layer.states)
        return None

    def reset_state(self):
        """Zero the states of both stateful layers."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        kwargs = {"mask": mask} if self.forward_layer._call_has_mask else {}
        y = self.forward_layer(sequences, initial_state=forward_state, training=training,
                               **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, training=training,
                                    **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        if self.merge_mode == "concat":
            output = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if self.merge_mode is None else [output]) + list(states)
        return output

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shapes = []
        if self.return_state:
            shape, state_shapes = shape[0], list(shape[1:])
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (shape[-1] * 2,)
        outputs = [shape, shape] if self.merge_mode is None else [shape]
        if self.return_state:
            return outputs + state_shapes + state_shapes
        return outputs if self.merge_mode is None else shape

    def compute_mask(self, inputs, mask):
        if isinstance(mask, list):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            states = len(tree.flatten(self.forward_layer.state_size))
            return masks + [None] * (2 * states)
        return masks if self.merge_mode is None else output_mask

    def get_config(self):
        config = super().get_config()
        config.update({
            "merge_mode": self.merge_mode,
            "layer": serialize_object(self.forward_layer),
            "backward_layer": serialize_object(self.backward_layer),
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = copy.deepcopy(config)
        for key in ("layer", "backward_layer"):
            if config.get(key) is not None:
                config[key] = LAYERS.deserialize(config[key], custom_objects)
        return super().from_config(config)


def _copy(layer, prefix, **changes):
    """A new layer from `layer`'s serialized form (built if `layer` is), renamed
    ``<prefix><name>`` (the prefix not repeated)."""
    serialized = serialize_object(layer)
    name = layer.name[len(prefix):] if layer.name.startswith(prefix) else layer.name
    serialized["config"].update(changes, name=prefix + name)
    return LAYERS.deserialize(serialized)
