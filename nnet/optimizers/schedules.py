"""Learning-rate schedules: callables of the optimizer step that return the learning rate.

An optimizer given a schedule calls it with ``step = optimizer.iterations`` before each update.
Every schedule computes in the dtype of its ``initial_learning_rate`` (``floatx()`` for Python
numbers), as Keras does, so values agree with Keras to float32 rounding.
"""

import bisect
import math

import numpy as np

from nnet.backend import floatx
from nnet.utils.registry import Registry, serialize_object


def _dtype_of(value):
    # Keras converts Python numbers to floatx tensors; arrays keep their own float dtype.
    dtype = getattr(value, "dtype", None)
    return np.dtype(dtype) if dtype is not None and np.dtype(dtype).kind == "f" else np.dtype(
        floatx()
    )


def _cast(value, dtype):
    return np.asarray(value, dtype=dtype)[()]


def _check_decay_steps(name, value):
    if not value > 0:
        raise ValueError(
            f"Expected a positive number for {name}. Received: {name}={value!r}. "
            f"Pass the number of steps over which the learning rate decays."
        )


class LearningRateSchedule:
    """Base class of learning-rate schedules: subclasses implement `__call__(step)`.

    Subclasses also implement `get_config` so that an optimizer that uses them can be saved.

    Example:
        >>> from nnet.optimizers.schedules import LearningRateSchedule
        >>> class Halving(LearningRateSchedule):
        ...     def __call__(self, step):
        ...         return 1.0 / 2 ** step
        >>> Halving()(3)
        0.125
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self):
        """The constructor arguments as a dict."""
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in "
            f"order to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        """Rebuild a schedule from the output of `get_config`."""
        return cls(**config)


# Every built-in schedule registers itself here with ``@SCHEDULES.register``.
SCHEDULES = Registry("learning rate schedule", base=LearningRateSchedule,
                     module="keras.optimizers.schedules")
SCHEDULES.register(LearningRateSchedule)


@SCHEDULES.register
class ExponentialDecay(LearningRateSchedule):
    """Exponential decay: ``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    With ``staircase=True`` the exponent ``step / decay_steps`` is floored.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps per factor of `decay_rate`.
        decay_rate: the factor applied every `decay_steps` steps.
        staircase: decay in discrete intervals.
        name: the schedule's name.

    Example:
        >>> from nnet.optimizers.schedules import ExponentialDecay
        >>> float(ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)(20))
        0.02500000037252903
    """

    def __init__(
        self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
        name="ExponentialDecay",
    ):
        _check_decay_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        dtype = _dtype_of(self.initial_learning_rate)
        p = _cast(step, dtype) / _cast(self.decay_steps, dtype)
        if self.staircase:
            p = np.floor(p)
        return _cast(self.initial_learning_rate, dtype) * np.power(
            _cast(self.decay_rate, dtype), p
        )

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


@SCHEDULES.register
class PiecewiseConstantDecay(LearningRateSchedule):
    """Piecewise constant: ``values[i]`` for ``boundaries[i-1] < step <= boundaries[i]``.

    The rate is ``values[0]`` while ``step <= boundaries[0]`` and ``values[-1]`` once
    ``step > boundaries[-1]``.

    Args:
        boundaries: increasing list of step numbers.
        values: the learning rates, one more than `boundaries`.
        name: the schedule's name.

    Example:
        >>> from nnet.optimizers.schedules import PiecewiseConstantDecay
        >>> schedule = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
        >>> [float(schedule(s)) for s in (10, 11, 21)]
        [1.0, 0.5, 0.10000000149011612]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                f"Expected one more value than boundaries. Received: boundaries={boundaries} of "
                f"length {len(boundaries)} and values={values} of length {len(values)}. Pass "
                f"len(boundaries) + 1 values."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        index = bisect.bisect_left(list(self.boundaries), np.asarray(step)[()])
        return _cast(self.values[index], _dtype_of(self.values[0]))

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@SCHEDULES.register
class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from `initial_learning_rate` to `end_learning_rate` in `decay_steps`.

    ``(initial - end) * (1 - step / decay_steps) ** power + end`` with ``step`` capped at
    `decay_steps`; with ``cycle=True``, `decay_steps` is instead multiplied by
    ``ceil(step / decay_steps)`` so that the decay restarts.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps to reach `end_learning_rate`.
        end_learning_rate: the final learning rate.
        power: the power of the polynomial.
        cycle: restart the decay after `decay_steps`.
        name: the schedule's name.

    Example:
        >>> from nnet.optimizers.schedules import PolynomialDecay
        >>> float(PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.0)(5))
        0.5
    """

    def __init__(
        self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
        cycle=False, name="PolynomialDecay",
    ):
        _check_decay_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        dtype = _dtype_of(self.initial_learning_rate)
        initial = _cast(self.initial_learning_rate, dtype)
        end = _cast(self.end_learning_rate, dtype)
        step = _cast(step, dtype)
        decay_steps = _cast(self.decay_steps, dtype)
        if self.cycle:
            multiplier = 1.0 if step == 0 else np.ceil(step / decay_steps)
            decay_steps = decay_steps * _cast(multiplier, dtype)
        else:
            step = np.minimum(step, decay_steps)
        p = step / decay_steps
        return (initial - end) * np.power(1 - p, _cast(self.power, dtype)) + end

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


@SCHEDULES.register
class InverseTimeDecay(LearningRateSchedule):
    """Inverse time decay: ``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    With ``staircase=True`` the ratio ``step / decay_steps`` is floored.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps per unit of decay.
        decay_rate: the decay rate.
        staircase: decay in discrete intervals.
        name: the schedule's name.

    Example:
        >>> from nnet.optimizers.schedules import InverseTimeDecay
        >>> float(InverseTimeDecay(1.0, decay_steps=1, decay_rate=0.5)(2))
        0.5
    """

    def __init__(
        self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
        name="InverseTimeDecay",
    ):
        _check_decay_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        dtype = _dtype_of(self.initial_learning_rate)
        p = _cast(step, dtype) / _cast(self.decay_steps, dtype)
        if self.staircase:
            p = np.floor(p)
        denominator = _cast(1, dtype) + _cast(self.decay_rate, dtype) * p
        return _cast(self.initial_learning_rate, dtype) / denominator

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


def _cosine(fraction, alpha, dtype, peak=1.0):
    cosine = 0.5 * peak * (1.0 + np.cos(_cast(math.pi, dtype) * fraction))
    return (1 - alpha) * cosine + alpha


@SCHEDULES.register
class CosineDecay(LearningRateSchedule):
    """Cosine decay with an optional linear warmup.

    Warmup (``step < warmup_steps``, only when `warmup_target` is set):
    ``initial + (warmup_target - initial) * step / warmup_steps``. Decay afterwards, from
    ``peak = warmup_target or initial_learning_rate``:
    ``peak * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)`` where ``s`` counts
    steps since the warmup, capped at `decay_steps`.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps to decay over.
        alpha: the final learning rate as a fraction of the peak.
        name: the schedule's name.
        warmup_target: the learning rate reached at the end of the warmup, or None for no warmup.
        warmup_steps: the number of warmup steps.

    Example:
        >>> from nnet.optimizers.schedules import CosineDecay
        >>> schedule = CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=10)
        >>> [round(float(schedule(s)), 6) for s in (5, 10, 15, 20)]
        [0.5, 1.0, 0.5, 0.0]
    """

    def __init__(
        self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
        warmup_target=None, warmup_steps=0,
    ):
        _check_decay_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def __call__(self, step):
        dtype = _dtype_of(self.initial_learning_rate)
        initial = _cast(self.initial_learning_rate, dtype)
        decay_steps = _cast(self.decay_steps, dtype)
        step = _cast(step, dtype)
        if self.warmup_target is None:
            step = np.minimum(step, decay_steps)
            return initial * _cosine(step / decay_steps, self.alpha, dtype)
        target = _cast(self.warmup_target, dtype)
        warmup_steps = _cast(self.warmup_steps, dtype)
        step = np.minimum(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (target - initial) * (step / warmup_steps) + initial
        return target * _cosine((step - warmup_steps) / decay_steps, self.alpha, dtype)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


@SCHEDULES.register
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR).

    The first period lasts `first_decay_steps`; period ``i`` lasts ``t_mul**i`` times as long
    and peaks at ``m_mul**i * initial_learning_rate``. Within a period of completed fraction
    ``f``: ``peak * ((1 - alpha) * 0.5 * (1 + cos(pi * f)) + alpha)``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        first_decay_steps: positive number of steps in the first period.
        t_mul: the factor by which each period is longer than the previous one.
        m_mul: the factor by which each period's peak is scaled from the previous one.
        alpha: the minimum learning rate as a fraction of `initial_learning_rate`.
        name: the schedule's name.

    Example:
        >>> from nnet.optimizers.schedules import CosineDecayRestarts
        >>> schedule = CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=1.0)
        >>> [round(float(schedule(s)), 6) for s in (0, 5, 10)]
        [1.0, 0.5, 1.0]
    """

    def __init__(
        self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
        name="SGDRDecay",
    ):
        _check_decay_steps("first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        dtype = _dtype_of(self.initial_learning_rate)
        t_mul = _cast(self._t_mul, dtype)
        fraction = _cast(step, dtype) / _cast(self.first_decay_steps, dtype)
        if t_mul == 1.0:
            restart = np.floor(fraction)
            fraction = fraction - restart
        else:
            # Period i starts after (1 - t_mul**i) / (1 - t_mul) first periods.
            restart = np.floor(np.log(1.0 - fraction * (1.0 - t_mul)) / np.log(t_mul))
            start = (1.0 - np.power(t_mul, restart)) / (1.0 - t_mul)
            fraction = (fraction - start) / np.power(t_mul, restart)
        peak = np.power(_cast(self._m_mul, dtype), restart)
        decayed = _cosine(fraction, _cast(self.alpha, dtype), dtype, peak)
        return _cast(self.initial_learning_rate, dtype) * decayed

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


def serialize(learning_rate_schedule):
    """Keras's JSON form of a schedule: ``{module, class_name, config, registered_name}``.

    Example:
        >>> from nnet.optimizers import schedules
        >>> schedules.serialize(schedules.ExponentialDecay(0.1, 10, 0.9))["class_name"]
        'ExponentialDecay'
    """
    return serialize_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """Rebuild a schedule from the output of `serialize`.

    Args:
        config: ``{"class_name": ..., "config": {...}}``.
        custom_objects: optional mapping of names to user-defined schedule classes.

    Example:
        >>> from nnet.optimizers import schedules
        >>> config = {"class_name": "InverseTimeDecay",
        ...           "config": {"initial_learning_rate": 1.0, "decay_steps": 1, "decay_rate": 1.0}}
        >>> float(schedules.deserialize(config)(1))
        0.5
    """
    return SCHEDULES.deserialize(config, custom_objects)
