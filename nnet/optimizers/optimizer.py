"""The optimizer base class: slots, clipping, weight decay, EMA, gradient accumulation, schedules.

Subclasses implement `build` (allocate their slots with `add_optimizer_variables`) and
`update_step(gradient, variable, learning_rate)`, which updates ``variable.data`` in place.
Updates run every training step, so they write through NumPy ``out=`` arguments into slots and
into scratch buffers allocated once in `build`; gradients are only ever read. How a step runs,
once over a `ParameterBuffer` or once per variable, is in `nnet.optimizers.step`.
"""

import inspect
import numbers
import re
import warnings

import numpy as np

from nnet.autodiff.tensor import Tensor, Variable
from nnet.backend import asarray, floatx
from nnet.naming import to_snake_case, uniquify
from nnet.optimizers import schedules
from nnet.optimizers.gradients import check_gradients
from nnet.optimizers.step import OptimizerStep, WorkArrays
from nnet.utils.registry import Registry, serialize_object


def _takes_step(fn):
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return any(p.kind in positional or p.kind == inspect.Parameter.VAR_POSITIONAL
               for p in parameters)


def not_built_error():
    """The error of an unbuilt optimizer asked to apply gradients without their variables."""
    return ValueError(
        "The optimizer is not built, so it does not know which variables the gradients belong "
        "to. Pass trainable_variables, or call optimizer.build(trainable_variables) first."
    )


class Optimizer(OptimizerStep):
    """Base class of optimizers, with the options every Keras optimizer shares.

    Per step, for the variables that received a gradient: divide by `loss_scale_factor`,
    accumulate (`gradient_accumulation_steps`), clip, apply decoupled weight decay
    ``w -= w * weight_decay * lr``, run `update_step`, update the EMA of the weights, apply each
    variable's constraint, and increment `iterations`. An `elementwise` optimizer whose
    variables form a `nnet.autodiff.ParameterBuffer` runs the step once over the buffer's flat
    arrays when every variable received a gradient. `fit` lays a model's trainable variables out
    in one; a custom training loop can do the same with
    ``ParameterBuffer(model.trainable_variables)`` (and call its `zero_grad` before each
    backward).

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable returning the rate (called
            with the step when it takes an argument, else with none).
        weight_decay: decoupled weight decay, or None.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global L2 norm.
        use_ema: keep an exponential moving average of the weights.
        ema_momentum: ``average = ema_momentum * average + (1 - ema_momentum) * weight``.
        ema_overwrite_frequency: every this many steps, overwrite the weights with the average;
            None leaves that to `finalize_variable_values`.
        loss_scale_factor: the loss is multiplied by it (`scale_loss`) and gradients divided by it.
        gradient_accumulation_steps: update every this many steps with the mean gradient.
        name: the optimizer's name; defaults to the snake_case class name.

    Example:
        >>> import numpy as np
        >>> from nnet.autodiff import Variable
        >>> from nnet.optimizers import SGD
        >>> w = Variable([1.0, 2.0])
        >>> opt = SGD(learning_rate=0.5)
        >>> _ = opt.apply_gradients([(np.array([1.0, 1.0], "float32"), w)])
        >>> w.numpy(), int(opt.iterations)
        (array([0.5, 1.5], dtype=float32), 1)
    """

    def __init__(
        self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
        global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
        loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs,
    ):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          stacklevel=2)
        if kwargs:
            raise ValueError(
                f"Argument(s) not recognized: {kwargs}. Remove them or check their spelling."
            )
        if gradient_accumulation_steps is not None and not (
            isinstance(gradient_accumulation_steps, int) and gradient_accumulation_steps >= 2
        ):
            raise ValueError(
                f"Expected an integer >= 2 for gradient_accumulation_steps. Received: "
                f"gradient_accumulation_steps={gradient_accumulation_steps!r}. Pass None to "
                f"update at every step."
            )
        if use_ema and not 0 <= ema_momentum <= 1:
            raise ValueError(
                f"Expected ema_momentum in [0, 1]. Received: ema_momentum={ema_momentum!r}"
            )
        if use_ema and ema_overwrite_frequency is not None and not (
            isinstance(ema_overwrite_frequency, int) and ema_overwrite_frequency >= 1
        ):
            raise ValueError(
                f"Expected an integer >= 1 or None for ema_overwrite_frequency. Received: "
                f"ema_overwrite_frequency={ema_overwrite_frequency!r}"
            )
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                f"Only one of clipnorm, clipvalue and global_clipnorm can be set. Received: "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        self.name = name if name is not None else uniquify(to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._trainable_variables_indices = {}
        self._scratch = None
        self._flat = False
        self._grad_work = None
        self.exclude_from_weight_decay()
        self._iterations = self._named(
            Variable(0, trainable=False, name="iteration", dtype="int32")
        )
        self._learning_rate = None
        self.learning_rate = learning_rate

    def _named(self, variable):
        variable.path = f"{self.name}/{variable.name}"
        return variable

    @property
    def iterations(self):
        """The number of updates applied so far (steps // `gradient_accumulation_steps`)."""
        if self.gradient_accumulation_steps:
            return Tensor(self._iterations.data // self.gradient_accumulation_steps)
        return self._iterations

    def _update_count(self):
        steps = self.gradient_accumulation_steps
        count = int(self._iterations.data)
        return count // steps if steps else count

    @property
    def learning_rate(self):
        """The learning rate, as in Keras: the Variable holding it (``.value``, ``.assign``,
        ``float()``), or for a schedule or callable its current value as a Tensor."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr
        return Tensor(np.asarray(self._get_current_learning_rate(), dtype=floatx()))

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if callable(learning_rate):
            self._learning_rate = learning_rate
            self._lr_takes_step = _takes_step(learning_rate)
            return
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a LearningRateSchedule as its learning_rate, so "
                "its learning rate cannot be set. Create the optimizer with a float "
                "learning_rate to be able to set it."
            )
        if isinstance(learning_rate, (Tensor, np.ndarray)) and learning_rate.shape == ():
            learning_rate = float(learning_rate)
        if not isinstance(learning_rate, numbers.Real) or isinstance(learning_rate, bool):
            raise ValueError(
                f"Expected a float, a LearningRateSchedule or a callable for learning_rate. "
                f"Received: learning_rate={learning_rate!r}"
            )
        if isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(learning_rate)
        else:
            self._learning_rate = self._named(
                Variable(learning_rate, trainable=False, name="learning_rate", dtype=floatx())
            )

    def _get_current_learning_rate(self):
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return float(lr.data)
        # Keras calls schedules with the raw step count, even under gradient accumulation.
        return float(lr(int(self._iterations.data)) if self._lr_takes_step else lr())

    @property
    def variables(self):
        """The optimizer's state in Keras order: iterations, learning_rate, then the slots."""
        head = [self._iterations]
        if isinstance(self._learning_rate, Variable):
            head.append(self._learning_rate)
        return head + self._variables

    def build(self, variables):
        """Allocate the state for `variables`: EMA averages, accumulators, scratch buffers.

        Subclasses call ``super().build(variables)`` first, then add their slots.
        """
        variables = list(variables)
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(variables)}
        self._trainable_variables = variables
        self._lay_out(variables)
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                variables, "average"
            )
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(
                variables, "gradient_accumulator"
            )
        self._scratch = self.scratch_buffers()
        self.built = True

    def scratch_buffers(self):
        """Scratch arrays for update_step, one per variable (`WorkArrays`; look one up with
        ``self._work(arrays, variable)``): views into one flat array when the optimizer updates
        flat, else arrays that may share memory, so use one at a time."""
        return WorkArrays(self._trainable_variables, self._flat, shared=True)

    def _get_variable_index(self, variable):
        return self._trainable_variables_indices[id(variable)]

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     layout=None, name=None):
        """Create and track an optimizer variable of `shape`.

        Args:
            shape: the variable's shape.
            initializer: ``"zeros"``, ``"ones"``, a number (a constant) or a callable
                ``(shape, dtype) -> array``.
            dtype: the dtype; `floatx()` by default.
            aggregation: accepted for Keras compatibility; unused.
            layout: accepted for Keras compatibility; unused.
            name: the variable's name.
        """
        dtype = dtype or floatx()
        if callable(initializer):
            value = initializer(shape, dtype=dtype)
        else:
            value = np.full(shape, {"zeros": 0, "ones": 1}.get(initializer, initializer), dtype)
        variable = Variable(asarray(value), trainable=False, name=name or "variable", dtype=dtype)
        return self._track(variable)

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """Create and track a slot of the shape and dtype of `reference_variable`.

        Its name is ``<reference path with / as _>_<name>``, e.g. ``dense_kernel_momentum``.
        """
        path = getattr(reference_variable, "path", reference_variable.name)
        name = f"{path.replace('/', '_')}_{name or 'var'}"
        return self.add_variable(reference_variable.shape, initializer, reference_variable.dtype,
                                 name=name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable for each name in `name`, interleaved per variable.

        A list of names gives a tuple of lists, created in the order ``n0(w0), n1(w0), n0(w1)``.
        When the optimizer updates flat, each list's slots are views into one flat array (a
        `ParameterBuffer` of slots); look a slot's array up with ``self._slot(slots, variable)``.
        """
        names = [name] if isinstance(name, str) else list(name)
        slots = tuple([] for _ in names)
        for variable in trainable_variables:
            for slot_list, slot_name in zip(slots, names):
                slot_list.append(self.add_variable_from_reference(variable, slot_name,
                                                                  initializer))
        self._lay_out_slots(trainable_variables, slots)
        return slots[0] if isinstance(name, str) else slots

    def _track(self, variable):
        self._variables.append(self._named(variable))
        return variable

    def update_step(self, gradient, variable, learning_rate):
        """Update ``variable.data`` in place from `gradient`; implemented by each optimizer.

        For an `elementwise` optimizer, `variable` may also be a `ParameterBuffer` and `gradient`
        the flat gradient of all its variables: ``self._slot`` and ``self._work`` give the
        matching flat slot and scratch arrays.
        """
        raise NotImplementedError(
            f"Optimizer '{type(self).__name__}' must override "
            f"`update_step(self, gradient, variable, learning_rate)`."
        )

    def apply_gradients(self, grads_and_vars):
        """Apply ``(gradient, variable)`` pairs; returns `iterations`."""
        grads_and_vars = list(grads_and_vars)
        if grads_and_vars:
            grads, variables = zip(*grads_and_vars)
            self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Apply `grads` to `trainable_variables` (or to the variables the optimizer was built on).

        The first call builds the optimizer. Variables whose gradient is None are skipped.
        """
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise not_built_error()
            if len(grads) != len(self._trainable_variables):
                raise ValueError(
                    f"Expected one gradient per variable the optimizer was built on "
                    f"({len(self._trainable_variables)}). Received {len(grads)} gradients."
                )
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
            for v in trainable_variables:
                if id(v) not in self._trainable_variables_indices:
                    raise ValueError(
                        f"Unknown variable: {v}. This optimizer can only update the variables "
                        f"it was built with. Create a new optimizer for new variables."
                    )
        grads, trainable_variables = check_gradients(grads, trainable_variables)
        if any(v.overwrite_with_gradient for v in trainable_variables):
            grads, trainable_variables = self._overwrite_with_gradients(grads,
                                                                        trainable_variables)
        if grads:
            self._step(grads, trainable_variables)
        for v in trainable_variables:
            v._version += 1
            if getattr(v, "constraint", None) is not None:
                v.assign(v.constraint(v.data))
        self._iterations.data += 1

    def _overwrite_with_gradients(self, grads, variables):
        """Set the variables flagged `overwrite_with_gradient` to their gradients (under
        gradient accumulation, to the running maximum at each update step, as Keras), and
        return the other pairs."""
        kept_grads, kept_variables = [], []
        steps = self.gradient_accumulation_steps
        for g, v in zip(grads, variables):
            if not v.overwrite_with_gradient:
                kept_grads.append(g)
                kept_variables.append(v)
            elif steps:
                accumulator = self._accumulated_gradients[self._get_variable_index(v)]
                largest = np.maximum(g, accumulator.data)
                if (int(self._iterations.data) + 1) % steps == 0:
                    v.assign(largest)
                    accumulator.data.fill(0)
                else:
                    accumulator.assign(largest)
            else:
                v.assign(g)
        return kept_grads, kept_variables

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables from weight decay.

        Args:
            var_list: variables to exclude.
            var_names: substrings (regular expressions); a variable whose name contains any of
                them is excluded, e.g. ``["bias"]``.

        Example:
            >>> import numpy as np
            >>> from nnet.autodiff import Variable
            >>> from nnet.optimizers import AdamW
            >>> kernel, bias = Variable([2.0], name="kernel"), Variable([2.0], name="bias")
            >>> opt = AdamW(learning_rate=0.1, weight_decay=0.5)
            >>> opt.exclude_from_weight_decay(var_names=["bias"])
            >>> opt.apply([np.zeros(1, "float32")] * 2, [kernel, bias])
            >>> kernel.numpy(), bias.numpy()
            (array([1.9], dtype=float32), array([2.], dtype=float32))
        """
        self._exclude_from_weight_decay = {id(v) for v in var_list or ()}
        self._exclude_from_weight_decay_pattern = (
            re.compile("|".join(set(var_names))) if var_names else None
        )
        self._exclude_from_weight_decay_cache = {}

    def _use_weight_decay(self, variable):
        key = id(variable)
        use = self._exclude_from_weight_decay_cache.get(key)
        if use is None:
            pattern = self._exclude_from_weight_decay_pattern
            use = key not in self._exclude_from_weight_decay and (
                pattern is None or pattern.search(variable.name) is None
            )
            self._exclude_from_weight_decay_cache[key] = use
        return use

    def finalize_variable_values(self, var_list):
        """At the end of training, set the variables to their moving average when `use_ema`."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(list(var_list))

    def scale_loss(self, loss):
        """The loss multiplied by `loss_scale_factor` (unchanged when it is None)."""
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    def set_weights(self, weights):
        """Set the values of `variables` from a list of arrays."""
        if not self.built:
            raise ValueError(
                "The optimizer is not built, so it has no weights to set. Call "
                "optimizer.build(trainable_variables) first."
            )
        for variable, weight in zip(self.variables, weights):
            variable.assign(weight)

    def save_own_variables(self, store):
        """Write `variables` into `store` under the keys ``"0"``, ``"1"``, ..."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Read `variables` back from `store`; warns and skips when the counts differ."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            hint = " The optimizer has not been built yet." if not self.built else ""
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(variables)} variables whereas the saved optimizer has "
                f"{len(store.keys())} variables.{hint}",
                stacklevel=2,
            )
            return
        for i, variable in enumerate(variables):
            variable.assign(np.asarray(store[str(i)]))

    def get_config(self):
        """The constructor arguments as a dict, with Keras's keys."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            learning_rate = schedules.serialize(lr)
        elif isinstance(lr, Variable):
            learning_rate = float(lr.data)
        else:
            learning_rate = serialize_object(lr)
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an optimizer (without its state) from the output of `get_config`."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects)
        return cls(**config)


# Every built-in optimizer registers itself here with ``@OPTIMIZERS.register``. Keras looks
# optimizers up by the lowercased class name ("adamw", "rmsprop").
OPTIMIZERS = Registry("optimizer", base=Optimizer, module="keras.optimizers",
                      snake_case=False)
OPTIMIZERS.register(Optimizer)
