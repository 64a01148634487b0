"""One optimizer step, over the flat arrays of a `ParameterBuffer` when it can.

An elementwise optimizer (see `Optimizer.elementwise`) built on variables of one dtype lays its
state out end to end, in the order of its variables: each slot list shares one flat array (its
slot Variables are views into it, so `Optimizer.variables` and the saved state are the same as
per variable), and so do its scratch and gradient arrays. A step then runs once over the flat
arrays (one `update_step` call, with the flat gradient and the buffer, whose ``data`` is the
flat weights) when the variables are exactly those of an intact `ParameterBuffer`, in the
optimizer's order, and each one received a gradient. Otherwise (variables of several dtypes,
a subset of the variables, variables laid out elsewhere or whose ``data`` was replaced) the step
runs once per variable, on the same slots. Loss scaling, gradient accumulation, clipping,
weight decay and the moving average run over the same targets: the buffer, or the variables.
"""

import operator

import numpy as np

from nnet.autodiff.buffer import ParameterBuffer, end_to_end_views
from nnet.backend import array_module
from nnet.optimizers.gradients import clip_gradients, flat_views


class WorkArrays:
    """Arrays an optimizer writes into during a step, one per variable: views into one flat
    array, `flat`, when the optimizer updates flat (else `flat` is None).

    Args:
        variables: the optimizer's variables.
        flat: lay the arrays out end to end in one flat array.
        shared: when not flat, whether the arrays may share memory (scratch used by one variable
            at a time) rather than each having its own span.

    Example:
        >>> import nnet
        >>> work = WorkArrays([nnet.Variable([1.0, 2.0]), nnet.Variable([3.0])], True, False)
        >>> work.flat.shape, [v.shape for v in work.views]
        ((3,), [(2,), (1,)])
    """

    __slots__ = ("flat", "views")

    def __init__(self, variables, flat, shared):
        arrays = [v.data for v in variables]
        if flat:
            self.flat = array_module(*arrays).empty(sum(a.size for a in arrays), arrays[0].dtype)
            self.views = end_to_end_views(self.flat, arrays)
        else:
            self.flat = None
            self.views = flat_views(arrays, disjoint=not shared)


def declares_elementwise(cls):
    """Whether `cls`'s update_step is elementwise: the `elementwise` attribute of the class that
    defines update_step or of a subclass of it (an override of update_step does not inherit it).
    """
    for klass in cls.__mro__:
        if "elementwise" in vars(klass):
            return bool(klass.elementwise)
        if "update_step" in vars(klass):
            return False
    return False


class OptimizerStep:
    """What `Optimizer.apply` does with checked gradients: pick the targets (the buffer or the
    variables), then scale, accumulate, clip, decay, update, and average; mixed into Optimizer.
    """

    # Whether update_step treats every element on its own, so that it can run once over all
    # variables laid end to end. A subclass whose update_step looks at whole variables (norms,
    # shapes) leaves it False; one that overrides update_step must declare it again.
    elementwise = False

    def _lay_out(self, variables):
        """Decide, at build time, whether this optimizer's state is laid out flat."""
        self._flat = (bool(variables) and len({v.dtype for v in variables}) == 1
                      and declares_elementwise(type(self)))
        self._grad_work = None

    def _lay_out_slots(self, variables, slot_lists):
        """Lay each list of slots (one per variable of `variables`) end to end when flat."""
        variables = list(variables)
        if self._flat and len(variables) == len(self._trainable_variables) and all(
            v is u for v, u in zip(variables, self._trainable_variables)
        ):
            for slots in slot_lists:
                ParameterBuffer(slots)

    def _targets(self, grads, variables):
        """``([flat gradient], [buffer])`` when this step can run flat, else the arguments."""
        mine = self._trainable_variables
        if not self._flat or len(variables) != len(mine):
            return grads, variables
        # The slots follow this optimizer's order: the buffer must hold the same one.
        buffer = variables[0]._buffer
        same = all(map(operator.is_, variables, mine))
        if not same or buffer is None or not buffer.holds(variables):
            return grads, variables
        if all(map(operator.is_, grads, buffer.grad_views)):
            return [buffer.grad], [buffer]
        work = self._gradient_work()
        for g, view in zip(grads, work.views):
            view[...] = g
        return [work.flat], [buffer]

    def _slot(self, slots, target):
        """The array of `target`'s slot in `slots` (a list from `add_optimizer_variables`): the
        flat slot array when `target` is the buffer."""
        if type(target) is ParameterBuffer:
            return slots[0].buffer.data
        return slots[self._get_variable_index(target)].data

    def _work(self, arrays, target):
        """`target`'s array in `arrays` (`WorkArrays`): the flat one when it is the buffer."""
        if type(target) is ParameterBuffer:
            return arrays.flat
        return arrays.views[self._get_variable_index(target)]

    def _gradient_work(self):
        # Allocated on first use: only scaling, accumulation, clipping and gradients that are
        # not the buffer's need them.
        if self._grad_work is None:
            self._grad_work = WorkArrays(self._trainable_variables, self._flat, shared=False)
        return self._grad_work

    def _step(self, grads, trainable_variables):
        grads, targets = self._targets(grads, trainable_variables)
        if self.loss_scale_factor is not None:
            work = self._gradient_work()
            grads = [np.divide(g, self.loss_scale_factor, out=self._work(work, t))
                     for g, t in zip(grads, targets)]
        steps = self.gradient_accumulation_steps
        if steps:
            accumulators = [self._slot(self._accumulated_gradients, t) for t in targets]
            if (int(self._iterations.data) + 1) % steps == 0:
                work = self._gradient_work()
                grads = [np.add(g, acc, out=self._work(work, t))
                         for g, acc, t in zip(grads, accumulators, targets)]
                for g in grads:
                    g /= steps
                self._update(grads, targets)
                for acc in self._accumulated_gradients:
                    acc.data.fill(0)
            else:
                for g, acc in zip(grads, accumulators):
                    acc += g
        else:
            self._update(grads, targets)
        if self.use_ema:
            flat = type(targets[0]) is ParameterBuffer
            self._update_model_variables_moving_average(
                targets if flat else self._trainable_variables
            )
            frequency = self.ema_overwrite_frequency
            if frequency and (self._update_count() + 1) % frequency == 0:
                self._overwrite_model_variables_with_average_value(self._trainable_variables)

    def _update(self, grads, targets):
        grads = self._clip_gradients(grads, targets)
        self._apply_weight_decay(targets)
        learning_rate = self._get_current_learning_rate()
        for g, target in zip(grads, targets):
            self.update_step(g, target, learning_rate)

    def _clip_gradients(self, grads, targets):
        limits = (self.clipnorm, self.clipvalue, self.global_clipnorm)
        if not any(limit and limit > 0 for limit in limits):
            return grads
        work = self._gradient_work()
        if self.clipnorm and self.clipnorm > 0 and type(targets[0]) is ParameterBuffer:
            # One norm per variable: clip the views of the flat gradient.
            clip_gradients(targets[0].views(grads[0]), self._scratch.views, work.views, *limits)
            return [work.flat]
        scratch = [self._work(self._scratch, t) for t in targets]
        return clip_gradients(grads, scratch, [self._work(work, t) for t in targets], *limits)

    def _apply_weight_decay(self, targets):
        if self.weight_decay is None:
            return
        factor = 1.0 - self.weight_decay * self._get_current_learning_rate()
        if type(targets[0]) is ParameterBuffer:
            members = targets[0].variables
            decayed = [v for v in members if self._use_weight_decay(v)]
            if len(decayed) == len(members):
                decayed = targets
        else:
            decayed = [v for v in targets if self._use_weight_decay(v)]
        for target in decayed:
            target.data *= factor

    def _update_model_variables_moving_average(self, targets):
        # The first average is the weights themselves.
        momentum = self.ema_momentum if self._update_count() != 0 else 0.0
        for target in targets:
            average = self._slot(self._model_variables_moving_average, target)
            average *= momentum
            average += np.multiply(target.data, 1.0 - momentum,
                                   out=self._work(self._scratch, target))

    def _overwrite_model_variables_with_average_value(self, variables):
        averages = self._model_variables_moving_average
        if len(variables) != len(self._trainable_variables):
            raise ValueError(
                f"Expected the {len(self._trainable_variables)} variables the optimizer was built "
                f"on. Received {len(variables)} variables. Pass the model's trainable variables."
            )
        for v, average in zip(variables, averages):
            v.assign(average.data)
