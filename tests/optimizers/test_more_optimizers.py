"""Adadelta, Adamax, Nadam, Ftrl, Lion and Lamb against PyTorch, Keras 3 and NumPy references.

The step helpers come from test_optimizers (same directory, so importable under pytest): the same
start weights and the same read-only gradients drive every implementation.
"""

import os
import re
import tracemalloc

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from test_optimizers import (  # noqa: E402
    ATOL,
    LAID_OUT,
    RTOL,
    _assert_weights,
    _clip_each,
    _clip_global,
    _gradients,
    _start_weights,
    _state_arrays,
    run_keras,
    run_nnet,
    run_torch,
)

from nnet import optimizers  # noqa: E402
from nnet.autodiff import ParameterBuffer, Variable  # noqa: E402
from nnet.optimizers import Adadelta, Adamax, Ftrl, Lamb, Lion, Nadam  # noqa: E402

NEW_OPTIMIZERS = ["Adadelta", "Adamax", "Nadam", "Ftrl", "Lion", "Lamb"]

# (nnet optimizer, torch factory, run_torch options). Torch's Adamax adds epsilon to |g| inside
# the max, Keras to the norm after it, so that case uses epsilon=0 (Keras's epsilon is checked
# against Keras below). Torch's NAdam is Keras's with momentum_decay=1 (Keras's cache schedule
# is 0.96**t).
TORCH_CASES = {
    "adadelta": (
        lambda: Adadelta(1.0, epsilon=1e-2),
        lambda t, p: t.optim.Adadelta(p, lr=1.0, rho=0.95, eps=1e-2), {},
    ),
    "adadelta_rho_weight_decay_clipnorm": (
        lambda: Adadelta(0.5, rho=0.8, epsilon=1e-3, weight_decay=0.2, clipnorm=1.5),
        lambda t, p: t.optim.Adadelta(p, lr=0.5, rho=0.8, eps=1e-3),
        {"decoupled_weight_decay": 0.2, "clip": _clip_each(1.5)},
    ),
    "adamax": (
        lambda: Adamax(0.05, epsilon=0.0),
        lambda t, p: t.optim.Adamax(p, lr=0.05, eps=0.0), {},
    ),
    "adamax_betas_global_clipnorm": (
        lambda: Adamax(0.05, beta_1=0.8, beta_2=0.9, epsilon=0.0, global_clipnorm=1.0),
        lambda t, p: t.optim.Adamax(p, lr=0.05, betas=(0.8, 0.9), eps=0.0),
        {"clip": _clip_global(1.0)},
    ),
    "nadam": (
        lambda: Nadam(0.05),
        lambda t, p: t.optim.NAdam(p, lr=0.05, eps=1e-7, momentum_decay=1.0), {},
    ),
    "nadam_betas_epsilon_weight_decay": (
        lambda: Nadam(0.05, beta_1=0.8, beta_2=0.95, epsilon=1e-2, weight_decay=0.3),
        lambda t, p: t.optim.NAdam(p, lr=0.05, betas=(0.8, 0.95), eps=1e-2, momentum_decay=1.0,
                                   weight_decay=0.3, decoupled_weight_decay=True),
        {},
    ),
}


@LAID_OUT
@pytest.mark.parametrize("case", sorted(TORCH_CASES))
def test_matches_torch(case, laid_out):
    torch = pytest.importorskip("torch")
    make_nnet, make_torch, options = TORCH_CASES[case]
    expected = run_torch(lambda params: make_torch(torch, params), **options)
    _assert_weights(run_nnet(make_nnet(), laid_out=laid_out), expected)


def _ftrl_reference(w, grads, lr, power, n, l1, l2, shrinkage, beta):
    n = np.full_like(w, n)
    z = np.zeros_like(w)
    l2 = l2 + beta / (2 * lr)
    for g in grads:
        new_n = n + g**2
        sigma = (new_n ** -power - n ** -power) / lr
        z += g + 2 * shrinkage * w - sigma * w
        n = new_n
        w = np.where(np.abs(z) <= l1, 0.0, (np.sign(z) * l1 - z) / (new_n ** -power / lr + 2 * l2))
    return w


def _lion_reference(w, grads, lr, beta_1, beta_2):
    m = np.zeros_like(w)
    for g in grads:
        w = w - lr * np.sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g
    return w


def _lamb_reference(w, grads, lr, beta_1, beta_2, epsilon):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        r = m / (1 - beta_1**t) / (np.sqrt(v / (1 - beta_2**t)) + epsilon)
        w_norm, r_norm = np.linalg.norm(w), np.linalg.norm(r)
        w = w - lr * (w_norm / r_norm if w_norm > 0 and r_norm > 0 else 1.0) * r
    return w


# The published rules in float64 NumPy, for the optimizers PyTorch does not have.
NUMPY_CASES = {
    "ftrl": (lambda: Ftrl(0.1), _ftrl_reference,
             {"lr": 0.1, "power": -0.5, "n": 0.1, "l1": 0.0, "l2": 0.0, "shrinkage": 0.0,
              "beta": 0.0}),
    "ftrl_regularized": (
        lambda: Ftrl(0.2, learning_rate_power=-0.7, initial_accumulator_value=0.5,
                     l1_regularization_strength=0.4, l2_regularization_strength=0.1,
                     l2_shrinkage_regularization_strength=0.05, beta=0.3),
        _ftrl_reference,
        {"lr": 0.2, "power": -0.7, "n": 0.5, "l1": 0.4, "l2": 0.1, "shrinkage": 0.05, "beta": 0.3},
    ),
    "lion": (lambda: Lion(0.05), _lion_reference, {"lr": 0.05, "beta_1": 0.9, "beta_2": 0.99}),
    "lion_betas": (lambda: Lion(0.05, beta_1=0.5, beta_2=0.8), _lion_reference,
                   {"lr": 0.05, "beta_1": 0.5, "beta_2": 0.8}),
    "lamb": (lambda: Lamb(0.05), _lamb_reference,
             {"lr": 0.05, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
    "lamb_betas_epsilon": (lambda: Lamb(0.05, beta_1=0.8, beta_2=0.9, epsilon=0.1),
                           _lamb_reference,
                           {"lr": 0.05, "beta_1": 0.8, "beta_2": 0.9, "epsilon": 0.1}),
}


@LAID_OUT
@pytest.mark.parametrize("case", sorted(NUMPY_CASES))
def test_matches_published_rule(case, laid_out):
    make_nnet, reference, options = NUMPY_CASES[case]
    grads = _gradients(4)
    expected = [
        reference(w.astype("float64"), [step[k].astype("float64") for step in grads], **options)
        for k, w in enumerate(_start_weights().values())
    ]
    _assert_weights(run_nnet(make_nnet(), steps=4, laid_out=laid_out), expected)


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


# (class name, constructor kwargs): each optimizer with its Keras defaults, then option combos
# chosen so that every slot holds values well above the absolute tolerance.
KERAS_CASES = [
    ("Adadelta", {}),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.8, "epsilon": 1e-2, "weight_decay": 0.1,
                  "clipvalue": 0.5}),
    ("Adamax", {}),
    ("Adamax", {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-2,
                "clipnorm": 0.5}),
    ("Nadam", {}),
    ("Nadam", {"learning_rate": 0.05, "beta_1": 0.8, "epsilon": 1e-3, "use_ema": True,
               "ema_momentum": 0.5}),
    ("Nadam", {"learning_rate": 0.05, "gradient_accumulation_steps": 2}),
    ("Ftrl", {}),
    ("Ftrl", {"learning_rate": 0.2, "learning_rate_power": -0.7, "initial_accumulator_value": 0.5,
              "l1_regularization_strength": 0.4, "l2_regularization_strength": 0.1,
              "l2_shrinkage_regularization_strength": 0.05, "beta": 0.3,
              "global_clipnorm": 2.0}),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": 0.0, "weight_decay": 0.5}),
    ("Lion", {}),
    ("Lion", {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.9, "weight_decay": 0.1}),
    ("Lion", {"learning_rate": 0.05, "gradient_accumulation_steps": 2, "loss_scale_factor": 4.0}),
    ("Lamb", {}),
    ("Lamb", {"learning_rate": 0.05, "beta_1": 0.8, "epsilon": 1e-3, "weight_decay": 0.05,
              "clipnorm": 1.0}),
    ("Lamb", {"learning_rate": 0.05, "use_ema": True, "ema_overwrite_frequency": 2}),
]


@LAID_OUT
@pytest.mark.parametrize("class_name, kwargs", KERAS_CASES)
def test_matches_keras_weights_and_state(keras, class_name, kwargs, laid_out):
    ours = getattr(optimizers, class_name)(name="opt", **kwargs)
    theirs = getattr(keras.optimizers, class_name)(name="opt", **kwargs)
    _assert_weights(run_nnet(ours, steps=5, laid_out=laid_out),
                    [v.numpy() for v in run_keras(theirs, steps=5)])
    # The whole state, in Keras order: iterations, learning_rate, the slots, and Nadam's product of
    # momentum caches, an unnamed Keras variable whose suffix counts the process's unnamed ones.
    assert [v.path for v in ours.variables] == [
        re.sub(r"/variable_\d+$", "/variable", v.path) for v in theirs.variables
    ]
    for mine, reference in zip(ours.variables, theirs.variables):
        assert mine.dtype == reference.dtype
        np.testing.assert_allclose(mine.numpy(), reference.numpy(), rtol=RTOL, atol=ATOL)
    assert int(ours.iterations) == int(theirs.iterations)


def test_lamb_trust_ratio_is_one_for_zero_weights(keras):
    import torch

    g = np.linspace(-1.0, 1.0, 6, dtype="float32").reshape(2, 3)
    ours, theirs = Variable(np.zeros((2, 3), "float32")), keras.Variable(np.zeros((2, 3)))
    Lamb(0.1).apply([g], [ours])
    keras.optimizers.Lamb(0.1).apply([torch.tensor(g)], [theirs])
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=RTOL, atol=ATOL)
    # With ratio 1 the first step is Adam's bias-corrected step: about lr * sign(g).
    np.testing.assert_allclose(ours.numpy(), -0.1 * np.sign(g), rtol=1e-4)


@pytest.mark.parametrize("class_name", NEW_OPTIMIZERS)
def test_get_config_matches_keras(keras, class_name):
    kwargs = {"name": "opt", "clipnorm": 1.0, "weight_decay": 0.01}
    ours = getattr(optimizers, class_name)(**kwargs)
    theirs = getattr(keras.optimizers, class_name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    rebuilt = optimizers.deserialize(optimizers.serialize(ours))
    assert type(rebuilt) is type(ours) and rebuilt.get_config() == ours.get_config()


@pytest.mark.parametrize("class_name", NEW_OPTIMIZERS)
def test_get_resolves_lowercased_names(class_name):
    optimizer = optimizers.get(class_name.lower())
    assert type(optimizer) is getattr(optimizers, class_name)
    assert optimizer.get_config()["learning_rate"] == pytest.approx(0.001)
    assert type(optimizers.get(class_name)) is type(optimizer)


@pytest.mark.parametrize("make", [
    lambda: Adadelta(clipnorm=0.5),
    lambda: Adamax(use_ema=True),
    lambda: Nadam(gradient_accumulation_steps=2, weight_decay=0.01),
    lambda: Ftrl(l1_regularization_strength=0.1, l2_shrinkage_regularization_strength=0.1,
                 beta=0.1),
    lambda: Lion(global_clipnorm=1.0),
    lambda: Lamb(loss_scale_factor=8.0, weight_decay=0.01),
])
@pytest.mark.parametrize("laid_out", [False, True], ids=["per_variable", "buffer"])
def test_steps_reuse_state_and_allocate_no_arrays(make, laid_out):
    optimizer = make()
    w = Variable(np.ones((256, 128), "float32"))
    if laid_out:
        ParameterBuffer([w])
    g = np.full((256, 128), 0.5, "float32")
    g.setflags(write=False)
    for _ in range(2):
        optimizer.apply([g], [w])
    arrays = _state_arrays(optimizer)
    tracemalloc.start()
    for _ in range(2):
        optimizer.apply([g], [w])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert _state_arrays(optimizer) == arrays
    # A single temporary of the weight's size would be 128 KiB.
    assert peak < w.data.nbytes // 8
    assert np.isfinite(w.numpy()).all()


@pytest.mark.parametrize("make, message", [
    (lambda: Ftrl(initial_accumulator_value=-0.1), "initial_accumulator_value=-0.1"),
    (lambda: Ftrl(learning_rate_power=0.5), "learning_rate_power=0.5"),
    (lambda: Ftrl(l1_regularization_strength=-1.0), "l1_regularization_strength=-1.0"),
    (lambda: Ftrl(l2_regularization_strength=-1.0), "l2_regularization_strength=-1.0"),
    (lambda: Ftrl(l2_shrinkage_regularization_strength=-1.0),
     "l2_shrinkage_regularization_strength=-1.0"),
    (lambda: Lion(beta_1=0.0), "beta_1=0.0"),
    (lambda: Lion(beta_1=1.5), "beta_1=1.5"),
    (lambda: Nadam(beta1=0.9), "not recognized"),
])
def test_constructor_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()
