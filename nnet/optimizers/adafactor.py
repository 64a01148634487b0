"""Adafactor: Adam-like steps with factored second moments for matrices and tensors."""

import math

import numpy as np

from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer


def _rms(x):
    return math.sqrt(float(np.mean(np.square(x, dtype=x.dtype))))


@OPTIMIZERS.register
class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018), as Keras computes it.

    With ``t = iterations + 1``, ``rho = min(lr, 1 / sqrt(t))``,
    ``alpha = max(epsilon_2, rms(w)) * rho``, ``beta = 1 - t**beta_2_decay`` and
    ``s = g**2 + epsilon_1``: a variable of rank 2 or more keeps row and column averages of
    ``s`` over its last two axes, ``r = beta * r + (1 - beta) * mean(s, -1)`` and
    ``c = beta * c + (1 - beta) * mean(s, -2)``, and sets ``v = (r / mean(r, -1))[..., None] *
    c[..., None, :]``; a smaller one keeps ``v = beta * v + (1 - beta) * s``. Then
    ``u = g / sqrt(v)`` and ``w -= alpha * u / max(1, rms(u) / clip_threshold)``. The slots are
    ``r``, ``c`` (named after the variable; unused int32 scalars below rank 2, as in Keras) and
    ``velocity``, per variable.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        beta_2_decay: the decay rate of ``beta``.
        epsilon_1: small offset that keeps the denominator away from 0.
        epsilon_2: lower bound of the weights' RMS in the step size, so that the steps of small
            weights do not vanish.
        clip_threshold: the update's RMS is clipped to it (independent of `clipnorm`,
            `clipvalue` and `global_clipnorm`).
        relative_step: cap a constant learning rate at ``1 / sqrt(t)``. As in Keras, ``rho``
            takes that cap in every case, so the flag does not change the steps.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import Adafactor
        >>> w = Variable([[1.0, -2.0], [3.0, 0.5]])
        >>> Adafactor(learning_rate=0.1).apply([np.ones((2, 2), "float32")], [w])
        >>> w.numpy().round(4)
        array([[ 0.8113, -2.1887],
               [ 2.8113,  0.3113]], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, variables):
        """Allocate, per variable, ``r`` and ``c`` (placeholders below rank 2) then ``velocity``."""
        if self.built:
            return
        super().build(variables)
        self._r, self._c, self._v = [], [], []
        for variable in variables:
            shape = tuple(variable.shape)
            if len(shape) >= 2:
                self._r.append(self.add_variable(shape[:-1], dtype=variable.dtype,
                                                 name=variable.name))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], dtype=variable.dtype,
                                                 name=variable.name))
            else:
                # Keras tracks two int32 scalar placeholders here, outside the optimizer's path.
                for factors in (self._r, self._c):
                    factors.append(self.add_variable((), dtype="int32", name=variable.name))
                    factors[-1].path = variable.name
            self._v.append(self.add_variable_from_reference(variable, "velocity"))

    def update_step(self, gradient, variable, learning_rate):
        """One Adafactor step on ``variable.data``, in place."""
        w, tmp = variable.data, self._work(self._scratch, variable)
        index = self._get_variable_index(variable)
        v = self._v[index].data
        t = self._update_count() + 1
        rho = min(learning_rate, 1.0 / math.sqrt(t))
        alpha = max(self.epsilon_2, _rms(w)) * rho
        beta = 1.0 - t**self.beta_2_decay
        np.square(gradient, out=tmp)
        tmp += self.epsilon_1
        if w.ndim >= 2:
            r, c = self._r[index].data, self._c[index].data
            r *= beta
            r += (1.0 - beta) * tmp.mean(axis=-1)
            c *= beta
            c += (1.0 - beta) * tmp.mean(axis=-2)
            np.multiply((r / r.mean(axis=-1, keepdims=True))[..., None], c[..., None, :], out=v)
        else:
            v *= beta
            tmp *= 1.0 - beta
            v += tmp
        np.sqrt(v, out=tmp)
        np.divide(gradient, tmp, out=tmp)
        tmp *= alpha / max(1.0, _rms(tmp) / self.clip_threshold)
        w -= tmp

    def get_config(self):
        return {
            **super().get_config(),
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
            "relative_step": self.relative_step,
        }
