"""MultiOptimizer: a different optimizer for each group of variables, chosen by an
`OptimizerMap` (variable path patterns) or a callable."""

import re
from collections.abc import MutableMapping

from nnet.optimizers.loss_scale_optimizer import LossScaleOptimizer
from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer, not_built_error
from nnet.utils.registry import deserialize_keras_object, serialize_object


def _check_inner(optimizer, what):
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"Expected an Optimizer instance for {what}. Received: {optimizer!r}")
    if isinstance(optimizer, (LossScaleOptimizer, MultiOptimizer)):
        raise ValueError(
            f"{type(optimizer).__name__} cannot be used inside a MultiOptimizer. Received: "
            f"{what}={optimizer!r}; wrap the MultiOptimizer instead."
        )


class OptimizerMap(MutableMapping):
    """Maps variable paths to optimizers: an exact key first, else the one key that
    `re.fullmatch`-es the path, else `default_optimizer`.

    Args:
        default_optimizer: the optimizer of the variables no key matches.
        optimizer_map: an optional dict ``{path or pattern: optimizer}``.

    Example:
        >>> from nnet.optimizers import SGD, Adam, OptimizerMap
        >>> optimizer_map = OptimizerMap(SGD(name="sgd"), {"encoder/.*": Adam(name="adam")})
        >>> optimizer_map["encoder/dense/kernel"].name, optimizer_map["decoder/kernel"].name
        ('adam', 'sgd')
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(
                f"default_optimizer must be an Optimizer instance. Received: "
                f"default_optimizer={default_optimizer!r}"
            )
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(
                f"optimizer_map must be a dict of {{path pattern: optimizer}}. Received: "
                f"optimizer_map={optimizer_map!r}"
            )
        self._default_optimizer = default_optimizer
        self._optimizer_map = optimizer_map or {}

    @property
    def default_optimizer(self):
        """The optimizer of the variables no key matches."""
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [p for p in self._optimizer_map if re.fullmatch(p, key)]
        if len(matching) > 1:
            raise ValueError(
                f"Multiple optimizers assigned to variable {key}: the patterns {matching} all "
                f"match it. Make the patterns exclusive."
            )
        return self._optimizer_map[matching[0]] if matching else self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(
                f"'{key}' already exists in the OptimizerMap with value "
                f"{self._optimizer_map[key]}. Use each key once."
            )
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: key={key!r}")
        _check_inner(optimizer, "optimizer")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        """The optimizer of `variable`, looked up by its ``path``."""
        return self[variable.path]

    def get_config(self):
        """``default_optimizer`` and ``optimizer_map``, serialized as Keras writes them."""
        return {
            "default_optimizer": serialize_object(self._default_optimizer),
            "optimizer_map": {k: serialize_object(v) for k, v in self._optimizer_map.items()},
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the map, deserializing its optimizers."""
        return cls(
            OPTIMIZERS.deserialize(config["default_optimizer"], custom_objects),
            {k: OPTIMIZERS.deserialize(v, custom_objects)
             for k, v in config["optimizer_map"].items()},
        )


@OPTIMIZERS.register
class MultiOptimizer(Optimizer):
    """Delegates each variable to the optimizer `optimizer_map` gives it.

    At build, each variable goes to ``optimizer_map(variable)``, and each optimizer is built on
    its variables; `apply` hands each optimizer its gradients, then counts one step in
    `iterations`. `variables` are this optimizer's ``iteration`` and ``learning_rate``, then each
    sub-optimizer's, in `optimizers` order (the map's values, its default, then those a
    callable returned). There is no single learning rate: set it on the sub-optimizers.

    Args:
        optimizer_map: an `OptimizerMap`, or a callable ``variable -> Optimizer``.
        loss_scale_factor: the loss is multiplied by it; it overrides the sub-optimizers' own.
        name: the optimizer's name.

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import SGD, MultiOptimizer, OptimizerMap
        >>> a, b = Variable([1.0], name="a"), Variable([1.0], name="b")
        >>> a.path, b.path = "encoder/a", "decoder/b"
        >>> opt = MultiOptimizer(OptimizerMap(SGD(0.5), {"encoder/.*": SGD(0.1)}))
        >>> opt.apply([np.ones(1, "float32")] * 2, [a, b])
        >>> a.numpy(), b.numpy(), int(opt.iterations)
        (array([0.9], dtype=float32), array([0.5], dtype=float32), 1)
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        if not callable(optimizer_map):
            raise ValueError(
                f"Expected an OptimizerMap or a callable variable -> optimizer for "
                f"optimizer_map. Received: optimizer_map={optimizer_map!r}"
            )
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        inner = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        if default is not None:
            inner.append(default)
        self._inner_optimizers = []
        for optimizer in inner:
            self._add_inner(optimizer)

    def _add_inner(self, optimizer):
        if not any(optimizer is o for o in self._inner_optimizers):
            optimizer.loss_scale_factor = self.loss_scale_factor
            self._inner_optimizers.append(optimizer)
        return next(i for i, o in enumerate(self._inner_optimizers) if o is optimizer)

    def build(self, var_list):
        """Assign each variable to its optimizer and build each optimizer on its variables."""
        if self.built:
            return
        var_list = list(var_list)
        self._var_to_optimizer_idx = {}
        for variable in var_list:
            optimizer = self._optimizer_map(variable)
            _check_inner(optimizer, f"the optimizer of variable {variable.path!r}")
            self._var_to_optimizer_idx[id(variable)] = self._add_inner(optimizer)
        for i, optimizer in enumerate(self._inner_optimizers):
            own = [v for v in var_list if self._var_to_optimizer_idx[id(v)] == i]
            if own:
                optimizer.build(own)
        self._trainable_variables = var_list
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(var_list)}
        self.built = True

    @property
    def optimizers(self):
        """The sub-optimizers."""
        return self._inner_optimizers

    @property
    def variables(self):
        """This optimizer's variables, then each sub-optimizer's."""
        return super().variables + [v for o in self._inner_optimizers for v in o.variables]

    @property
    def learning_rate(self):
        """Not available: each sub-optimizer has its own."""
        if "_optimizer_map" not in vars(self):
            return Optimizer.learning_rate.fget(self)
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate "
            "on the individual sub-optimizers (`optimizer.optimizers`) instead."
        )

    @learning_rate.setter
    def learning_rate(self, value):
        # The base constructor sets this optimizer's own (unused) rate before the map exists.
        if "_optimizer_map" not in vars(self):
            Optimizer.learning_rate.fset(self, value)
            return
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the "
            "individual sub-optimizers (`optimizer.optimizers`) instead."
        )

    @property
    def loss_scale_factor(self):
        """The loss scale factor, set on every sub-optimizer too."""
        return getattr(self, "_loss_scale_factor", None)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for optimizer in getattr(self, "_inner_optimizers", ()):
            optimizer.loss_scale_factor = value

    def apply(self, grads, trainable_variables=None):
        """Apply each sub-optimizer to its variables' gradients."""
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise not_built_error()
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(
                f"Gradients must match trainable variables one-to-one. Received "
                f"{len(grads)} gradients and {len(trainable_variables)} variables."
            )
        groups = [([], []) for _ in self._inner_optimizers]
        for grad, variable in zip(grads, trainable_variables):
            index = self._var_to_optimizer_idx.get(id(variable))
            if index is None:
                raise ValueError(
                    f"Unknown variable: {variable}. This optimizer can only update the "
                    f"variables it was built with. Create a new optimizer for new variables."
                )
            groups[index][0].append(grad)
            groups[index][1].append(variable)
        for optimizer, (sub_grads, sub_variables) in zip(self._inner_optimizers, groups):
            if sub_grads:
                optimizer.apply(sub_grads, sub_variables)
        self._iterations.data += 1

    def finalize_variable_values(self, var_list):
        """Each sub-optimizer's `finalize_variable_values` on its variables."""
        var_list = list(var_list)
        for i, optimizer in enumerate(self._inner_optimizers):
            own = [v for v in var_list if self._var_to_optimizer_idx.get(id(v)) == i]
            if own:
                optimizer.finalize_variable_values(own)

    def get_config(self):
        """``optimizer_map`` (serialized), ``loss_scale_factor`` and ``name``, as Keras."""
        optimizer_map = self._optimizer_map
        if type(optimizer_map) is OptimizerMap:
            # As Keras writes its OptimizerMap: found in keras.optimizers, by either library.
            optimizer_map = {"module": "keras.optimizers", "class_name": "OptimizerMap",
                             "config": optimizer_map.get_config(), "registered_name": None}
        else:
            optimizer_map = serialize_object(optimizer_map)
        return {
            "optimizer_map": optimizer_map,
            "loss_scale_factor": self.loss_scale_factor,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the optimizer, deserializing its `OptimizerMap`."""
        config = dict(config)
        optimizer_map = config["optimizer_map"]
        if isinstance(optimizer_map, dict) and optimizer_map.get("class_name") == "OptimizerMap":
            config["optimizer_map"] = OptimizerMap.from_config(optimizer_map["config"],
                                                               custom_objects)
        else:
            config["optimizer_map"] = deserialize_keras_object(optimizer_map, custom_objects)
        return cls(**config)
