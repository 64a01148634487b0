"""Muon: momentum orthogonalized by Newton-Schulz iterations, with AdamW for the other weights."""

import math
import re

import numpy as np

from nnet.backend import array_module
from nnet.optimizers.adam import adam_step
from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register
class Muon(Optimizer):
    """Muon (Jordan et al., 2024; Liu et al., 2025) for 2-D weights, AdamW for the others.

    A variable takes the AdamW step when it is not 2-D, when `exclude_embeddings` is set and
    ``"embedding"`` is in its lowercased path, or when one of `exclude_layers` (regular
    expressions) is found in its path; every other variable takes the Muon step:
    ``m = momentum * m + g``, ``u = g + momentum * m`` (`nesterov`) or ``u = m``, then ``u``
    orthogonalized by `ns_steps` Newton-Schulz iterations (`zeropower_via_newtonschulz5`), and
    ``w -= lr * u * sqrt(max(rows, cols)) * rms_rate`` (no last factors when `rms_rate` is
    None). The AdamW step is Keras's Adam step at rate ``lr * adam_lr_ratio``. Decoupled weight
    decay ``w -= w * decay * lr`` uses `adam_weight_decay` for AdamW variables and
    `weight_decay` for Muon ones.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        adam_beta_1: decay rate of the AdamW first-moment estimate.
        adam_beta_2: decay rate of the AdamW second-moment estimate.
        adam_weight_decay: weight decay of the AdamW variables, or None.
        epsilon: AdamW's small constant for numerical stability.
        weight_decay: weight decay of the Muon variables, or None.
        exclude_layers: regular expressions; a variable whose path contains a match takes the
            AdamW step (typically the output layer's name).
        exclude_embeddings: whether variables with "embedding" in their path take the AdamW step.
        muon_a: coefficient a of the quintic Newton-Schulz iteration.
        muon_b: coefficient b of the quintic Newton-Schulz iteration.
        muon_c: coefficient c of the quintic Newton-Schulz iteration.
        adam_lr_ratio: the AdamW learning rate as a fraction of `learning_rate`.
        momentum: the Muon momentum.
        ns_steps: the number of Newton-Schulz iterations.
        nesterov: use Nesterov momentum in the Muon step.
        rms_rate: scale of the Muon update (Liu et al., 2025), or None for no scaling.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import Muon
        >>> w = Variable(np.zeros((2, 2), "float32"), name="kernel")
        >>> b = Variable([0.0, 0.0], name="bias")
        >>> opt = Muon(learning_rate=0.1, weight_decay=None, adam_weight_decay=None)
        >>> opt.apply([np.eye(2, dtype="float32"), np.ones(2, "float32")], [w, b])
        >>> w.numpy().round(3), b.numpy().round(3)
        (array([[-0.031,  0.   ],
               [ 0.   , -0.031]], dtype=float32), array([-0.1, -0.1], dtype=float32))
    """

    def __init__(
        self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
        epsilon=1e-7, weight_decay=0.004, clipnorm=None, clipvalue=None, global_clipnorm=None,
        use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
        gradient_accumulation_steps=None, name=None, exclude_layers=None,
        exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1,
        momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2, **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        if isinstance(exclude_layers, str):
            raise ValueError(
                f"Expected a list of layer-name patterns for exclude_layers. Received: "
                f"exclude_layers={exclude_layers!r}. Pass a list such as [{exclude_layers!r}]."
            )
        if not isinstance(ns_steps, int) or isinstance(ns_steps, bool) or ns_steps < 0:
            raise ValueError(
                f"Expected an integer >= 0 for ns_steps. Received: ns_steps={ns_steps!r}"
            )
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable):
        if len(variable.shape) != 2:
            return True
        path = getattr(variable, "path", variable.name)
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def build(self, variables):
        """Allocate a momentum per variable, followed by a velocity for the AdamW ones."""
        if self.built:
            return
        variables = list(variables)
        super().build(variables)
        self._momentums, self._velocities = [], []
        for variable in variables:
            self._momentums.append(self.add_variable_from_reference(variable, "momentum"))
            self._velocities.append(
                self.add_variable_from_reference(variable, "velocity")
                if self._should_use_adamw(variable) else None
            )
        # Newton-Schulz scratch, shared by the Muon variables: two (k, n) iterates and three
        # (k, k) Gram matrices per dtype, with k <= n the sides of the variable.
        sizes = {}
        for variable, velocity in zip(variables, self._velocities):
            if velocity is None:
                k = min(variable.shape)
                old = sizes.get(variable.dtype, (0, 0))
                sizes[variable.dtype] = (max(old[0], variable.data.size), max(old[1], k * k))
        xp = array_module(*(v.data for v in variables)) if variables else np
        self._ns_work = {
            dtype: [xp.empty(size, dtype) for size in (iterate, iterate, gram, gram, gram)]
            for dtype, (iterate, gram) in sizes.items()
        }

    def update_step(self, gradient, variable, learning_rate):
        """One Muon or AdamW step on ``variable.data``, in place."""
        index = self._get_variable_index(variable)
        m, velocity = self._momentums[index].data, self._velocities[index]
        tmp = self._work(self._scratch, variable)
        if velocity is not None:
            t = self._update_count() + 1
            lr = learning_rate * self.adam_lr_ratio
            alpha = lr * math.sqrt(1 - self.adam_beta_2**t) / (1 - self.adam_beta_1**t)
            adam_step(variable.data, gradient, m, velocity.data, tmp, alpha, self.adam_beta_1,
                      self.adam_beta_2, self.epsilon)
            return
        np.multiply(m, self.momentum - 1, out=tmp)
        tmp += gradient
        m += tmp
        if self.nesterov:
            np.multiply(m, self.momentum, out=tmp)
            tmp += gradient
            direction = tmp
        else:
            direction = m
        update = self._newton_schulz(direction, self.ns_steps)
        scale = learning_rate
        if self.rms_rate is not None:
            scale *= math.sqrt(max(variable.shape)) * self.rms_rate
        update *= scale
        if not update.flags.c_contiguous:
            # A tall variable's update is a transposed view: copy it into the free scratch,
            # since a ufunc over a transposed input would buffer it.
            tmp[...] = update
            update = tmp
        variable.data -= update

    def _newton_schulz(self, x, steps, buffers=None):
        """`zeropower_via_newtonschulz5` of the 2-D `x` written into `buffers` (five flat
        arrays; the Newton-Schulz scratch of `build` by default): a view of one, shaped like x."""
        rows, cols = x.shape
        k, n = min(rows, cols), max(rows, cols)
        tall = rows > cols
        buffers = self._ns_work[x.dtype] if buffers is None else buffers
        x_a, x_b = (buf[: k * n].reshape(k, n) for buf in buffers[:2])
        gram, gram_2, gram_3 = (buf[: k * k].reshape(k, k) for buf in buffers[2:])
        # Scale the spectral norm to at most 1 (the Frobenius norm bounds it).
        # (Copy, then divide in place: a ufunc over a transposed input would buffer it.)
        x_a[...] = x.T if tall else x
        x_a /= np.linalg.norm(x) + 1e-7
        for _ in range(steps):
            # x = a x + (b A + (c A) A) x, with A = x x^T.
            np.matmul(x_a, x_a.T, out=gram)
            np.multiply(gram, self.muon_c, out=gram_2)
            np.matmul(gram_2, gram, out=gram_3)
            gram *= self.muon_b
            gram_3 += gram
            np.matmul(gram_3, x_a, out=x_b)
            x_a *= self.muon_a
            x_b += x_a
            x_a, x_b = x_b, x_a
        return x_a.T if tall else x_a

    def zeropower_via_newtonschulz5(self, x, steps):
        """Approximately orthogonalize the 2-D `x`: ``U S' V^T`` with ``S'`` near 1 for the SVD
        ``U S V^T`` of `x`, by `steps` quintic Newton-Schulz iterations with coefficients
        `muon_a`, `muon_b`, `muon_c` (the direction of each Muon step).

        Args:
            x: a 2-D float array.
            steps: the number of iterations.

        Example:
            >>> import numpy as np
            >>> from nnet.optimizers import Muon
            >>> x = np.array([[3.0, 0.0], [0.0, 0.5]], "float32")
            >>> np.diag(Muon().zeropower_via_newtonschulz5(x, 5)).round(2)
            array([0.71, 1.04], dtype=float32)
        """
        x = np.asarray(x)
        if x.ndim != 2 or not np.issubdtype(x.dtype, np.floating):
            raise ValueError(
                f"Expected a 2-D float array for x. Received: shape={x.shape}, "
                f"dtype={x.dtype}. Muon orthogonalizes 2-D variables only."
            )
        buffers = [np.empty(x.size, x.dtype) for _ in range(5)]
        return self._newton_schulz(x, steps, buffers).copy()

    def _apply_weight_decay(self, targets):
        learning_rate = None
        for variable in targets:
            if not self._use_weight_decay(variable):
                continue
            index = self._get_variable_index(variable)
            uses_adamw = self._velocities[index] is not None
            decay = self.adam_weight_decay if uses_adamw else self.weight_decay
            if decay is None:
                continue
            if learning_rate is None:
                learning_rate = self._get_current_learning_rate()
            variable.data *= 1.0 - decay * learning_rate

    def get_config(self):
        return {
            **super().get_config(),
            "adam_beta_1": self.adam_beta_1,
            "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon,
            "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a,
            "muon_b": self.muon_b,
            "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio,
            "momentum": self.momentum,
            "ns_steps": self.ns_steps,
            "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay,
            "rms_rate": self.rms_rate,
        }
