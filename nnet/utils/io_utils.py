"""Where nnet's messages go: the progress bars, summaries and callback messages go through
`print_msg`, to ``sys.stdout`` while interactive logging is on (the default) and to Python's
`logging` (logger ``"nnet"``, level INFO) when it is off, as Keras sends them to absl's logging.
"""

import logging
import sys

_INTERACTIVE_LOGGING = True
_LOGGER = logging.getLogger("nnet")


def enable_interactive_logging():
    """Send progress bars and messages to stdout (the default), for shells and notebooks.

    Example:
        >>> enable_interactive_logging(); is_interactive_logging_enabled()
        True
    """
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = True


def disable_interactive_logging():
    """Send progress bars and messages to Python's `logging` (logger ``"nnet"``, INFO), for
    jobs that run unattended.

    Example:
        >>> disable_interactive_logging(); is_interactive_logging_enabled()
        False
        >>> enable_interactive_logging()
    """
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = False


def is_interactive_logging_enabled():
    """Whether messages go to stdout (True) or to Python's `logging` (False).

    Example:
        >>> is_interactive_logging_enabled()
        True
    """
    return _INTERACTIVE_LOGGING


def print_msg(message, line_break=True):
    """Write a message to the current ``sys.stdout`` and flush it, or, with interactive logging
    off, log it at INFO level to the ``"nnet"`` logger (Keras's ``io_utils.print_msg``).

    ``sys.stdout`` is looked up at each call, so redirections made after import (pytest's
    ``capsys``, ``contextlib.redirect_stdout``) see the text.

    Args:
        message: the text; converted with `str`.
        line_break: whether to end the text with a newline (on stdout).

    Example:
        >>> print_msg("Epoch 1/3")
        Epoch 1/3
    """
    message = str(message)
    if not _INTERACTIVE_LOGGING:
        _LOGGER.info(message)
        return
    message = f"{message}\n" if line_break else message
    stream = sys.stdout
    try:
        stream.write(message)
    except UnicodeEncodeError:
        # A console without UTF-8 cannot show the bar's '━'; Keras falls back to Keras 2's '='.
        encoding = stream.encoding or "utf-8"
        message = message.replace("━", "=").encode(encoding, errors="ignore").decode(encoding)
        stream.write(message)
    stream.flush()
