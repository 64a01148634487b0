"""nnet.training: what `Model` trains with: the `Trainer` mixin (compile, fit, evaluate, predict
and the steps), the data pipeline that turns arrays and datasets into batches, and the compiled
loss and metrics.

Example:
    >>> from nnet.training import pack_x_y_sample_weight, unpack_x_y_sample_weight
    >>> unpack_x_y_sample_weight(pack_x_y_sample_weight([1, 2], [0, 1]))
    ([1, 2], [0, 1], None)
"""

from nnet.training.compile_utils import CompileLoss, CompileMetrics
from nnet.training.data import PyDataset, pack_x_y_sample_weight, unpack_x_y_sample_weight
from nnet.training.trainer import Trainer

__all__ = [
    "CompileLoss", "CompileMetrics", "PyDataset", "Trainer", "pack_x_y_sample_weight",
    "unpack_x_y_sample_weight",
]
