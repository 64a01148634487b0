"""LossScaleOptimizer: dynamic loss scaling around another optimizer."""

import numpy as np

from nnet.autodiff.tensor import Tensor
from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer, not_built_error
from nnet.utils.registry import serialize_object

# Keras's constructor accepted (and get_config wrote) the shared optimizer options; configs
# saved then still load when those hold their defaults.
_BASE_DEFAULTS = {
    "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
    "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
    "loss_scale_factor": None, "gradient_accumulation_steps": None,
}


def _all_finite(grads):
    return all(
        np.isfinite(g.data if isinstance(g, Tensor) else np.asarray(g)).all()
        for g in grads if g is not None
    )


@OPTIMIZERS.register
class LossScaleOptimizer(Optimizer):
    """Wraps an optimizer with dynamic loss scaling, which keeps float16 gradients from
    underflowing.

    `scale_loss` multiplies the loss by the current scale (``dynamic_scale``); `apply` divides the
    gradients by it and hands them to `inner_optimizer`. A step whose gradients hold an inf or a
    NaN is skipped and halves the scale; after `dynamic_growth_steps` finite steps in a row the
    scale doubles. `learning_rate`, `iterations` and `finalize_variable_values` are the inner
    optimizer's; `variables` are this optimizer's (``iteration``, ``learning_rate``,
    ``step_counter``, ``dynamic_scale``) followed by the inner optimizer's.

    Args:
        inner_optimizer: the `Optimizer` to wrap. Its `loss_scale_factor` is set to None, so
            that gradients are not unscaled twice.
        initial_scale: the first loss scale; better too high than too low, since a too-high
            scale drops far faster than a too-low one grows.
        dynamic_growth_steps: double the scale after this many steps with finite gradients.
        name: the optimizer's name.
        **kwargs: only the shared optimizer options at their defaults (as older configs hold
            them), and ``dynamic=True``; set other options on `inner_optimizer`.

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import SGD, LossScaleOptimizer
        >>> w = Variable([1.0])
        >>> opt = LossScaleOptimizer(SGD(0.5), initial_scale=4.0, dynamic_growth_steps=2)
        >>> opt.apply([np.array([np.inf], "float32")], [w])  # skipped: the scale halves
        >>> opt.apply([np.array([2.0], "float32")], [w])  # unscaled: the gradient is 1.0
        >>> w.numpy(), float(opt.dynamic_scale.numpy()), int(opt.iterations)
        (array([0.5], dtype=float32), 2.0, 1)
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. Instead, set "
                "`loss_scale_factor` directly on the `inner_optimizer`."
            )
        for arg_name, default in _BASE_DEFAULTS.items():
            if arg_name in kwargs and kwargs.pop(arg_name) != default:
                raise ValueError(
                    f"LossScaleOptimizer does not support `{arg_name}`. Instead, set "
                    f"`{arg_name}` on the `inner_optimizer`."
                )
        if kwargs:
            raise ValueError(
                f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`. "
                f"Set optimizer options on the `inner_optimizer`."
            )
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError(
                f"Expected an Optimizer instance for inner_optimizer. Received: "
                f"inner_optimizer={inner_optimizer!r}"
            )
        if not (isinstance(dynamic_growth_steps, int) and dynamic_growth_steps >= 1):
            raise ValueError(
                f"Expected an integer >= 1 for dynamic_growth_steps. Received: "
                f"dynamic_growth_steps={dynamic_growth_steps!r}"
            )
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None

    def build(self, var_list):
        """Create ``step_counter`` and ``dynamic_scale``, and build the inner optimizer."""
        if self.built:
            return
        var_list = list(var_list)
        self.step_counter = self.add_variable((), "zeros", "int32", name="step_counter")
        self.dynamic_scale = self.add_variable((), self.initial_scale, "float32",
                                               name="dynamic_scale")
        self.inner_optimizer.build(var_list)
        # Keras builds the inner optimizer in this one's name scope: its slots' paths say so.
        for variable in self.inner_optimizer._variables:
            variable.path = f"{self.name}/{variable.path}"
        self._trainable_variables = var_list
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(var_list)}
        self.built = True

    @property
    def variables(self):
        """This optimizer's variables, then the inner optimizer's."""
        return super().variables + self.inner_optimizer.variables

    def apply(self, grads, trainable_variables=None):
        """Unscale `grads` and apply them with the inner optimizer, or, when one of them is not
        finite, skip the step and halve the scale."""
        if trainable_variables is not None:
            trainable_variables = list(trainable_variables)
        if not self.built:
            if trainable_variables is None:
                raise not_built_error()
            self.build(trainable_variables)
        if not _all_finite(grads):
            self.step_counter.data[...] = 0
            self.dynamic_scale.data *= 0.5
            return
        # The inner optimizer divides the gradients by its loss_scale_factor into its own
        # buffers, leaving the gradients as they are and a ParameterBuffer's step flat.
        inner = self.inner_optimizer
        inner.loss_scale_factor = float(self.dynamic_scale.data)
        try:
            inner.apply(grads, trainable_variables)
        finally:
            inner.loss_scale_factor = None
        if int(self.step_counter.data) == self.dynamic_growth_steps - 1:
            self.step_counter.data[...] = 0
            self.dynamic_scale.data *= 2
        else:
            self.step_counter.data += 1

    @property
    def learning_rate(self):
        """The inner optimizer's learning rate."""
        if "inner_optimizer" not in vars(self):
            return Optimizer.learning_rate.fget(self)
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        # The base constructor sets this optimizer's own (unused) rate before the inner exists.
        if "inner_optimizer" not in vars(self):
            Optimizer.learning_rate.fset(self, learning_rate)
        else:
            self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self):
        """The inner optimizer's `iterations`: skipped steps do not count."""
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        """The loss multiplied by the current scale (`initial_scale` before the first step)."""
        scale = float(self.dynamic_scale.data) if self.built else self.initial_scale
        return loss * scale

    def finalize_variable_values(self, var_list):
        """The inner optimizer's `finalize_variable_values`."""
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        """``name``, the serialized ``inner_optimizer``, ``initial_scale`` and
        ``dynamic_growth_steps``, as Keras writes them."""
        return {
            "name": self.name,
            "inner_optimizer": serialize_object(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the optimizer, deserializing the nested inner optimizer."""
        config = dict(config)
        inner = OPTIMIZERS.deserialize(config.pop("inner_optimizer"), custom_objects)
        return cls(inner, **config)
