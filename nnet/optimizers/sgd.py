"""Stochastic gradient descent, with optional (Nesterov) momentum."""

import numbers

import numpy as np

from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register
class SGD(Optimizer):
    """Gradient descent with optional momentum.

    Without momentum: ``w -= lr * g``. With momentum: ``m = momentum * m - lr * g``, then
    ``w += m``, or with Nesterov ``w += momentum * m - lr * g``.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        momentum: float in [0, 1] that accelerates descent and dampens oscillations.
        nesterov: use Nesterov momentum.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import SGD
        >>> w = Variable([1.0])
        >>> opt = SGD(learning_rate=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.apply([np.array([1.0], "float32")], [w])
        >>> w.numpy()
        array([0.71], dtype=float32)
    """

    elementwise = True

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, numbers.Real) or not 0 <= momentum <= 1:
            raise ValueError(
                f"Expected a float in [0, 1] for momentum. Received: momentum={momentum!r}"
            )
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        """Allocate one momentum slot per variable (none when momentum is 0)."""
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        """One SGD step on ``variable.data``, in place."""
        w, step = variable.data, self._work(self._scratch, variable)
        np.multiply(gradient, learning_rate, out=step)
        if self.momentum == 0:
            w -= step
            return
        m = self._slot(self.momentums, variable)
        m *= self.momentum
        m -= step
        if self.nesterov:
            w -= step
            w += np.multiply(m, self.momentum, out=step)
        else:
            w += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
