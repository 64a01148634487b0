"""Sequential: a plain stack of layers, each feeding the next."""

import copy

from nnet.autodiff.symbolic import KerasTensor
from nnet.layers import deserialize
from nnet.layers.input_layer import InputLayer
from nnet.layers.layer import Layer
from nnet.models.model import MODELS, Model
from nnet.naming import name_scope
from nnet.utils.registry import serialize_keras_object


@MODELS.register
class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: optional list of layers (or an `Input` first) to add.
        trainable: whether the model's weights are trained.
        name: the model name (``sequential``, ``sequential_1``, ... by default).

    Example:
        >>> import nnet
        >>> model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(8, activation="relu")])
        >>> model.add(nnet.layers.Dense(3, activation="softmax"))
        >>> [layer.name.split("_")[0] for layer in model.layers], model.count_params()
        (['dense', 'dense'], 67)
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._set_input_layer(None)
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Append a layer (or start the model with an `Input` tensor or `InputLayer`)."""
        if isinstance(layer, KerasTensor):
            layer = layer._history[0]
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Only instances of nnet.layers.Layer can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._layers:
                raise ValueError(
                    f"Sequential model '{self.name}' already has an input or layers; an "
                    f"InputLayer can only be the first layer. Received: {layer.name}"
                )
            self._set_input_layer(layer)
        else:
            if layer.name in {existing.name for existing in self._layers}:
                raise ValueError(
                    f"All layers added to a Sequential model should have unique names. Name "
                    f"'{layer.name}' is already the name of a layer in this model. Update the "
                    f"`name` argument to pass a unique name."
                )
            if not self._layers and self._input_layer is None and layer._input_shape_arg:
                self._set_input_layer(InputLayer(shape=layer._input_shape_arg))
            self._layers.append(layer)
        if rebuild:
            self._maybe_rebuild()

    def _set_input_layer(self, layer):
        # Kept out of the tracked sublayers: `layers` and the weights never include it.
        self.__dict__["_input_layer"] = layer

    def pop(self, rebuild=True):
        """Remove the last layer and return it."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        if self._input_layer is not None and self._layers:
            self.build(self._input_layer.batch_shape)

    def build(self, input_shape=None):
        """Build every layer for inputs of `input_shape`, inferring each layer's output shape."""
        if input_shape is None:
            raise ValueError(
                "You must provide an `input_shape` argument, e.g. model.build((None, 16)), or "
                "start the model with nnet.Input(shape=...)."
            )
        if self._input_layer is None:
            self._set_input_layer(InputLayer(batch_shape=tuple(input_shape)))
        # A rebuild (after add or pop) replaces the graph of the previous build.
        for layer, node in self.__dict__.get("_graph_nodes", []):
            layer._inbound_nodes.remove(node)
        self.__dict__["_graph_nodes"] = []
        x = self._input_layer.output
        with name_scope(self.name, caller=self):
            for layer in self._layers:
                x = layer(x)
                self._graph_nodes.append((layer, layer._inbound_nodes[-1]))
        self._build_shape = tuple(input_shape)
        self.built = True

    @property
    def input(self):
        """The symbolic input of the model (its InputLayer's tensor)."""
        if self._input_layer is None:
            raise AttributeError(
                f"Sequential model '{self.name}' has no input yet: start it with nnet.Input() "
                f"or call build()."
            )
        return self._input_layer.output

    @property
    def inputs(self):
        """The model's symbolic inputs, as a list (as in Keras)."""
        return [self.input]

    @property
    def outputs(self):
        """The model's symbolic outputs, as a list (as in Keras)."""
        return [self.output]

    @property
    def output(self):
        """The symbolic output of the model's last layer."""
        if not self.__dict__.get("_graph_nodes"):
            raise AttributeError(
                f"Sequential model '{self.name}' has no symbolic output yet: start it with "
                f"nnet.Input() or call build()."
            )
        return self._graph_nodes[-1][1].outputs

    def _maybe_build(self, input_shape):
        if not self.built:
            if self._input_layer is None:
                shape = (None,) + tuple(input_shape[1:]) if not isinstance(input_shape, list) \
                    else input_shape
                self.build(shape)
            else:
                self.build(self._input_layer.batch_shape)

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._layers:
            # As in Keras, a mask given to the model goes to the first layer that takes one;
            # after it, each layer reads the mask its input carries.
            kwargs = {"mask": mask} if mask is not None and layer._call_has_mask else {}
            x = layer(x, training=training, **kwargs)
            mask = None
        return x

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
        return shape

    @property
    def layers(self):
        return list(self._layers)

    @layers.setter
    def layers(self, value):
        raise AttributeError(
            "`Sequential.layers` is read-only: use `add()` and `pop()` to change the layers."
        )

    @property
    def input_shape(self):
        return None if self._input_layer is None else self._input_layer.batch_shape

    def get_config(self):
        layers = [self._input_layer] if self._input_layer is not None else []
        config = super().get_config()
        config["layers"] = [serialize_keras_object(layer) for layer in layers + self._layers]
        if self._build_shape is not None:
            config["build_input_shape"] = _listify(self._build_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config["layers"]:
            model.add(deserialize(copy.deepcopy(layer_config), custom_objects), rebuild=False)
        if model._input_layer is not None:
            model._maybe_rebuild()
        elif config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model


def _listify(shape):
    return [list(s) if isinstance(s, tuple) else s for s in shape] if isinstance(shape, list) \
        else list(shape)
