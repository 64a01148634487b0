"""Adagrad: per-parameter learning rates from the sum of squared gradients."""

import numpy as np

from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register
class Adagrad(Optimizer):
    """Adagrad, with Keras's placement of epsilon (inside the square root).

    ``acc += g**2``; ``w -= lr * g / sqrt(acc + epsilon)``, with ``acc`` starting at
    `initial_accumulator_value`.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        initial_accumulator_value: the starting value of the accumulators.
        epsilon: small constant for numerical stability.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import Adagrad
        >>> w = Variable([1.0])
        >>> opt = Adagrad(learning_rate=0.5, initial_accumulator_value=0.0, epsilon=0.0)
        >>> opt.apply([np.full(1, 2.0, "float32")], [w])
        >>> w.numpy()
        array([0.5], dtype=float32)
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, variables):
        """Allocate one accumulator per variable, filled with `initial_accumulator_value`."""
        if self.built:
            return
        super().build(variables)
        self._accumulators = self.add_optimizer_variables(
            variables, "accumulator", initializer=self.initial_accumulator_value
        )

    def update_step(self, gradient, variable, learning_rate):
        """One Adagrad step on ``variable.data``, in place."""
        w, tmp = variable.data, self._work(self._scratch, variable)
        acc = self._slot(self._accumulators, variable)
        acc += np.square(gradient, out=tmp)
        np.add(acc, self.epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(gradient, tmp, out=tmp)
        tmp *= learning_rate
        w -= tmp

    def get_config(self):
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }
