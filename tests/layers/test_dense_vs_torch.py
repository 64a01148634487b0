"""Dense with every activation against torch.nn.Linear plus the matching torch function.

Same weights in (torch's weight is the kernel transposed), then in float32: the outputs, and the
gradients of ``sum(output * R)`` (R a fixed random array) with respect to the input, the kernel
and the bias, through `nnet.backward` and torch autograd. Also the fused `nnet.ops.dense` kernel
that Dense uses for relu, tanh and linear, and a float64 gradient check of Dense with each
activation through the shared `check_layer` harness.
"""

import numpy as np
import pytest
from harness import FLOAT32_TOLERANCE, check_layer

import nnet
from nnet import activations, ops
from nnet.layers import Dense

torch = pytest.importorskip("torch")
F = torch.nn.functional
torch.set_num_threads(1)

# Keras's definitions, in torch: leaky_relu's slope is 0.2 (torch's default is 0.01),
# hard_sigmoid is relu6(x + 3) / 6 and hard_silu x times that, gelu is the exact (erf) form.
TORCH_ACTIVATIONS = {
    "relu": F.relu,
    "sigmoid": torch.sigmoid,
    "softmax": lambda x: F.softmax(x, dim=-1),
    "tanh": torch.tanh,
    "linear": lambda x: x,
    "elu": lambda x: F.elu(x, alpha=1.0),
    "selu": F.selu,
    "gelu": lambda x: F.gelu(x, approximate="none"),
    "silu": F.silu,
    "swish": F.silu,
    "softplus": F.softplus,
    "softsign": F.softsign,
    "exponential": torch.exp,
    "hard_sigmoid": lambda x: F.relu6(x + 3.0) / 6.0,
    "hard_silu": lambda x: x * F.relu6(x + 3.0) / 6.0,
    "hard_swish": lambda x: x * F.relu6(x + 3.0) / 6.0,
    "leaky_relu": lambda x: F.leaky_relu(x, negative_slope=0.2),
    "relu6": F.relu6,
    "mish": F.mish,
    "log_softmax": lambda x: F.log_softmax(x, dim=-1),
    "log_sigmoid": F.logsigmoid,
    "celu": F.celu,
    "hard_shrink": F.hardshrink,
    "hard_tanh": F.hardtanh,
    "soft_shrink": F.softshrink,
    "sparse_plus": lambda x: torch.where(x <= -1, 0.0, torch.where(x < 1, (x + 1) ** 2 / 4, x)),
    "sparse_sigmoid": lambda x: torch.clamp((x + 1) / 2, 0.0, 1.0),
    "squareplus": lambda x: (x + torch.sqrt(x * x + 4)) / 2,
    "tanh_shrink": F.tanhshrink,
    "sparsemax": lambda x: _torch_sparsemax(x),
}


def _torch_sparsemax(z):
    ordered = torch.sort(z, dim=-1, descending=True).values
    cumulative = torch.cumsum(ordered, dim=-1)
    k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    support = (1 + k * ordered > cumulative).sum(dim=-1, keepdim=True)
    tau = (torch.gather(cumulative, -1, support - 1) - 1) / support
    return torch.clamp(z - tau, min=0.0)


# Not Dense activations: threshold needs arguments, and glu halves the last axis (so a Dense
# layer's output shape would no longer be `units`); both are checked in the op table.
NEEDS_ARGUMENTS = {"threshold", "glu"}
NAMES = sorted(TORCH_ACTIVATIONS)
# Activations that Dense hands to the fused dense primitive (one graph node for the layer).
FUSED = {"relu": "relu", "tanh": "tanh", "linear": None}
UNITS = 6
# (input shape, use_bias): a plain batch, a (batch, time, features) sequence, and no bias.
CASES = [((8, 5), True), ((3, 4, 5), True), ((8, 5), False)]


def _case_id(case):
    shape, use_bias = case
    return f"{'x'.join(map(str, shape))}{'' if use_bias else '-nobias'}"


def _arrays(shape, use_bias, seed=0):
    """Inputs, kernel, bias and the projection R, in float32.

    The pre-activations spread over about [-6, 6], so that every regime of every activation
    (relu6's and hard_sigmoid's flat parts, softplus's and elu's tails) is exercised.
    """
    rng = np.random.default_rng(seed)
    x = (2.0 * rng.standard_normal(shape)).astype(np.float32)
    kernel = (rng.standard_normal((shape[-1], UNITS)) / np.sqrt(shape[-1])).astype(np.float32)
    bias = (0.5 * rng.standard_normal(UNITS)).astype(np.float32) if use_bias else None
    projection = rng.standard_normal(shape[:-1] + (UNITS,)).astype(np.float32)
    return x, kernel, bias, projection


def _torch_run(activation, x, kernel, bias, projection):
    """Output and gradients (input, kernel, bias) of ``sum(activation(Linear(x)) * R)``."""
    linear = torch.nn.Linear(kernel.shape[0], kernel.shape[1], bias=bias is not None)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(kernel.T.copy()))
        if bias is not None:
            linear.bias.copy_(torch.from_numpy(bias))
    inputs = torch.tensor(x, requires_grad=True)
    output = activation(linear(inputs))
    (output * torch.from_numpy(projection)).sum().backward()
    grads = [inputs.grad.numpy(), linear.weight.grad.numpy().T]
    if bias is not None:
        grads.append(linear.bias.grad.numpy())
    return output.detach().numpy(), grads


def _nnet_dense_run(name, x, kernel, bias, projection):
    """Output, gradients and the layer for ``sum(Dense(activation=name)(x) * R)``."""
    layer = Dense(UNITS, activation=name, use_bias=bias is not None)
    layer.build(x.shape)
    layer.set_weights([kernel] if bias is None else [kernel, bias])
    inputs = nnet.Tensor(x, requires_grad=True)
    output = layer(inputs)
    nnet.backward(ops.sum(output * projection))
    grads = [inputs.grad, layer.kernel.grad]
    if bias is not None:
        grads.append(layer.bias.grad)
    return output, [np.asarray(g) for g in grads], layer


def _assert_match(actual, expected, what):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == np.float32, f"{what}: dtype {actual.dtype}, expected float32"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, **FLOAT32_TOLERANCE, err_msg=what)


def _assert_run_matches(ours, theirs, label):
    (output, grads), (expected_output, expected_grads) = ours, theirs
    _assert_match(output, expected_output, f"{label}: output")
    assert len(grads) == len(expected_grads)
    for grad, expected, wrt in zip(grads, expected_grads, ("input", "kernel", "bias")):
        _assert_match(grad, expected, f"{label}: gradient with respect to the {wrt}")


def test_every_supported_activation_has_a_torch_reference():
    supported = {name for name in activations.__all__
                 if name not in ("get", "serialize", "deserialize")} - NEEDS_ARGUMENTS
    assert supported == set(TORCH_ACTIVATIONS)
    for name in supported:
        assert callable(activations.get(name))


@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("name", NAMES)
def test_dense_matches_torch(name, case):
    shape, use_bias = case
    x, kernel, bias, projection = _arrays(shape, use_bias)
    output, grads, layer = _nnet_dense_run(name, x, kernel, bias, projection)
    _assert_run_matches((output.numpy(), grads),
                        _torch_run(TORCH_ACTIVATIONS[name], x, kernel, bias, projection),
                        f"Dense({UNITS}, activation={name!r}, use_bias={use_bias}) on {shape}")
    assert [w.name for w in layer.weights] == ["kernel", "bias"][: 1 + use_bias]


@pytest.mark.parametrize("name", sorted(FUSED))
def test_dense_uses_the_fused_kernel_for_relu_tanh_linear(name):
    x, kernel, bias, _ = _arrays((8, 5), True)
    layer = Dense(UNITS, activation=name)
    layer.build(x.shape)
    layer.set_weights([kernel, bias])
    output = layer(nnet.Tensor(x, requires_grad=True))
    # One fused node: the layer's output is computed directly from its kernel and bias (the
    # graph is inspected before backward() releases it).
    parents = {id(parent) for _, parent, _ in output._parents}
    assert {id(layer.kernel), id(layer.bias)} <= parents


@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("name", sorted(FUSED))
def test_fused_dense_op_matches_torch(name, case):
    shape, use_bias = case
    x, kernel, bias, projection = _arrays(shape, use_bias)
    leaves = [nnet.Tensor(a, requires_grad=True) for a in (x, kernel, bias) if a is not None]
    output = ops.dense(*leaves[:2], leaves[2] if use_bias else None, FUSED[name])
    nnet.backward(ops.sum(output * projection))
    _assert_run_matches((output.numpy(), [leaf.grad for leaf in leaves]),
                        _torch_run(TORCH_ACTIVATIONS[name], x, kernel, bias, projection),
                        f"ops.dense(activation={FUSED[name]!r}, bias={use_bias}) on {shape}")


@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("name", NAMES)
def test_dense_float64_gradients(name, case):
    shape, use_bias = case
    # check_layer checks the float64 gradients of the input and of every trainable weight with
    # nnet.check_grad, and config round trips and one training step along the way.
    check_layer(Dense, shape, {"units": UNITS, "activation": name, "use_bias": use_bias},
                expected_output_shape=shape[:-1] + (UNITS,),
                expected_num_trainable_weights=1 + use_bias)


def test_dense_takes_any_activation_callable_and_fuses_only_the_built_ins():
    import functools

    x = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    for activation in (nnet.layers.ReLU(), functools.partial(nnet.activations.relu),
                       nnet.activations.relu, "relu"):
        layer = Dense(2, activation=activation)
        np.testing.assert_allclose(layer(x).numpy(),
                                   np.maximum(x @ layer.kernel.numpy(), 0), rtol=1e-6)

    def relu(z):  # a function of one's own that happens to be named relu
        return z * 10.0

    layer = Dense(2, activation=relu)
    np.testing.assert_allclose(layer(x).numpy(), x @ layer.kernel.numpy() * 10.0, rtol=1e-6)
    assert nnet.activations.serialize(relu)["config"] == "relu"
    assert nnet.activations.serialize(nnet.activations.relu) == "relu"
