"""Learning-rate schedules against keras.optimizers.schedules, plus config and error checks."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnet.optimizers import schedules  # noqa: E402

STEPS = [0, 1, 2, 3, 5, 7, 10, 11, 19, 20, 21, 33, 50, 99, 100, 101, 150, 257, 1000]

CASES = [
    ("ExponentialDecay", (0.1, 10, 0.9), {}),
    ("ExponentialDecay", (0.5, 7, 0.5), {"staircase": True}),
    ("PiecewiseConstantDecay", ([10, 20, 100], [1.0, 0.5, 0.1, 0.01]), {}),
    ("PiecewiseConstantDecay", ([5], [0.3, 0.2]), {"name": "pc"}),
    ("PolynomialDecay", (0.1, 100), {}),
    ("PolynomialDecay", (0.1, 30), {"end_learning_rate": 0.01, "power": 0.5, "cycle": True}),
    ("PolynomialDecay", (1.0, 50), {"power": 2.0}),
    ("InverseTimeDecay", (0.1, 10, 0.5), {}),
    ("InverseTimeDecay", (0.1, 3, 2.0), {"staircase": True}),
    ("CosineDecay", (0.1, 100), {}),
    ("CosineDecay", (0.1, 100), {"alpha": 0.1}),
    ("CosineDecay", (0.0, 100), {"warmup_target": 0.2, "warmup_steps": 20, "alpha": 0.05}),
    ("CosineDecayRestarts", (0.1, 10), {}),
    ("CosineDecayRestarts", (0.1, 7), {"t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1}),
    ("CosineDecayRestarts", (0.2, 5), {"t_mul": 3.0, "m_mul": 0.9}),
]


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("class_name, args, kwargs", CASES)
def test_values_and_config_match_keras(keras, class_name, args, kwargs):
    ours = getattr(schedules, class_name)(*args, **kwargs)
    theirs = getattr(keras.optimizers.schedules, class_name)(*args, **kwargs)
    mine = [float(ours(step)) for step in STEPS]
    reference = [float(theirs(step)) for step in STEPS]
    np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-9)
    assert np.asarray(ours(3)).dtype == np.float32
    assert ours.get_config() == theirs.get_config()
    assert schedules.serialize(ours) == keras.optimizers.schedules.serialize(theirs)


@pytest.mark.parametrize("class_name, args, kwargs", CASES)
def test_serialize_round_trip(class_name, args, kwargs):
    schedule = getattr(schedules, class_name)(*args, **kwargs)
    rebuilt = schedules.deserialize(schedules.serialize(schedule))
    assert type(rebuilt) is type(schedule)
    assert rebuilt.get_config() == schedule.get_config()
    assert [float(rebuilt(s)) for s in STEPS] == [float(schedule(s)) for s in STEPS]


def test_accepts_array_and_tensor_steps():
    from nnet.autodiff import Variable

    schedule = schedules.ExponentialDecay(1.0, 1, 0.5)
    step = Variable(3, trainable=False, dtype="int64")
    assert float(schedule(step)) == float(schedule(np.int64(3))) == 0.125


def test_custom_schedule_round_trip_through_custom_objects():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, step):
            return self.rate / 2**step

        def get_config(self):
            return {"rate": self.rate}

    config = {"class_name": "Halving", "config": {"rate": 0.8}}
    assert schedules.deserialize(config, custom_objects={"Halving": Halving})(2) == 0.2
    with pytest.raises(NotImplementedError, match="__call__"):
        schedules.LearningRateSchedule()(0)
    with pytest.raises(NotImplementedError, match="get_config"):
        schedules.LearningRateSchedule().get_config()


@pytest.mark.parametrize("make, message", [
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "decay_steps=0"),
    (lambda: schedules.PolynomialDecay(0.1, -1), "decay_steps=-1"),
    (lambda: schedules.InverseTimeDecay(0.1, 0, 0.5), "decay_steps=0"),
    (lambda: schedules.CosineDecay(0.1, 0), "decay_steps=0"),
    (lambda: schedules.CosineDecayRestarts(0.1, 0), "first_decay_steps=0"),
    (lambda: schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2]), "one more value"),
])
def test_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_unknown_schedule_name_lists_valid_ones():
    with pytest.raises(ValueError, match="ExponentialDecay"):
        schedules.deserialize({"class_name": "Exponential", "config": {}})
