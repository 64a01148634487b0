"""How a layer saves and restores its state: Keras's build-config and own-variables hooks."""

import numpy as np

from nnet.layers.input_spec import as_shape


class SavingHooks:
    """The four methods that `.keras` and weights files call on every layer (part of `Layer`).

    Override them in pairs to save state other than the layer's own variables.
    """

    def get_build_config(self):
        """What `build_from_config` needs to recreate the layer's state when it is loaded.

        The default is ``{"input_shape": ...}``, the shape the layer was built for (None when
        it was never built). A layer whose state depends on something else (data seen by
        ``adapt``, say) overrides both methods.

        Example:
            >>> import nnet
            >>> layer = nnet.layers.Dense(2)
            >>> layer.build((None, 3))
            >>> layer.get_build_config()
            {'input_shape': (None, 3)}
        """
        if self._build_shape is None:
            return None
        return {"input_shape": self._build_shape}

    def build_from_config(self, config):
        """Create the layer's state from `get_build_config`'s dict, before weights are loaded.

        The default calls ``build(config["input_shape"])`` (or ``build(**config["shapes_dict"])``
        for Keras's layers built from several inputs).

        Args:
            config: the build config; JSON lists count as shapes.

        Example:
            >>> import nnet
            >>> layer = nnet.layers.Dense(2)
            >>> layer.build_from_config({"input_shape": [None, 3]})
            >>> layer.kernel.shape
            (3, 2)
        """
        if not config:
            return
        if "input_shape" in config:
            self.build(as_shape(config["input_shape"]))
        elif "shapes_dict" in config:
            self.build(**{k: as_shape(v) for k, v in config["shapes_dict"].items()})

    def save_own_variables(self, store):
        """Write the layer's own state into `store`, a dict-like part of the weights file.

        The default writes its own variables (trainable, then non-trainable, without its
        sublayers', which get stores of their own) under the keys ``"0"``, ``"1"``, ... as
        Keras does. Override it, with `load_own_variables`, to save other state.

        Args:
            store: a mapping from string keys to arrays.

        Example:
            >>> import nnet
            >>> layer = nnet.layers.Dense(2)
            >>> layer.build((None, 3))
            >>> store = {}
            >>> layer.save_own_variables(store)
            >>> {key: value.shape for key, value in store.items()}
            {'0': (3, 2), '1': (2,)}
        """
        for i, variable in enumerate([*self._trainable_variables,
                                      *self._non_trainable_variables]):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Read back what `save_own_variables` wrote; nothing is assigned unless all fits.

        Args:
            store: a mapping from string keys to arrays.

        Raises:
            ValueError: when the number of saved values or a shape differs from the layer's.

        Example:
            >>> import numpy as np, nnet
            >>> layer = nnet.layers.Dense(2)
            >>> layer.build((None, 3))
            >>> layer.load_own_variables({"0": np.ones((3, 2)), "1": np.zeros(2)})
            >>> float(layer.kernel.numpy().sum())
            6.0
        """
        variables = [*self._trainable_variables, *self._non_trainable_variables]
        if len(store.keys()) != len(variables):
            names = [v.name for v in variables]
            hint = (
                " The layer was never built: its build() must create all of its state, or it "
                "needs a build_from_config(config) (and a matching get_build_config()) that "
                "recreates it when the layer is loaded." if not self.built and not variables
                else " Build the same layer that was saved."
            )
            raise ValueError(
                f"Layer '{self.name}' expected {len(variables)} variables {names}, but the "
                f"saved state holds {len(store.keys())}: {list(store.keys())}.{hint}"
            )
        values = [store[str(i)] for i in range(len(variables))]
        for i, (variable, value) in enumerate(zip(variables, values)):
            if np.shape(value) != tuple(variable.shape):
                raise ValueError(
                    f"Layer '{self.name}' variable {i} '{variable.path}' has shape "
                    f"{tuple(variable.shape)} in the model but {np.shape(value)} in the "
                    "saved state."
                )
        for variable, value in zip(variables, values):
            variable.assign(value)
