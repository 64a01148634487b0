"""AdamW: Adam with decoupled weight decay."""

from nnet.optimizers.adam import Adam
from nnet.optimizers.optimizer import OPTIMIZERS


@OPTIMIZERS.register
class AdamW(Adam):
    """Adam with decoupled weight decay: ``w -= w * weight_decay * lr`` before each Adam step.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
        weight_decay: the decoupled weight decay (required).
        beta_1: decay rate of the first-moment estimate.
        beta_2: decay rate of the second-moment estimate.
        epsilon: small constant for numerical stability.
        amsgrad: use the AMSGrad variant.
        **kwargs: the options shared by all optimizers (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import AdamW
        >>> w = Variable([2.0])
        >>> AdamW(learning_rate=0.1, weight_decay=0.5).apply([np.zeros(1, "float32")], [w])
        >>> w.numpy()
        array([1.9], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
        if self.weight_decay is None:
            raise ValueError(
                "Expected a float for weight_decay. Received: weight_decay=None. Use Adam for "
                "no weight decay."
            )
