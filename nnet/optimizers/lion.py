"""Lion: sign-based updates from an interpolated momentum (evolved sign momentum)."""

import numpy as np

from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register
class Lion(Optimizer):
    """Lion (Chen et al., 2023): every coordinate moves by exactly the learning rate.

    ``w -= lr * sign(beta_1 * m + (1 - beta_1) * g)``, then ``m = beta_2 * m + (1 - beta_2) * g``.
    Its updates are larger than Adam's, so it usually wants a 3-10x smaller learning rate.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        beta_1: interpolation factor of the update direction, in (0, 1].
        beta_2: decay rate of the momentum.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import Lion
        >>> w = Variable([1.0, -1.0, 0.5])
        >>> Lion(learning_rate=0.1).apply([np.array([3.0, -0.5, 0.0], "float32")], [w])
        >>> w.numpy()
        array([ 0.9, -0.9,  0.5], dtype=float32)
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 < beta_1 <= 1:
            raise ValueError(
                f"Expected beta_1 in (0, 1]; otherwise Lion degenerates to SignSGD. Received: "
                f"beta_1={beta_1!r}"
            )
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def build(self, variables):
        """Allocate one momentum slot per variable."""
        if self.built:
            return
        super().build(variables)
        self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._scratch_2 = self.scratch_buffers()

    def update_step(self, gradient, variable, learning_rate):
        """One Lion step on ``variable.data``, in place."""
        w = variable.data
        step, tmp = self._work(self._scratch, variable), self._work(self._scratch_2, variable)
        m = self._slot(self._momentums, variable)
        np.multiply(m, self.beta_1, out=step)
        step += np.multiply(gradient, 1.0 - self.beta_1, out=tmp)
        np.sign(step, out=step)
        step *= learning_rate
        w -= step
        m *= self.beta_2
        m += np.multiply(gradient, 1.0 - self.beta_2, out=tmp)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
