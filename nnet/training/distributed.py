"""What the trainer does differently in a data-parallel job (`nnet.distribution`): the scope of
fit, evaluate and predict, the weights from rank 0, the metrics' summed states, and sharding and
gathering batches. Outside such a job each of these leaves things as they are.

While a trainer method runs, ``model._data_parallel`` is the `DataParallel` of a job of several
processes, or None; every process calls these at the same points, since most communicate.
"""

import contextlib
import functools

from nnet import backend
from nnet.distribution.distribution_lib import data_parallel
from nnet.training import data
from nnet.training.compile_utils import CompileMetrics


def own_scope(method):
    """Run a trainer method with `backend.rng()` drawing from the model's own stream and, in a
    data-parallel job, with the distribution at hand (``model._data_parallel``) and batch
    statistics summed over the processes."""

    @functools.wraps(method)
    def wrapper(model, *args, **kwargs):
        previous, model._data_parallel = model._data_parallel, data_parallel()
        summing = contextlib.nullcontext() if model._data_parallel is None else \
            backend.summing_across_processes(model._data_parallel.sum_across)
        try:
            with backend.use_stream(model._random_stream), summing:
                return method(model, *args, **kwargs)
        finally:
            model._data_parallel = previous

    return wrapper


def sync_weights(model):
    """Give every process rank 0's weights."""
    if model._data_parallel is None:
        return
    if not model.built:
        raise ValueError(
            "In a data-parallel job the model must be built before it trains, evaluates or "
            "predicts, so that every process starts from rank 0's weights. Model "
            f"{model.name!r} is unbuilt: start it with an Input, or call model.build(shape)."
        )
    model._data_parallel.broadcast_variables(model.weights)


def metric_states_summed(model):
    """A context within which the state of every metric of `model` is its sum over the
    processes (every built-in metric's state is a sum over samples)."""
    if model._data_parallel is None:
        return contextlib.nullcontext()
    states = [v.data for metric in model.metrics
              for m in (metric.all_metrics if isinstance(metric, CompileMetrics) else [metric])
              for v in m.variables]
    return model._data_parallel.summed(states)


def shard(model, structure):
    """This process's rows of a batch."""
    return structure if model._data_parallel is None else model._data_parallel.shard(structure)


def gathered(model, outputs):
    """The per-batch `outputs` of every process, each batch's parts joined in rank order (the
    rows of the global batches, in order)."""
    if model._data_parallel is None:
        return outputs
    return [data.concatenate_batches(parts)
            for parts in zip(*model._data_parallel.gather(outputs))]
