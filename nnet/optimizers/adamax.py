"""Adamax: Adam with the infinity norm in place of the second moment."""

import numpy as np

from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register
class Adamax(Optimizer):
    """Adamax, the infinity-norm variant of Adam, with Keras's placement of epsilon.

    With ``t = iterations + 1``: ``m += (g - m) * (1 - beta_1)``,
    ``u = max(beta_2 * u, |g|)``, ``w -= lr * m / ((1 - beta_1**t) * (u + epsilon))``.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        beta_1: decay rate of the first-moment estimate.
        beta_2: decay rate of the exponentially weighted infinity norm.
        epsilon: small constant for numerical stability.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import Adamax
        >>> w = Variable([1.0, -1.0])
        >>> Adamax(learning_rate=0.1).apply([np.array([3.0, -0.5], "float32")], [w])
        >>> w.numpy().round(4)
        array([ 0.9, -0.9], dtype=float32)
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        """Allocate the momentum and the infinity norm per variable (interleaved)."""
        if self.built:
            return
        super().build(variables)
        self._m, self._u = self.add_optimizer_variables(variables, ["momentum", "norm"])

    def update_step(self, gradient, variable, learning_rate):
        """One Adamax step on ``variable.data``, in place."""
        w, tmp = variable.data, self._work(self._scratch, variable)
        m, u = self._slot(self._m, variable), self._slot(self._u, variable)
        t = self._update_count() + 1
        np.subtract(gradient, m, out=tmp)
        tmp *= 1 - self.beta_1
        m += tmp
        u *= self.beta_2
        np.maximum(u, np.abs(gradient, out=tmp), out=u)
        np.add(u, self.epsilon, out=tmp)
        tmp *= 1 - self.beta_1**t
        np.divide(m, tmp, out=tmp)
        tmp *= learning_rate
        w -= tmp

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
