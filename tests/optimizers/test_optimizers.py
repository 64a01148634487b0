"""Optimizer steps against PyTorch and Keras 3, plus state, config, lookup and error checks."""

import os
import tracemalloc

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnet import ops, optimizers  # noqa: E402
from nnet.autodiff import ParameterBuffer, Tensor, Variable, backward  # noqa: E402
from nnet.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop, schedules  # noqa: E402

RTOL, ATOL = 1e-5, 1e-6
SHAPES = {"kernel": (4, 3), "bias": (3,)}


def _start_weights():
    rng = np.random.default_rng(0)
    return {name: rng.normal(size=shape).astype("float32") for name, shape in SHAPES.items()}


def _gradients(steps=3):
    """Per step, one read-only gradient per variable (optimizers must never write into them)."""
    rng = np.random.default_rng(1)
    sequence = []
    for _ in range(steps):
        grads = [rng.normal(size=shape).astype("float32") for shape in SHAPES.values()]
        for g in grads:
            g.setflags(write=False)
        sequence.append(grads)
    return sequence


def run_nnet(optimizer, steps=3, laid_out=False):
    """Steps of `optimizer` on fresh variables: given the gradients directly, or, `laid_out`, in a
    ParameterBuffer whose gradients come from backward, as in fit."""
    variables = [Variable(w, name=name) for name, w in _start_weights().items()]
    if not laid_out:
        for grads in _gradients(steps):
            optimizer.apply_gradients(zip(grads, variables))
        return variables
    buffer = ParameterBuffer(variables)
    for grads in _gradients(steps):
        buffer.zero_grad()
        # d/dv sum(v * g) is g.
        backward(ops.sum(ops.stack([ops.sum(v * Tensor(g)) for v, g in zip(variables, grads)])))
        optimizer.apply([v.grad for v in variables], variables)
    return variables


# Every comparison runs both ways: per variable, and over a ParameterBuffer (flat updates).
LAID_OUT = pytest.mark.parametrize("laid_out", [False, True], ids=["per_variable", "buffer"])


def run_torch(make_optimizer, steps=3, decoupled_weight_decay=0.0, clip=None, adam_eps=None):
    """PyTorch steps, adapted to Keras's conventions where torch's differ.

    `decoupled_weight_decay` applies Keras's ``w *= 1 - wd * lr`` before torch's step (torch's
    SGD/RMSprop/Adagrad weight decay is an L2 term instead). `adam_eps` rescales torch's epsilon,
    which torch adds after dividing by ``sqrt(1 - beta_2**t)``, to Keras's placement.
    """
    torch = pytest.importorskip("torch")
    params = [torch.nn.Parameter(torch.tensor(w)) for w in _start_weights().values()]
    optimizer = make_optimizer(params)
    for t, grads in enumerate(_gradients(steps), start=1):
        for p, g in zip(params, grads):
            p.grad = torch.tensor(np.array(g))
        if clip is not None:
            clip(params)
        group = optimizer.param_groups[0]
        if adam_eps is not None:
            group["eps"] = adam_eps / np.sqrt(1 - group["betas"][1] ** t)
        with torch.no_grad():
            for p in params:
                p.mul_(1 - decoupled_weight_decay * group["lr"])
        optimizer.step()
    return [p.detach().numpy() for p in params]


def _assert_weights(nnet_variables, expected):
    for variable, value in zip(nnet_variables, expected):
        np.testing.assert_allclose(variable.numpy(), value, rtol=RTOL, atol=ATOL)


def _state_arrays(optimizer):
    """The ids of every array an optimizer keeps between steps: its variables and scratch."""
    scratch = optimizer._scratch
    return [id(v.data) for v in optimizer.variables] + [id(a) for a in scratch.views] + [
        id(scratch.flat)]


def _clip_each(norm):
    import torch

    return lambda params: [torch.nn.utils.clip_grad_norm_([p], norm) for p in params]


def _clip_global(norm):
    import torch

    return lambda params: torch.nn.utils.clip_grad_norm_(params, norm)


def _clip_value(value):
    import torch

    return lambda params: torch.nn.utils.clip_grad_value_(params, value)


# (nnet optimizer, torch factory, run_torch options). RMSprop and Adagrad use epsilon=0 because
# torch adds epsilon outside the square root and Keras inside; their epsilon is checked against
# Keras below.
TORCH_CASES = {
    "sgd": (lambda: SGD(0.1), lambda t, p: t.optim.SGD(p, lr=0.1), {}),
    "sgd_momentum": (
        lambda: SGD(0.1, momentum=0.9), lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.9), {}
    ),
    "sgd_nesterov": (
        lambda: SGD(0.1, momentum=0.9, nesterov=True),
        lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True), {},
    ),
    "sgd_weight_decay": (
        lambda: SGD(0.1, momentum=0.5, weight_decay=0.2),
        lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.5), {"decoupled_weight_decay": 0.2},
    ),
    "adam": (lambda: Adam(0.01), lambda t, p: t.optim.Adam(p, lr=0.01), {"adam_eps": 1e-7}),
    "adam_amsgrad": (
        lambda: Adam(0.01, beta_1=0.8, beta_2=0.9, epsilon=1e-3, amsgrad=True),
        lambda t, p: t.optim.Adam(p, lr=0.01, betas=(0.8, 0.9), amsgrad=True),
        {"adam_eps": 1e-3},
    ),
    "adamw": (
        lambda: AdamW(0.01, weight_decay=0.1),
        lambda t, p: t.optim.AdamW(p, lr=0.01, weight_decay=0.1), {"adam_eps": 1e-7},
    ),
    "adam_clipnorm": (
        lambda: Adam(0.01, clipnorm=0.5),
        lambda t, p: t.optim.Adam(p, lr=0.01), {"adam_eps": 1e-7, "clip": _clip_each(0.5)},
    ),
    "sgd_clipnorm": (
        lambda: SGD(0.1, clipnorm=2.0),
        lambda t, p: t.optim.SGD(p, lr=0.1), {"clip": _clip_each(2.0)},
    ),
    "sgd_global_clipnorm": (
        lambda: SGD(0.1, global_clipnorm=1.0),
        lambda t, p: t.optim.SGD(p, lr=0.1), {"clip": _clip_global(1.0)},
    ),
    "adam_clipvalue": (
        lambda: Adam(0.01, clipvalue=0.3),
        lambda t, p: t.optim.Adam(p, lr=0.01), {"adam_eps": 1e-7, "clip": _clip_value(0.3)},
    ),
    "rmsprop": (
        lambda: RMSprop(0.01, epsilon=0.0),
        lambda t, p: t.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0.0), {},
    ),
    "rmsprop_centered": (
        lambda: RMSprop(0.01, rho=0.8, centered=True, epsilon=0.0),
        lambda t, p: t.optim.RMSprop(p, lr=0.01, alpha=0.8, centered=True, eps=0.0), {},
    ),
    "rmsprop_momentum": (
        lambda: RMSprop(0.01, momentum=0.5, epsilon=0.0),
        lambda t, p: t.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5, eps=0.0), {},
    ),
    "rmsprop_centered_momentum_decay": (
        lambda: RMSprop(0.01, momentum=0.5, centered=True, epsilon=0.0, weight_decay=0.3),
        lambda t, p: t.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5, centered=True,
                                     eps=0.0),
        {"decoupled_weight_decay": 0.3},
    ),
    "adagrad": (
        lambda: Adagrad(0.1, epsilon=0.0),
        lambda t, p: t.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=0.0), {},
    ),
    "adagrad_weight_decay_global_clipnorm": (
        lambda: Adagrad(0.1, initial_accumulator_value=0.5, epsilon=0.0, weight_decay=0.1,
                        global_clipnorm=0.7),
        lambda t, p: t.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.5, eps=0.0),
        {"decoupled_weight_decay": 0.1, "clip": _clip_global(0.7)},
    ),
}


@LAID_OUT
@pytest.mark.parametrize("case", sorted(TORCH_CASES))
def test_matches_torch(case, laid_out):
    torch = pytest.importorskip("torch")
    make_nnet, make_torch, options = TORCH_CASES[case]
    expected = run_torch(lambda params: make_torch(torch, params), **options)
    _assert_weights(run_nnet(make_nnet(), laid_out=laid_out), expected)


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def run_keras(optimizer, steps=3):
    import keras
    import torch

    variables = [keras.Variable(w, name=name) for name, w in _start_weights().items()]
    for grads in _gradients(steps):
        grads = [torch.tensor(np.array(g)) for g in grads]
        optimizer.apply_gradients(zip(grads, variables))
    return variables


# (class name, constructor kwargs): every optimizer with its Keras defaults plus option combos.
KERAS_CASES = [
    ("SGD", {}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    ("Adam", {}),
    ("Adam", {"learning_rate": 0.05, "amsgrad": True, "clipnorm": 0.5}),
    ("Adam", {"learning_rate": 0.05, "global_clipnorm": 1.5, "weight_decay": 0.1}),
    ("AdamW", {}),
    ("AdamW", {"learning_rate": 0.05, "weight_decay": 0.2, "clipvalue": 0.4}),
    ("RMSprop", {}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True, "momentum": 0.5, "epsilon": 1e-3}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.9, "rho": 0.5}),
    ("Adagrad", {}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.01, "epsilon": 1e-2}),
    ("Adam", {"learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.5}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.5, "use_ema": True,
             "ema_overwrite_frequency": 2}),
    ("Adam", {"learning_rate": 0.05, "gradient_accumulation_steps": 2}),
    ("RMSprop", {"learning_rate": 0.05, "loss_scale_factor": 4.0, "clipnorm": 0.2}),
]


def _build(module, class_name, kwargs):
    kwargs = dict(kwargs, name="opt")
    return getattr(module, class_name)(**kwargs)


@LAID_OUT
@pytest.mark.parametrize("class_name, kwargs", KERAS_CASES)
def test_matches_keras_weights_and_state(keras, class_name, kwargs, laid_out):
    ours = _build(optimizers, class_name, kwargs)
    theirs = _build(keras.optimizers, class_name, kwargs)
    _assert_weights(run_nnet(ours, steps=5, laid_out=laid_out),
                    [v.numpy() for v in run_keras(theirs, steps=5)])
    # The whole state, in Keras order: iterations, learning_rate, then the slots.
    assert [v.path for v in ours.variables] == [v.path for v in theirs.variables]
    for mine, reference in zip(ours.variables, theirs.variables):
        np.testing.assert_allclose(mine.numpy(), reference.numpy(), rtol=RTOL, atol=ATOL)
    assert int(ours.iterations) == int(theirs.iterations)


@pytest.mark.parametrize("kwargs", [{"ema_momentum": 0.9}, {"ema_momentum": 0.7,
                                                          "ema_overwrite_frequency": 3}])
@LAID_OUT
def test_ema_finalize_matches_keras(keras, kwargs, laid_out):
    ours = Adam(0.1, use_ema=True, **kwargs)
    theirs = keras.optimizers.Adam(0.1, use_ema=True, **kwargs)
    mine, reference = run_nnet(ours, steps=4, laid_out=laid_out), run_keras(theirs, steps=4)
    ours.finalize_variable_values(mine)
    theirs.finalize_variable_values(reference)
    _assert_weights(mine, [v.numpy() for v in reference])


@LAID_OUT
def test_schedule_and_exclusion_match_keras(keras, laid_out):
    def make(module):
        schedule = module.schedules.ExponentialDecay(0.1, 2, 0.5)
        optimizer = module.AdamW(schedule, weight_decay=0.5, name="opt")
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        return optimizer

    _assert_weights(run_nnet(make(optimizers), steps=4, laid_out=laid_out),
                    [v.numpy() for v in run_keras(make(keras.optimizers), steps=4)])


@pytest.mark.parametrize("class_name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_get_config_matches_keras(keras, class_name):
    kwargs = {"name": "opt", "clipnorm": 1.0}
    ours = getattr(optimizers, class_name)(**kwargs).get_config()
    theirs = getattr(keras.optimizers, class_name)(**kwargs).get_config()
    assert ours == theirs
    assert ours["learning_rate"] == float(np.float32(ours["learning_rate"]))


def test_config_round_trip_with_schedule():
    schedule = schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=10)
    optimizer = RMSprop(schedule, momentum=0.3, centered=True, clipvalue=2.0)
    config = optimizers.serialize(optimizer)
    assert config["module"] == "keras.optimizers"
    assert config["config"]["learning_rate"]["class_name"] == "CosineDecay"
    rebuilt = optimizers.deserialize(config)
    assert type(rebuilt) is RMSprop
    assert rebuilt.get_config() == optimizer.get_config()
    assert isinstance(rebuilt._learning_rate, schedules.CosineDecay)


def test_learning_rate_property_and_setter():
    optimizer = SGD(0.5)
    w = Variable([1.0])
    optimizer.apply([np.ones(1, "float32")], [w])
    assert float(optimizer.learning_rate) == pytest.approx(0.5)
    optimizer.learning_rate = np.array(0.25)
    assert float(optimizer.variables[1].numpy()) == 0.25
    optimizer.apply([np.ones(1, "float32")], [w])
    np.testing.assert_allclose(w.numpy(), [0.25])
    scheduled = SGD(schedules.PiecewiseConstantDecay([1], [1.0, 0.1]))
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        scheduled.learning_rate = 0.3
    assert [v.name for v in scheduled.variables] == ["iteration"]


def test_callable_learning_rates():
    steps = []
    by_step = SGD(lambda step: steps.append(step) or 0.5 / (step + 1))
    no_argument = SGD(lambda: 0.25)
    w1, w2 = Variable([1.0]), Variable([1.0])
    for _ in range(2):
        by_step.apply([np.ones(1, "float32")], [w1])
        no_argument.apply([np.ones(1, "float32")], [w2])
    assert steps == [0, 1]
    np.testing.assert_allclose(w1.numpy(), [1.0 - 0.5 - 0.25])
    np.testing.assert_allclose(w2.numpy(), [0.5])


def test_schedule_is_called_with_iterations():
    schedule = schedules.InverseTimeDecay(1.0, decay_steps=1, decay_rate=1.0)
    optimizer = SGD(schedule)
    w = Variable([0.0])
    for step in range(4):
        assert float(optimizer.learning_rate) == pytest.approx(1.0 / (1 + step))
        optimizer.apply([np.ones(1, "float32")], [w])
    np.testing.assert_allclose(w.numpy(), [-(1 + 1 / 2 + 1 / 3 + 1 / 4)], rtol=RTOL)


def test_constraint_applied_after_each_update():
    clip = lambda x: np.clip(x, -0.3, 0.3)  # noqa: E731
    constrained = Variable(_start_weights()["kernel"], name="kernel", constraint=clip)
    free = Variable(_start_weights()["kernel"], name="kernel")
    first, second = SGD(0.1, momentum=0.9), SGD(0.1, momentum=0.9)
    for grads in _gradients():
        first.apply([grads[0]], [constrained])
        second.apply([grads[0]], [free])
        free.assign(clip(free.numpy()))
    assert np.abs(constrained.numpy()).max() <= 0.3
    np.testing.assert_allclose(constrained.numpy(), free.numpy(), rtol=RTOL, atol=ATOL)


def test_none_gradients_are_skipped_with_a_warning():
    a, b = Variable([1.0], name="a"), Variable([1.0], name="b")
    optimizer = Adam(0.1)
    with pytest.warns(UserWarning, match=r"\['b'\]"):
        optimizer.apply_gradients([(np.ones(1, "float32"), a), (None, b)])
    assert b.numpy()[0] == 1.0 and a.numpy()[0] < 1.0
    with pytest.raises(ValueError, match="No gradients"):
        optimizer.apply([None, None], [a, b])


def test_accepts_tensors_lists_and_broadcast_views():
    w = Variable(np.ones((3, 2), "float32"))
    optimizer = RMSprop(0.1, centered=True, momentum=0.5, global_clipnorm=0.1)
    optimizer.apply([np.broadcast_to(np.float32(2.0), (3, 2))], [w])
    optimizer.apply([Tensor(np.ones((3, 2), "float32"))], [w])
    optimizer.apply([[[1.0, 1.0]] * 3], [w])
    assert int(optimizer.iterations) == 3 and np.isfinite(w.numpy()).all()


@pytest.mark.parametrize("make", [
    lambda: Adam(amsgrad=True, clipnorm=0.5),
    lambda: AdamW(use_ema=True, gradient_accumulation_steps=2),
    lambda: SGD(momentum=0.9, nesterov=True, clipvalue=0.1),
    lambda: RMSprop(centered=True, momentum=0.5, global_clipnorm=1.0, loss_scale_factor=8.0),
    lambda: Adagrad(weight_decay=0.01),
])
@pytest.mark.parametrize("laid_out", [False, True], ids=["per_variable", "buffer"])
def test_steps_reuse_state_and_allocate_no_arrays(make, laid_out):
    optimizer = make()
    w = Variable(np.ones((256, 128), "float32"))
    if laid_out:
        ParameterBuffer([w])
    g = np.full((256, 128), 0.5, "float32")
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


def test_get_resolves_names_instances_and_configs():
    assert type(optimizers.get("adam")) is Adam
    assert type(optimizers.get("AdamW")) is AdamW
    assert type(optimizers.get("rmsprop")) is RMSprop
    assert type(optimizers.get("SGD")) is SGD
    assert type(optimizers.get("adagrad")) is Adagrad
    instance = SGD()
    assert optimizers.get(instance) is instance
    assert optimizers.get({"class_name": "Adam", "config": {"beta_1": 0.5}}).beta_1 == 0.5
    with pytest.raises(ValueError, match=r"optimizer='adamm'.*'adam'.*Valid names.*rmsprop"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="optimizer=3"):
        optimizers.get(3)


@pytest.mark.parametrize("make, message", [
    (lambda: Adam(learning_rate="fast"), "learning_rate='fast'"),
    (lambda: SGD(momentum=1.5), "momentum=1.5"),
    (lambda: SGD(clipnorm=1.0, clipvalue=1.0), "Only one of clipnorm"),
    (lambda: Adam(gradient_accumulation_steps=1), "gradient_accumulation_steps=1"),
    (lambda: Adam(use_ema=True, ema_momentum=2.0), "ema_momentum=2.0"),
    (lambda: AdamW(weight_decay=None), "weight_decay=None"),
    (lambda: Adam(beta1=0.9), "not recognized"),
])
def test_constructor_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_apply_errors():
    w, other = Variable(np.ones(2, "float32")), Variable(np.ones(2, "float32"))
    optimizer = SGD()
    with pytest.raises(ValueError, match="not built"):
        optimizer.apply([np.ones(2, "float32")])
    optimizer.apply([np.ones(2, "float32")], [w])
    with pytest.raises(ValueError, match="Unknown variable"):
        optimizer.apply([np.ones(2, "float32")], [other])
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        optimizer.apply([np.ones(3, "float32")], [w])
    with pytest.raises(ValueError, match="Received 2 gradients"):
        optimizer.apply([np.ones(2, "float32")] * 2)


def test_save_and_load_own_variables():
    source = Adam(0.01)
    run_nnet(source)
    store = {}
    source.save_own_variables(store)
    target = Adam(0.01)
    target.build([Variable(w, name=name) for name, w in _start_weights().items()])
    target.load_own_variables(store)
    for mine, saved in zip(target.variables, source.variables):
        np.testing.assert_array_equal(mine.numpy(), saved.numpy())
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        Adam().load_own_variables(store)
