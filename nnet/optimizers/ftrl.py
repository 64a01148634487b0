"""FTRL-Proximal: follow the regularized leader, for large sparse linear models."""

import numpy as np

from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer


def _check_non_negative(name, value):
    if value < 0.0:
        raise ValueError(f"Expected a value >= 0 for {name}. Received: {name}={value!r}")


@OPTIMIZERS.register
class Ftrl(Optimizer):
    """FTRL-Proximal (McMahan et al., 2013), as Keras implements it.

    With ``p = -learning_rate_power``, ``l2 = l2_regularization_strength + beta / (2 * lr)``
    and ``n' = n + g**2`` (the accumulator ``n`` starts at `initial_accumulator_value`):
    ``z += g + 2 * l2_shrinkage_regularization_strength * w - (n'**p - n**p) / lr * w``,
    ``n = n'``, ``w = (clip(z, -l1, l1) - z) / (n'**p / lr + 2 * l2)`` with
    ``l1 = l1_regularization_strength`` and ``z`` the linear term.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        learning_rate_power: controls how the learning rate decreases during training; must be
            <= 0 (0 gives a fixed learning rate).
        initial_accumulator_value: the starting value of the accumulators; must be >= 0.
        l1_regularization_strength: L1 regularization strength; must be >= 0.
        l2_regularization_strength: L2 regularization strength (stabilization penalty); must be
            >= 0.
        l2_shrinkage_regularization_strength: L2 penalty on the weights added to the gradient
            (magnitude penalty); must be >= 0.
        beta: adds ``beta / (2 * lr)`` to the L2 regularization strength.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import Ftrl
        >>> w = Variable([1.0])
        >>> opt = Ftrl(learning_rate=0.5, initial_accumulator_value=1.0)
        >>> opt.apply([np.full(1, 1.0, "float32")], [w])
        >>> w.numpy().round(4)
        array([-0.0607], dtype=float32)
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        _check_non_negative("initial_accumulator_value", initial_accumulator_value)
        if learning_rate_power > 0.0:
            raise ValueError(
                f"Expected a value <= 0 for learning_rate_power. Received: "
                f"learning_rate_power={learning_rate_power!r}"
            )
        _check_non_negative("l1_regularization_strength", l1_regularization_strength)
        _check_non_negative("l2_regularization_strength", l2_regularization_strength)
        _check_non_negative("l2_shrinkage_regularization_strength",
                            l2_shrinkage_regularization_strength)
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, variables):
        """Allocate the accumulator (filled with `initial_accumulator_value`) and the linear
        term per variable (interleaved)."""
        if self.built:
            return
        super().build(variables)
        self._accumulators, self._linears = self.add_optimizer_variables(
            variables, ["accumulator", "linear"]
        )
        for accumulator in self._accumulators:
            accumulator.data.fill(self.initial_accumulator_value)
        self._scratch_2 = self.scratch_buffers()

    def update_step(self, gradient, variable, learning_rate):
        """One FTRL step on ``variable.data``, in place."""
        w = variable.data
        a, b = self._work(self._scratch, variable), self._work(self._scratch_2, variable)
        accum = self._slot(self._accumulators, variable)
        linear = self._slot(self._linears, variable)
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * learning_rate)
        np.power(accum, power, out=b)
        accum += np.square(gradient, out=a)
        # sigma * w, with sigma = (n'**p - n**p) / lr the change of the per-coordinate rate.
        np.power(accum, power, out=a)
        a -= b
        a /= learning_rate
        a *= w
        np.multiply(w, 2 * self.l2_shrinkage_regularization_strength, out=b)
        b += gradient
        b -= a
        linear += b
        np.power(accum, power, out=a)
        a /= learning_rate
        a += 2 * l2
        np.clip(linear, -l1, l1, out=b)
        b -= linear
        np.divide(b, a, out=w)

    def get_config(self):
        return {
            **super().get_config(),
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        }
