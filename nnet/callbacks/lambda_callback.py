"""`LambdaCallback`: a callback made of plain functions."""

from nnet.callbacks.callback import Callback


class LambdaCallback(Callback):
    """A callback whose hooks are the functions given.

    `on_epoch_begin`/`on_epoch_end` are called as ``f(epoch, logs)``, `on_train_begin`/
    `on_train_end` as ``f(logs)``, and the batch hooks as ``f(batch, logs=logs)``. Any other hook
    of `Callback` can be passed by name in `kwargs`.

    Args:
        on_epoch_begin, on_epoch_end, on_train_begin, on_train_end, on_train_batch_begin,
        on_train_batch_end: the functions, or None.
        **kwargs: other hooks, e.g. ``on_test_end=f``.

    Example:
        >>> callback = LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
        >>> callback.on_epoch_end(4, {"loss": 0.5})
        4 0.5
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        unknown = sorted(
            name for name in kwargs if not (name.startswith("on_") and hasattr(Callback, name))
        )
        if unknown:
            hooks = sorted(name for name in dir(Callback) if name.startswith("on_"))
            raise ValueError(
                f"Unrecognized hooks passed to LambdaCallback: {unknown}. "
                f"The hooks are: {hooks}."
            )
        hooks = dict(kwargs, on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)
