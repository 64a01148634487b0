"""Progbar and ProgbarLogger text, byte for byte against Keras 3.15 under a fake clock."""

import os
import sys
import time

import numpy as np
import pytest

from nnet.callbacks import ProgbarLogger
from nnet.utils.progbar import Progbar

os.environ["KERAS_BACKEND"] = "torch"


class Clock:
    """A settable `time.time`, so that both progress bars see the same instants."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(time, "time", fake)
    return fake


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def render(cls, clock, capsys, script, **kwargs):
    """Run `script` ((seconds to wait, method, args) triples) on a fresh bar; return stdout."""
    capsys.readouterr()
    clock.now = 1000.0
    bar = cls(**kwargs)
    for wait, method, args in script:
        clock.now += wait
        getattr(bar, method)(*args)
    return capsys.readouterr().out


def epoch(steps, wait, values, final=None):
    """One update per step with the values of `values(step)`, then the final update."""
    script = [(wait, "update", (step, values(step))) for step in range(1, steps + 1)]
    if final is not None:
        script.append((0.0, "update", (steps, final, True)))
    return script


def fit_values(step):
    return [("accuracy", 0.5 + step / 100), ("loss", 1.0 / step)]


SCENARIOS = {
    # What ProgbarLogger does: values shown as given, validation keys added at the end.
    "fit": (
        dict(target=32, stateless_metrics=set()),
        epoch(32, 0.013, fit_values,
              final=[("accuracy", 0.81), ("loss", 0.39), ("val_accuracy", 0.8),
                     ("val_loss", 0.41)]),
    ),
    # Keras's default: every value averaged over steps, weighted by the steps each covers.
    "averaged": (
        dict(target=30),
        [(0.2, "update", (step, [("loss", 3.0 / step), ("mae", step * 0.1)]))
         for step in range(3, 31, 3)],
    ),
    "stateful_list": (
        dict(target=10, stateful_metrics=["acc"]),
        epoch(10, 0.07, lambda s: [("acc", s / 10), ("loss", 10.0 - s)]),
    ),
    "unknown_target": (
        dict(target=None),
        epoch(12, 0.03, lambda s: [("loss", 0.5 / s)], final=[("loss", 0.04)]),
    ),
    "eta_hours_to_seconds": (
        dict(target=400, stateless_metrics=set()),
        [(30.0, "update", (1, [("loss", 2.0)])), (35.0, "update", (2, [("loss", 1.0)])),
         (1.0, "update", (300, [("loss", 0.5)])), (0.5, "update", (399, [("loss", 0.25)])),
         (0.5, "update", (400, [("loss", 0.125)]))],
    ),
    "eta_minutes": (
        dict(target=50),
        epoch(5, 3.0, lambda s: [("loss", 1.0)]),
    ),
    # Exactly 60 s and 3600 s still use the shorter format.
    "eta_exactly_a_minute": (dict(target=2), [(60.0, "update", (1, [("loss", 1.0)]))]),
    "eta_exactly_an_hour": (dict(target=2), [(3600.0, "update", (1, [("loss", 1.0)]))]),
    "seconds_per_step": (dict(target=3), epoch(3, 2.5, lambda s: [("loss", 1.0)])),
    "microseconds_per_step": (dict(target=100), epoch(100, 3e-6, lambda s: [("x", 1.0)])),
    "zero_time": (dict(target=4), epoch(4, 0.0, lambda s: [("x", 1.0)])),
    "small_and_negative": (
        dict(target=4, stateless_metrics=set()),
        epoch(4, 0.06, lambda s: [("a", 2.421e-6), ("b", -0.5), ("c", -1e-5), ("d", 0.0),
                                  ("e", float("nan"))]),
    ),
    "numpy_and_int_values": (
        dict(target=5),
        epoch(5, 0.06, lambda s: [("arr", np.array([s, s + 1.0])), ("f32", np.float32(0.25)),
                                  ("int", s)]),
    ),
    "add_and_custom_width": (
        dict(target=9, width=30, unit_name="sample"),
        [(0.1, "add", (2, [("loss", 1.0)])), (0.1, "add", (4, [("loss", 0.5)])),
         (0.1, "add", (3, [("loss", 0.25)]))],
    ),
    "past_target": (dict(target=5), epoch(7, 0.1, lambda s: [("loss", 1.0)])),
    "one_step": (dict(target=1), epoch(1, 0.004, lambda s: [("loss", 0.3)])),
}


@pytest.mark.parametrize("verbose", [1, 2])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_progbar_matches_keras(keras, clock, capsys, name, verbose):
    kwargs, script = SCENARIOS[name]
    expected = render(keras.utils.Progbar, clock, capsys, script, verbose=verbose, **kwargs)
    received = render(Progbar, clock, capsys, script, verbose=verbose, **kwargs)
    assert received == expected
    assert verbose == 2 or received


def test_progbar_without_dynamic_display_matches_keras(keras, clock, capsys, monkeypatch):
    # Without a TTY, IPython or POSIX, every frame starts on a new line instead of "\b...\r".
    monkeypatch.delitem(sys.modules, "posix")
    kwargs, script = SCENARIOS["fit"]
    expected = render(keras.utils.Progbar, clock, capsys, script, **kwargs)
    received = render(Progbar, clock, capsys, script, **kwargs)
    assert received == expected
    assert "\b" not in received and received.startswith("\n")


def test_progbar_final_frame_text(clock, capsys):
    script = [(0.01, "update", (1, None))] + [(0.002, "update", (step, None))
                                             for step in range(2, 32)]
    script.append((0.002, "update", (32, {"accuracy": 0.81, "loss": 0.39})))
    out = render(Progbar, clock, capsys, script, target=32, stateless_metrics=set())
    frames = out.split("\r")
    assert frames[0] == ""
    assert frames[1].startswith(
        "\x1b[1m 1/32\x1b[0m \x1b[37m" + "━" * 20 + "\x1b[0m \x1b[1m0s\x1b[0m 10ms/step"
    )
    bar = "\x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
    # The first step (10 ms) is left out of the time per step.
    assert frames[-1] == (
        f"\x1b[1m32/32\x1b[0m {bar} \x1b[1m0s\x1b[0m 2ms/step - accuracy: 0.8100 - loss: 0.3900\n"
    )
    # The previous frame was 20 characters shorter: erase it, then write over it.
    assert frames[-2].endswith("\b" * len("32/32 " + "━" * 20 + " 0s 2ms/step"))


def test_progbar_verbose_2_line(clock, capsys):
    script = [(0.064, "update", (32, [("accuracy", 0.81), ("loss", 0.39), ("neg", -0.5)]))]
    out = render(Progbar, clock, capsys, script, target=32, verbose=2)
    assert out == "32/32 - 0s - 2ms/step - accuracy: 0.8100 - loss: 0.3900 - neg: -5.0000e-01\n"


def test_progbar_throttles_frames(clock, capsys):
    script = [(0.01, "update", (step, [("loss", 1.0)])) for step in range(1, 10)]
    out = render(Progbar, clock, capsys, script, target=10)
    # Frames at 1000.01 (the first), 1000.06 (the next past 0.05 s); steps 3-9 are throttled.
    assert out.count("\r") == 2


def test_progbar_rejects_both_metric_lists():
    with pytest.raises(ValueError, match="stateful_metrics=.*stateless_metrics="):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_progbar_writes_to_stdout_at_call_time(clock, capsys):
    bar = Progbar(2, verbose=2)
    capsys.readouterr()
    bar.update(2, [("loss", 1.0)])
    assert capsys.readouterr().out.startswith("2/2 - ")


def logger_script(mode, epochs, steps):
    """The hook calls fit, evaluate or predict make, with fixed logs."""
    calls = []
    if mode == "fit":
        calls.append(("on_train_begin", ()))
        for e in range(epochs):
            calls.append(("on_epoch_begin", (e,)))
            for b in range(steps):
                calls.append(("on_train_batch_begin", (b,)))
                calls.append(("on_train_batch_end", (b, {"accuracy": 0.5 + b / 50,
                                                         "loss": 1.0 / (b + 1 + e)})))
            # Validation inside fit is silent.
            calls.append(("on_test_begin", ()))
            calls.append(("on_test_batch_end", (0, {"loss": 0.7})))
            calls.append(("on_test_end", ({"loss": 0.7},)))
            calls.append(("on_epoch_end", (e, {"accuracy": 0.8, "loss": 0.4 - e / 10,
                                               "val_accuracy": 0.75, "val_loss": 0.7})))
        calls.append(("on_train_end", ()))
    elif mode == "evaluate":
        calls.append(("on_test_begin", ()))
        for b in range(steps):
            calls.append(("on_test_batch_end", (b, {"loss": 0.5, "mae": 1e-4 * b})))
        calls.append(("on_test_end", ({"loss": 0.5, "mae": 2e-4},)))
    else:
        calls.append(("on_predict_begin", ()))
        for b in range(steps):
            calls.append(("on_predict_batch_end", (b, {"outputs": np.zeros((2, 1))})))
        calls.append(("on_predict_end", ()))
    return calls


@pytest.mark.parametrize("verbose", [1, 2, "auto"])
@pytest.mark.parametrize("mode,epochs,steps,known", [
    ("fit", 1, 4, True), ("fit", 3, 7, True), ("fit", 2, 5, False),
    ("evaluate", 1, 6, True), ("evaluate", 1, 3, False),
    ("predict", 1, 4, True), ("predict", 1, 4, False),
])
def test_progbar_logger_matches_keras(keras, clock, capsys, verbose, mode, epochs, steps,
                                      known):
    params = {"verbose": verbose, "epochs": epochs, "steps": steps if known else None}
    outputs = []
    for cls in (keras.callbacks.ProgbarLogger, ProgbarLogger):
        capsys.readouterr()
        clock.now = 1000.0
        logger = cls()
        logger.set_params(dict(params))
        for hook, args in logger_script(mode, epochs, steps):
            clock.now += 0.03
            getattr(logger, hook)(*args)
        outputs.append(capsys.readouterr().out)
    assert outputs[1] == outputs[0]
    assert ("Epoch 1/" in outputs[1]) == (mode == "fit" and epochs > 1)


def test_progbar_logger_batch_hook_needs():
    logger = ProgbarLogger()
    logger.set_params({"verbose": 2, "epochs": 1, "steps": 10})
    assert not logger._implements_batch_hooks("train")
    logger.set_params({"verbose": 2, "epochs": 1, "steps": None})
    # Without a target the logger counts the batches itself.
    assert logger._implements_batch_hooks("train")
    logger.set_params({"verbose": 1, "epochs": 1, "steps": 10})
    assert logger._implements_batch_hooks("test") and logger._implements_batch_hooks("predict")
    logger.on_train_begin()
    assert logger._implements_batch_hooks("train") and not logger._implements_batch_hooks("test")
