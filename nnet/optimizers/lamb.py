"""Lamb: Adam with a layer-wise trust ratio."""

import numpy as np

from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register
class Lamb(Optimizer):
    """Lamb (You et al., 2019): Adam's step rescaled per variable by a trust ratio.

    With ``t = iterations + 1``: ``m += (g - m) * (1 - beta_1)``,
    ``v += (g**2 - v) * (1 - beta_2)``,
    ``r = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)``,
    ``w -= lr * ratio * r`` with ``ratio = ||w|| / ||r||`` (1 when either norm is 0).

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        beta_1: decay rate of the first-moment estimate.
        beta_2: decay rate of the second-moment estimate.
        epsilon: small constant for numerical stability.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import Lamb
        >>> w = Variable([3.0, 4.0])
        >>> Lamb(learning_rate=0.1).apply([np.array([1.0, -1.0], "float32")], [w])
        >>> w.numpy().round(4)
        array([2.6464, 4.3536], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        """Allocate momentum and velocity per variable (interleaved)."""
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"]
        )
        self._scratch_2 = self.scratch_buffers()

    def update_step(self, gradient, variable, learning_rate):
        """One Lamb step on ``variable.data``, in place."""
        w = variable.data
        step, tmp = self._work(self._scratch, variable), self._work(self._scratch_2, variable)
        m, v = self._slot(self._momentums, variable), self._slot(self._velocities, variable)
        t = self._update_count() + 1
        np.subtract(gradient, m, out=tmp)
        tmp *= 1 - self.beta_1
        m += tmp
        np.square(gradient, out=tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        np.divide(v, 1.0 - self.beta_2**t, out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp += self.epsilon
        np.divide(m, 1.0 - self.beta_1**t, out=step)
        step /= tmp
        w_norm = float(np.square(w, out=tmp).sum()) ** 0.5
        step_norm = float(np.square(step, out=tmp).sum()) ** 0.5
        ratio = w_norm / step_norm if w_norm > 0 and step_norm > 0 else 1.0
        step *= ratio * learning_rate
        w -= step

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
