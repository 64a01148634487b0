"""ScheduleFreeAdamW: AdamW without a learning-rate schedule, by interpolation and averaging."""

import numpy as np

from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register
class ScheduleFreeAdamW(Optimizer):
    """Schedule-Free AdamW (Defazio et al., 2024), as Keras computes it.

    The optimizer keeps ``z`` (the `momentum` slot, starting at the weights), where the Adam-style
    steps land, and the average ``x`` of the ``z`` sequence; the weights hold the interpolation
    ``y = (1 - beta_1) * z + beta_1 * x``, which is what the model trains and evaluates with
    (as in Keras, the weights are not swapped for ``x`` at the end of training). With
    ``t = iterations + 1`` and ``lr`` scaled by ``min(t / warmup_steps, 1)`` when
    `warmup_steps` > 0: ``v += (g**2 - v) * (1 - beta_2)``,
    ``x = (y - (1 - beta_1) * z) / beta_1`` (with ``z`` before this step),
    ``z -= lr * g / (sqrt(v / (1 - beta_2**t)) + epsilon)``, ``x += (z - x) / t`` and
    ``y = (1 - beta_1) * z + beta_1 * x``.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        beta_1: the interpolation between ``z`` and ``x`` (the momentum).
        beta_2: decay rate of the second-moment estimate.
        epsilon: small constant for numerical stability.
        warmup_steps: the learning rate rises linearly from 0 over this many steps.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import ScheduleFreeAdamW
        >>> w = Variable([1.0, 2.0])
        >>> ScheduleFreeAdamW(learning_rate=0.1).apply([np.array([0.5, -1.0], "float32")], [w])
        >>> w.numpy().round(4)
        array([0.9, 2.1], dtype=float32)
    """

    elementwise = True

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def build(self, variables):
        """Allocate momentum (a copy of each variable) and velocity, interleaved."""
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"]
        )
        for momentum, variable in zip(self._momentums, self._trainable_variables):
            momentum.data[...] = variable.data
        self._scratch_2 = self.scratch_buffers()

    def update_step(self, gradient, variable, learning_rate):
        """One Schedule-Free AdamW step on ``variable.data``, in place."""
        y, tmp, x = (variable.data, self._work(self._scratch, variable),
                     self._work(self._scratch_2, variable))
        z, v = self._slot(self._momentums, variable), self._slot(self._velocities, variable)
        t = self._update_count() + 1
        if self.warmup_steps > 0:
            learning_rate *= min(t / self.warmup_steps, 1.0)
        beta_1 = self.beta_1
        np.square(gradient, out=tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        np.multiply(z, 1 - beta_1, out=x)
        np.subtract(y, x, out=x)
        x /= beta_1
        np.divide(v, 1 - self.beta_2**t, out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp += self.epsilon
        np.divide(gradient, tmp, out=tmp)
        tmp *= learning_rate
        z -= tmp
        x *= 1 - 1 / t
        x += np.multiply(z, 1 / t, out=tmp)
        x *= beta_1
        np.multiply(z, 1 - beta_1, out=y)
        y += x

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "warmup_steps": self.warmup_steps,
        }
