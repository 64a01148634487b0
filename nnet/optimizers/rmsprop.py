"""RMSprop: divide the gradient by a running root mean square."""

import numpy as np

from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register
class RMSprop(Optimizer):
    """RMSprop, with Keras's placement of epsilon (inside the square root).

    ``v = rho * v + (1 - rho) * g**2``; the step is ``lr * g / sqrt(v + epsilon)``, or, when
    `centered`, ``lr * g / sqrt(v - a**2 + epsilon)`` with ``a = rho * a + (1 - rho) * g``. With
    momentum: ``m = momentum * m + step`` and ``w -= m``; otherwise ``w -= step``.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        rho: decay rate of the running mean square.
        momentum: momentum of the step (0 for none).
        epsilon: small constant for numerical stability.
        centered: normalize by the running variance instead of the mean square.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import RMSprop
        >>> w = Variable([1.0])
        >>> RMSprop(learning_rate=0.1, rho=0.75, epsilon=0.0).apply([np.ones(1, "float32")], [w])
        >>> w.numpy()
        array([0.8], dtype=float32)
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, variables):
        """Allocate velocities, then momentums (when momentum > 0), then average gradients."""
        if self.built:
            return
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(variables, "average_gradient")

    def update_step(self, gradient, variable, learning_rate):
        """One RMSprop step on ``variable.data``, in place."""
        w, tmp = variable.data, self._work(self._scratch, variable)
        v = self._slot(self._velocities, variable)
        np.square(gradient, out=tmp)
        tmp *= 1 - self.rho
        v *= self.rho
        v += tmp
        if self.centered:
            a = self._slot(self._average_gradients, variable)
            a *= self.rho
            a += np.multiply(gradient, 1 - self.rho, out=tmp)
            np.square(a, out=tmp)
            np.subtract(v, tmp, out=tmp)
            tmp += self.epsilon
        else:
            np.add(v, self.epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(gradient, tmp, out=tmp)
        tmp *= learning_rate
        if self.momentum > 0:
            m = self._slot(self._momentums, variable)
            m *= self.momentum
            m += tmp
            w -= m
        else:
            w -= tmp

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
