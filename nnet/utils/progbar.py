"""The text progress bar of `fit`, `evaluate` and `predict`, frame for frame as Keras 3.15."""

import math
import os
import sys
import time

import numpy as np

from nnet.utils.io_utils import print_msg


class _Average:
    """The running sum and count of a value the bar averages itself (a "stateless" metric)."""

    __slots__ = ("total", "count")

    def __init__(self, total, count):
        self.total = total
        self.count = count


def _shown_value(entry):
    """The number displayed for a stored value: the average for `_Average`, else the value."""
    total, count = (entry.total, entry.count) if type(entry) is _Average else (entry, 1)
    if not isinstance(total, float):
        total = np.mean(total)
    return total / max(1, count)


def _format_time(time_per_unit, unit_name):
    """``" 2ms/step"``: whole seconds (also for exactly 0), milliseconds or microseconds."""
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1000.0:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1000000.0:.0f}us/{unit_name}"


def _format_eta(eta):
    """``"7s"``, ``"1:05"`` past a minute, ``"1:00:05"`` past an hour."""
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)
    return "%ds" % eta


class Progbar:
    """A progress bar that prints Keras 3.15's text, escape codes included.

    With ``verbose=1`` each update redraws one line (throttled to one frame per `interval`
    seconds, the last frame always drawn)::

        32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.8100 - loss: 0.3900

    where the counter is bold, the done part of the 20 '━' green and the rest white; while running,
    the time after the bar is the ETA, ``time_per_step * (target - current)``, and at the end the
    elapsed seconds. The time per step leaves out the first step once ``current > 1``. With
    ``verbose=2`` only the final line is printed, as ``32/32 - 0s - 2ms/step - loss: 0.3900``.
    Values print as ``.4f`` when ``abs(v) > 1e-3`` and as ``.4e`` otherwise (``verbose=2`` tests
    ``v > 1e-3``, without `abs`, as Keras does).

    A value is shown as given when its name is "stateful"; otherwise the bar shows its average
    over the steps, weighted by how many steps each update covered, until the final update,
    whose values are shown as given (they are the epoch's results). When neither
    `stateful_metrics` nor `stateless_metrics` is given every value is averaged; `ProgbarLogger`
    passes ``stateless_metrics=set()``, so that `fit` shows the metrics' own running means.

    Args:
        target: the total number of steps, or None when unknown (then ``"     12/Unknown"``).
        width: the number of '━' in the bar.
        verbose: 0 silent, 1 a redrawn bar, 2 one line at the end.
        interval: the least time between two frames, in seconds.
        stateful_metrics: names of the values to show as given; all others are averaged.
        stateless_metrics: names of the values to average; all others are shown as given.
            Give at most one of the two.
        unit_name: the unit in the time per step, ``"step"`` or ``"sample"``.

    Example:
        >>> bar = Progbar(3, verbose=2)
        >>> for step in (1, 2, 3):
        ...     bar.update(step, [("loss", 1.0 / step)])  # doctest: +ELLIPSIS
        3/3 - 0s - ... - loss: 0.3333
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                f"Received: stateful_metrics={stateful_metrics}, "
                f"stateless_metrics={stateless_metrics}. Pass the names to show as given in "
                "`stateful_metrics`, or the names to average in `stateless_metrics`."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None
        self._dynamic_display = (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "posix" in sys.modules
            or "PYCHARM_HOSTED" in os.environ
        )
        self._seen_so_far = 0
        # Insertion order is the display order: the order in which names were first given.
        self._values = {}
        self._start = time.time()
        self._last_update = 0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def update(self, current, values=None, finalize=None):
        """Record the values of step `current` and draw a frame unless throttled.

        Args:
            current: the index of the current step (1-based).
            values: ``(name, value)`` pairs, or a dict, for this step.
            finalize: whether this is the last update; by default ``current >= target``.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if values:
            self._record(current, values.items() if isinstance(values, dict) else values,
                         finalize)
        self._seen_so_far = current
        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            # The cheap exit that keeps a per-batch call affordable.
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw(current, now, time_per_unit, finalize)
        elif self.verbose == 2 and finalize and self._has_target():
            print_msg(self._summary_line(current, now, time_per_unit), line_break=False)
        self._last_update = now

    def add(self, n, values=None):
        """Advance the bar by `n` steps (see `update`)."""
        self.update(self._seen_so_far + n, values)

    def _has_target(self):
        return self.target is not None and self.target > 0

    def _record(self, current, items, finalize):
        stored = self._values
        for name, value in items:
            if self.stateful_metrics is not None:
                averaged = name not in self.stateful_metrics
            else:
                averaged = name in self.stateless_metrics
            if not averaged:
                stored[name] = value
            elif finalize:
                stored[name] = _Average(value, 1)
            else:
                # Steps skipped between two updates count with this update's value.
                steps = max(current - self._seen_so_far, 1)
                entry = stored.get(name)
                if type(entry) is _Average:
                    entry.total += value * steps
                    entry.count += steps
                else:
                    stored[name] = _Average(value * steps, steps)

    def _counter(self, current):
        digits = int(math.log10(self.target)) + 1
        return f"%{digits}d/%d" % (current, self.target)

    def _draw(self, current, now, time_per_unit, finalize):
        """Write one verbose=1 frame, padded to hide the end of a longer previous frame."""
        # Escape codes take no room on screen, so they are left out of the frame width.
        hidden = 8
        if self._has_target():
            bar = f"\x1b[1m{self._counter(current)}\x1b[0m "
            done = int(self.width * (float(current) / self.target))
            if done > 0:
                bar += f"\x1b[32m{'━' * done}\x1b[0m"
                hidden += 9
            bar += f"\x1b[37m{'━' * (self.width - done)}\x1b[0m"
            hidden += 17
            if finalize:
                info = f" \x1b[1m{now - self._start:.0f}s\x1b[0m"
            else:
                info = f" \x1b[1m{_format_eta(time_per_unit * (self.target - current))}\x1b[0m"
        else:
            bar = "%7d/Unknown" % current
            info = f" \x1b[1m{now - self._start:.0f}s\x1b[0m"
        info += _format_time(time_per_unit, self.unit_name)
        for name, entry in self._values.items():
            value = _shown_value(entry)
            info += f" - {name}: {value:.4f}" if abs(value) > 1e-3 else f" - {name}: {value:.4e}"
        total_width = len(bar) + len(info) - hidden
        head = "\b" * self._prev_total_width + "\r" if self._dynamic_display else "\n"
        tail = " " * (self._prev_total_width - total_width)
        print_msg(head + bar + info + tail + ("\n" if finalize else ""), line_break=False)
        self._prev_total_width = total_width

    def _summary_line(self, current, now, time_per_unit):
        """The verbose=2 line: ``32/32 - 0s - 2ms/step - loss: 0.3900``."""
        info = f"{self._counter(current)} - {now - self._start:.0f}s"
        info += f" -{_format_time(time_per_unit, self.unit_name)}"
        for name, entry in self._values.items():
            value = _shown_value(entry)
            info += f" - {name}: {value:.4f}" if value > 1e-3 else f" - {name}: {value:.4e}"
        return info + "\n"

    def _estimate_step_duration(self, current, now):
        """Seconds per step; once past step 1, the (slow, warm-up) first step is left out."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit
