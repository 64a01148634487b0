"""Nadam: Adam with Nesterov momentum."""

import numpy as np

from nnet.autodiff.tensor import Variable
from nnet.backend import floatx
from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register
class Nadam(Optimizer):
    """Nadam, with Keras's momentum-cache schedule and placement of epsilon.

    With ``t = iterations + 1`` and the momentum cache ``u_t = beta_1 * (1 - 0.5 * 0.96**t)``,
    whose running product ``P_t = u_1 * ... * u_t`` is kept in a state variable:
    ``m += (g - m) * (1 - beta_1)``, ``v += (g**2 - v) * (1 - beta_2)``,
    ``m_hat = u_{t+1} * m / (1 - P_t * u_{t+1}) + (1 - u_t) * g / (1 - P_t)``,
    ``v_hat = v / (1 - beta_2**t)``, ``w -= lr * m_hat / (sqrt(v_hat) + epsilon)``.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        beta_1: decay rate of the first-moment estimate.
        beta_2: decay rate of the second-moment estimate.
        epsilon: small constant for numerical stability.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import Nadam
        >>> w = Variable([1.0, -1.0])
        >>> Nadam(learning_rate=0.1).apply([np.array([3.0, -0.5], "float32")], [w])
        >>> w.numpy().round(4)
        array([ 0.8937, -0.8937], dtype=float32)
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        """Allocate momentum and velocity per variable (interleaved), then the product of the
        momentum caches."""
        if self.built:
            return
        variables = list(variables)
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"]
        )
        dtype = variables[0].dtype if variables else floatx()
        self._u_product = self._track(Variable(1.0, trainable=False, name="variable", dtype=dtype))
        self._scratch_2 = self.scratch_buffers()

    def _momentum_cache(self, step):
        return self.beta_1 * (1.0 - 0.5 * 0.96**step)

    def _update(self, grads, trainable_variables):
        # The product of the momentum caches advances once per update, not once per variable.
        self._u_product.data *= self._momentum_cache(self._update_count() + 1)
        super()._update(grads, trainable_variables)

    def update_step(self, gradient, variable, learning_rate):
        """One Nadam step on ``variable.data``, in place."""
        w = variable.data
        step, tmp = self._work(self._scratch, variable), self._work(self._scratch_2, variable)
        m, v = self._slot(self._momentums, variable), self._slot(self._velocities, variable)
        t = self._update_count() + 1
        u_t, u_next = self._momentum_cache(t), self._momentum_cache(t + 1)
        u_product = float(self._u_product.data)
        np.subtract(gradient, m, out=tmp)
        tmp *= 1 - self.beta_1
        m += tmp
        np.square(gradient, out=tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        np.multiply(m, u_next, out=step)
        step /= 1 - u_product * u_next
        np.multiply(gradient, 1 - u_t, out=tmp)
        tmp /= 1 - u_product
        step += tmp
        step *= learning_rate
        np.divide(v, 1 - self.beta_2**t, out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp += self.epsilon
        step /= tmp
        w -= step

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
