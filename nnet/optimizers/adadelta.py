"""Adadelta: per-dimension step sizes from running averages of gradients and updates."""

import numpy as np

from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register
class Adadelta(Optimizer):
    """Adadelta, with Keras's placement of epsilon (inside both square roots).

    ``a = rho * a + (1 - rho) * g**2``; ``delta = -sqrt(d + epsilon) * g / sqrt(a + epsilon)``;
    ``d = rho * d + (1 - rho) * delta**2``; ``w += lr * delta``, with ``a`` the accumulated
    gradient and ``d`` the accumulated update.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        rho: decay rate of the running averages.
        epsilon: small constant for numerical stability.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import Adadelta
        >>> w = Variable([1.0])
        >>> Adadelta(learning_rate=1.0, rho=0.75, epsilon=0.01).apply([np.ones(1, "float32")], [w])
        >>> w.numpy().round(4)
        array([0.8039], dtype=float32)
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, variables):
        """Allocate the accumulated gradient and accumulated update per variable (interleaved)."""
        if self.built:
            return
        super().build(variables)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            variables, ["accumulated_grad", "accumulated_delta_var"]
        )
        self._scratch_2 = self.scratch_buffers()

    def update_step(self, gradient, variable, learning_rate):
        """One Adadelta step on ``variable.data``, in place."""
        w = variable.data
        step, tmp = self._work(self._scratch, variable), self._work(self._scratch_2, variable)
        acc_grad = self._slot(self._accumulated_grads, variable)
        acc_delta = self._slot(self._accumulated_delta_vars, variable)
        np.square(gradient, out=tmp)
        tmp *= 1 - self.rho
        acc_grad *= self.rho
        acc_grad += tmp
        # `step` holds -delta: the update with its sign flipped, subtracted from w below.
        np.add(acc_delta, self.epsilon, out=step)
        np.sqrt(step, out=step)
        step *= gradient
        np.add(acc_grad, self.epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        step /= tmp
        np.square(step, out=tmp)
        tmp *= 1 - self.rho
        acc_delta *= self.rho
        acc_delta += tmp
        step *= learning_rate
        w -= step

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
