"""Adam: adaptive moment estimation."""

import math

import numpy as np

from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer


def adam_step(w, gradient, m, v, tmp, alpha, beta_1, beta_2, epsilon, v_hat=None):
    """Keras's Adam update of `w`, `m` and `v` in place, given the bias-corrected rate `alpha`.

    ``m += (g - m) * (1 - beta_1)``, ``v += (g**2 - v) * (1 - beta_2)``,
    ``w -= alpha * m / (sqrt(v) + epsilon)``, with ``v`` replaced by the running maximum
    ``v_hat = max(v_hat, v)`` when `v_hat` is given (AMSGrad).

    Args:
        w: the weights, updated in place.
        gradient: the gradient (read only).
        m: the first-moment slot, updated in place.
        v: the second-moment slot, updated in place.
        tmp: a scratch array of `w`'s shape.
        alpha: ``lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``.
        beta_1: decay rate of the first-moment estimate.
        beta_2: decay rate of the second-moment estimate.
        epsilon: small constant for numerical stability.
        v_hat: the AMSGrad slot, or None.

    Example:
        >>> import numpy as np
        >>> w, m, v = np.ones(2, "float32"), np.zeros(2, "float32"), np.zeros(2, "float32")
        >>> adam_step(w, np.array([2.0, -2.0], "float32"), m, v, np.empty(2, "float32"),
        ...           0.1 * np.sqrt(0.001) / 0.1, 0.9, 0.999, 1e-7)
        >>> w.round(4)
        array([0.9, 1.1], dtype=float32)
    """
    np.subtract(gradient, m, out=tmp)
    tmp *= 1 - beta_1
    m += tmp
    np.square(gradient, out=tmp)
    tmp -= v
    tmp *= 1 - beta_2
    v += tmp
    if v_hat is not None:
        v = np.maximum(v_hat, v, out=v_hat)
    np.sqrt(v, out=tmp)
    tmp += epsilon
    np.divide(m, tmp, out=tmp)
    tmp *= alpha
    w -= tmp


@OPTIMIZERS.register
class Adam(Optimizer):
    """Adam, with Keras's placement of epsilon (outside the square root, after bias correction).

    With ``t = iterations + 1``: ``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``,
    ``m += (g - m) * (1 - beta_1)``, ``v += (g**2 - v) * (1 - beta_2)``,
    ``w -= alpha * m / (sqrt(v) + epsilon)``; with `amsgrad`, ``v`` in the last step is the
    running maximum ``v_hat = max(v_hat, v)``.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        beta_1: decay rate of the first-moment estimate.
        beta_2: decay rate of the second-moment estimate.
        epsilon: small constant for numerical stability.
        amsgrad: use the AMSGrad variant.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import Adam
        >>> w = Variable([1.0, -1.0])
        >>> Adam(learning_rate=0.1).apply([np.array([3.0, -0.5], "float32")], [w])
        >>> w.numpy().round(4)
        array([ 0.9, -0.9], dtype=float32)
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, variables):
        """Allocate momentum and velocity per variable (interleaved), then velocity_hat."""
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"]
        )
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat")

    def update_step(self, gradient, variable, learning_rate):
        """One Adam step on ``variable.data``, in place."""
        w, tmp = variable.data, self._work(self._scratch, variable)
        m, v = self._slot(self._momentums, variable), self._slot(self._velocities, variable)
        t = self._update_count() + 1
        alpha = learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        v_hat = self._slot(self._velocity_hats, variable) if self.amsgrad else None
        adam_step(w, gradient, m, v, tmp, alpha, self.beta_1, self.beta_2, self.epsilon, v_hat)

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }
