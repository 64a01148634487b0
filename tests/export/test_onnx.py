"""ONNX export: for every exportable layer type, a small model's onnxruntime predictions equal
nnet's to 1e-5 at batch sizes 1 and 7 from the same file (its batch dimension is dynamic); layers,
models and arguments that cannot be exported raise errors naming them; the write is atomic."""

import os
import types
import warnings

import numpy as np
import pytest

import nnet
from nnet import layers

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "gelu", "elu", "selu", "softplus",
               "softsign", "swish", "silu", "leaky_relu", "relu6", "hard_sigmoid", "hard_silu",
               "exponential", "linear", "log_softmax", "mish", "celu", "hard_tanh",
               "log_sigmoid", "tanh_shrink"]


def randomize(model, seed=0):
    """Random weights everywhere (positive variances), so that biases and statistics count."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        shape = tuple(w.shape)
        positive = "variance" in w.name
        w.assign((rng.uniform(0.5, 1.5, shape) if positive else rng.normal(0, 0.5, shape))
                 .astype(np.float32))
    return model


def check_export(model, data, tmp_path):
    """Export once; onnxruntime on the first 1 and all 7 samples matches predict to 1e-5."""
    path = os.fspath(tmp_path / "model.onnx")
    model.export(path, format="onnx", verbose=False)
    session = ort.InferenceSession(path)
    data = data if isinstance(data, list) else [data]
    assert [i.shape[0] for i in session.get_inputs()] == ["batch"] * len(data)
    for batch in (1, 7):
        feeds = [x[:batch] for x in data]
        expected = model.predict(feeds if len(feeds) > 1 else feeds[0], verbose=0)
        expected = list(expected) if isinstance(expected, (list, tuple)) else [expected]
        got = session.run(None, {i.name: x for i, x in zip(session.get_inputs(), feeds)})
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.shape == e.shape
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    assert sorted(os.listdir(tmp_path)) == ["model.onnx"]


def data_for(shape, dtype="float32", seed=1, high=None):
    rng = np.random.default_rng(seed)
    if high is not None:
        return rng.integers(0, high, (7, *shape)).astype(dtype)
    return rng.normal(0, 1, (7, *shape)).astype(dtype)


def quietly(cls, **kwargs):
    """`cls(**kwargs)` without its deprecation warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return cls(**kwargs)


def sequential(shape, *stack):
    return randomize(nnet.Sequential([nnet.Input(shape), *stack])), data_for(shape)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_and_activation_layer(activation, tmp_path):
    check_export(*sequential((6,), layers.Dense(5, activation=activation),
                             layers.Activation(activation)), tmp_path)


CASES = {
    # core and activation layers
    "dense_3d_no_bias": lambda: sequential((3, 4), layers.Dense(5, use_bias=False)),
    "relu_options": lambda: sequential((8,), layers.ReLU(max_value=1.0, negative_slope=0.1,
                                                         threshold=0.3)),
    "relu": lambda: sequential((8,), layers.ReLU()),
    "relu_max": lambda: sequential((8,), layers.ReLU(max_value=0.5)),
    "leaky_relu": lambda: sequential((8,), layers.LeakyReLU(0.3)),
    "elu": lambda: sequential((8,), layers.ELU(0.7)),
    "prelu": lambda: sequential((3, 4), layers.PReLU(shared_axes=[1])),
    "softmax_axis": lambda: sequential((3, 4), layers.Softmax(axis=1)),
    "softmax_axes": lambda: sequential((3, 4), layers.Softmax(axis=(1, 2))),
    # normalization
    "batch_normalization": lambda: sequential((5,), layers.BatchNormalization()),
    "batch_normalization_axis1": lambda: sequential((3, 4, 2),
                                                    layers.BatchNormalization(axis=1)),
    "batch_normalization_no_affine": lambda: sequential(
        (5,), layers.BatchNormalization(center=False, scale=False)),
    "layer_normalization": lambda: sequential((3, 6), layers.LayerNormalization()),
    "layer_normalization_axes": lambda: sequential(
        (3, 4, 2), layers.LayerNormalization(axis=[1, 2], epsilon=0.01)),
    "layer_normalization_rms": lambda: sequential((6,), quietly(
        layers.LayerNormalization, rms_scaling=True)),
    "rms_normalization": lambda: sequential((3, 6), layers.RMSNormalization()),
    "rms_normalization_axes": lambda: sequential((3, 4), layers.RMSNormalization(axis=[1, 2],
                                                                               epsilon=0.1)),
    "group_normalization": lambda: sequential((5, 6), layers.GroupNormalization(groups=3)),
    "group_normalization_channels_first": lambda: sequential(
        (4, 3, 2), layers.GroupNormalization(groups=2, axis=1, epsilon=0.01)),
    "normalization": lambda: sequential((3, 4), layers.Normalization(
        mean=[0.5, -1.0, 2.0, 0.0], variance=[4.0, 0.25, 1.0, 2.0])),
    "normalization_invert": lambda: sequential((4,), layers.Normalization(
        axis=None, mean=1.5, variance=3.0, invert=True)),
    "unit_normalization": lambda: sequential((3, 4), layers.UnitNormalization(axis=[1, 2])),
    "rescaling": lambda: sequential((4,), layers.Rescaling(0.5, offset=0.25)),
    # identities at inference
    "dropouts": lambda: sequential(
        (3, 4), layers.Dropout(0.5), layers.SpatialDropout1D(0.5), layers.GaussianNoise(1.0),
        layers.GaussianDropout(0.5), layers.AlphaDropout(0.5),
        layers.ActivityRegularization(0.1), layers.Identity()),
    "spatial_dropout_2d_3d": lambda: sequential(
        (2, 2, 2, 3), layers.SpatialDropout3D(0.5), layers.Reshape((4, 2, 3)),
        layers.SpatialDropout2D(0.5)),
    # reshaping
    "reshape": lambda: sequential((3, 4), layers.Reshape((2, -1))),
    "flatten": lambda: sequential((3, 4), layers.Flatten()),
    "flatten_channels_first": lambda: sequential((3, 2, 2),
                                                 layers.Flatten(data_format="channels_first")),
    "permute": lambda: sequential((3, 4, 2), layers.Permute((3, 1, 2))),
    "time_distributed_dense": lambda: sequential((3, 4), layers.TimeDistributed(
        layers.Dense(2, activation="tanh"))),
    "time_distributed_conv": lambda: sequential((2, 5, 5, 3), layers.TimeDistributed(
        layers.Conv2D(2, 3, padding="same")), layers.TimeDistributed(layers.Flatten())),
    "repeat_vector": lambda: sequential((4,), layers.RepeatVector(3)),
    # convolution
    "conv1d_valid": lambda: sequential((9, 3), layers.Conv1D(4, 3, activation="relu")),
    "conv1d_same_strided": lambda: sequential((9, 3), layers.Conv1D(4, 3, strides=2,
                                                                    padding="same")),
    "conv1d_causal_dilated": lambda: sequential(
        (9, 4), layers.Conv1D(6, 3, padding="causal", dilation_rate=2, groups=2)),
    "conv1d_channels_first": lambda: sequential(
        (3, 9), layers.Conv1D(4, 2, padding="same", data_format="channels_first")),
    "conv2d_same_strided": lambda: sequential(
        (7, 6, 3), layers.Conv2D(4, (3, 2), strides=(2, 1), padding="same",
                                 activation="tanh")),
    "conv2d_dilated_groups": lambda: sequential(
        (8, 8, 4), layers.Conv2D(6, 3, dilation_rate=2, groups=2, padding="same")),
    "conv2d_channels_first": lambda: sequential(
        (3, 6, 5), layers.Conv2D(2, 3, strides=2, data_format="channels_first",
                                 activation="sigmoid")),
    "conv3d": lambda: sequential((4, 5, 4, 2), layers.Conv3D(3, 2, padding="same")),
    "conv3d_channels_first": lambda: sequential(
        (2, 4, 5, 4), layers.Conv3D(3, (2, 3, 2), strides=2, data_format="channels_first")),
    "conv1d_transpose": lambda: sequential((5, 3), layers.Conv1DTranspose(2, 3, strides=2)),
    "conv2d_transpose_same": lambda: sequential(
        (4, 5, 3), layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu")),
    "conv2d_transpose_valid": lambda: sequential(
        (4, 5, 3), layers.Conv2DTranspose(2, (2, 3), strides=(1, 2))),
    "conv2d_transpose_output_padding": lambda: sequential(
        (4, 4, 3), layers.Conv2DTranspose(2, 3, strides=3, padding="same", output_padding=1)),
    "conv2d_transpose_output_padding_valid": lambda: sequential(
        (4, 4, 3), layers.Conv2DTranspose(2, 2, strides=3, output_padding=2)),
    "conv2d_transpose_dilated_channels_first": lambda: sequential(
        (3, 4, 5), layers.Conv2DTranspose(2, 3, dilation_rate=2, padding="same",
                                          data_format="channels_first")),
    "conv3d_transpose": lambda: sequential((3, 3, 2, 2),
                                           layers.Conv3DTranspose(2, 2, strides=2)),
    "depthwise_conv2d": lambda: sequential(
        (6, 7, 3), layers.DepthwiseConv2D(3, depth_multiplier=2, strides=2, padding="same")),
    "depthwise_conv2d_channels_first": lambda: sequential(
        (3, 6, 6), layers.DepthwiseConv2D(2, data_format="channels_first", activation="relu")),
    "depthwise_conv1d": lambda: sequential((8, 2), layers.DepthwiseConv1D(3, depth_multiplier=3,
                                                                          dilation_rate=2)),
    "separable_conv2d": lambda: sequential(
        (6, 6, 3), layers.SeparableConv2D(4, 3, depth_multiplier=2, padding="same",
                                          activation="elu")),
    "separable_conv1d": lambda: sequential((8, 3), layers.SeparableConv1D(5, 2, strides=2)),
    # pooling
    "max_pooling1d": lambda: sequential((9, 3), layers.MaxPooling1D(2)),
    "max_pooling1d_same": lambda: sequential((9, 3), layers.MaxPooling1D(3, strides=2,
                                                                         padding="same")),
    "average_pooling1d_same": lambda: sequential((9, 3), layers.AveragePooling1D(
        2, padding="same")),
    "max_pooling2d_same": lambda: sequential((7, 5, 2), layers.MaxPooling2D(
        (3, 2), strides=2, padding="same")),
    "average_pooling2d_same": lambda: sequential((7, 5, 2), layers.AveragePooling2D(
        3, strides=2, padding="same")),
    "average_pooling2d_channels_first": lambda: sequential(
        (2, 6, 6), layers.AveragePooling2D(2, data_format="channels_first")),
    "max_pooling3d": lambda: sequential((4, 4, 4, 2), layers.MaxPooling3D(2)),
    "average_pooling3d": lambda: sequential((4, 5, 4, 2), layers.AveragePooling3D(
        2, padding="same")),
    "global_pooling_1d": lambda: sequential((5, 3), layers.GlobalMaxPooling1D(keepdims=True),
                                            layers.GlobalAveragePooling1D()),
    "global_pooling_2d": lambda: sequential(
        (4, 5, 3), layers.GlobalAveragePooling2D(keepdims=True),
        layers.GlobalMaxPooling2D(data_format="channels_first")),
    "global_pooling_3d": lambda: sequential(
        (3, 4, 2, 3), layers.GlobalMaxPooling3D(keepdims=True), layers.GlobalAveragePooling3D()),
    # padding, cropping, up-sampling
    "zero_padding1d": lambda: sequential((4, 3), layers.ZeroPadding1D((1, 2))),
    "zero_padding2d": lambda: sequential((4, 3, 2), layers.ZeroPadding2D(((1, 0), (2, 1)))),
    "zero_padding2d_channels_first": lambda: sequential(
        (2, 4, 3), layers.ZeroPadding2D(1, data_format="channels_first")),
    "zero_padding3d": lambda: sequential((2, 3, 2, 2), layers.ZeroPadding3D(1)),
    "cropping1d": lambda: sequential((6, 3), layers.Cropping1D((1, 2))),
    "cropping2d": lambda: sequential((6, 5, 2), layers.Cropping2D(((1, 0), (2, 1)))),
    "cropping3d": lambda: sequential((4, 4, 4, 2), layers.Cropping3D(1)),
    "up_sampling1d": lambda: sequential((4, 3), layers.UpSampling1D(3)),
    "up_sampling2d": lambda: sequential((3, 4, 2), layers.UpSampling2D((2, 3))),
    "up_sampling2d_channels_first": lambda: sequential(
        (2, 3, 4), layers.UpSampling2D(2, data_format="channels_first")),
    "up_sampling3d": lambda: sequential((2, 3, 2, 2), layers.UpSampling3D(2)),
    # recurrent
    "simple_rnn": lambda: sequential((5, 3), layers.SimpleRNN(4)),
    "simple_rnn_sequences_relu": lambda: sequential(
        (5, 3), layers.SimpleRNN(4, activation="relu", return_sequences=True)),
    "lstm": lambda: sequential((5, 3), layers.LSTM(4)),
    "lstm_sequences_backwards": lambda: sequential(
        (5, 3), layers.LSTM(4, return_sequences=True, go_backwards=True)),
    "lstm_no_bias_hard_sigmoid": lambda: sequential(
        (5, 3), layers.LSTM(4, use_bias=False, recurrent_activation="hard_sigmoid")),
    "gru": lambda: sequential((5, 3), layers.GRU(4)),
    "gru_reset_before": lambda: sequential((5, 3), layers.GRU(4, reset_after=False,
                                                              return_sequences=True)),
    "gru_backwards": lambda: sequential((5, 3), layers.GRU(4, go_backwards=True,
                                                           activation="softsign")),
    "gru_elu_hard_sigmoid": lambda: sequential(
        (5, 3), layers.GRU(4, activation="elu", recurrent_activation="hard_sigmoid")),
    "simple_rnn_linear": lambda: sequential((5, 3), layers.SimpleRNN(4, activation="linear")),
    "bidirectional_concat": lambda: sequential((5, 3), layers.Bidirectional(
        layers.LSTM(4, return_sequences=True))),
    "bidirectional_ave_gru": lambda: sequential((5, 3), layers.Bidirectional(
        layers.GRU(4), merge_mode="ave")),
    "bidirectional_backward_layer": lambda: sequential((5, 3), layers.Bidirectional(
        layers.SimpleRNN(4, return_sequences=True), merge_mode="mul",
        backward_layer=layers.LSTM(4, return_sequences=True, go_backwards=True))),
    # attention
    "einsum_dense": lambda: sequential((3, 4), layers.EinsumDense(
        "abc,cde->abde", output_shape=(None, 2, 5), bias_axes="de", activation="relu")),
    "stacked_lstm": lambda: sequential((6, 2), layers.LSTM(5, return_sequences=True),
                                       layers.GRU(3, return_sequences=True), layers.SimpleRNN(2)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_layer(case, tmp_path):
    check_export(*CASES[case](), tmp_path)


def two_inputs(merge, first=(4,), second=(4,)):
    a, b = nnet.Input(first), nnet.Input(second)
    model = randomize(nnet.Model([a, b], merge([a, b])))
    return model, [data_for(first, seed=1), data_for(second, seed=2)]


@pytest.mark.parametrize("merge", [
    layers.Add, layers.Subtract, layers.Multiply, layers.Average, layers.Maximum,
    layers.Minimum, lambda: layers.Concatenate(axis=1), lambda: layers.Dot(axes=1),
    lambda: layers.Dot(axes=1, normalize=True)], ids=lambda m: getattr(m, "__name__", "lambda"))
def test_merging_layers(merge, tmp_path):
    check_export(*two_inputs(merge()), tmp_path)


def test_merging_different_ranks_and_dot_of_sequences(tmp_path):
    (tmp_path / "add").mkdir()
    (tmp_path / "dot").mkdir()
    check_export(*two_inputs(layers.Add(), (4,), (3, 4)), tmp_path / "add")
    check_export(*two_inputs(layers.Dot(axes=(2, 1)), (3, 4), (4, 2)), tmp_path / "dot")


def test_embedding(tmp_path):
    ids = nnet.Input((5,), dtype="int32")
    x = layers.Embedding(10, 3)(ids)
    model = randomize(nnet.Model(ids, layers.Dense(2)(layers.LSTM(4)(x))))
    check_export(model, data_for((5,), "int32", high=10), tmp_path)


def test_lora_layers_export_their_updated_kernels(tmp_path):
    ids = nnet.Input((4,), dtype="int32")
    embedding, conv = layers.Embedding(6, 4), layers.Conv1D(3, 2)
    dense, einsum = layers.Dense(2), layers.EinsumDense("abc,cd->abd", (3, 2))
    model = nnet.Model(ids, dense(layers.Flatten()(einsum(conv(embedding(ids))))))
    for layer in (embedding, conv, dense, einsum):
        layer.enable_lora(2)
    check_export(randomize(model), data_for((4,), "int32", high=6), tmp_path)


def test_an_unbuilt_model_is_refused(tmp_path):
    with pytest.raises(ValueError, match="must be built before export"):
        nnet.Sequential([layers.Dense(2)]).export(os.fspath(tmp_path / "m.onnx"), format="onnx")


def test_bidirectional_states_and_separate_outputs(tmp_path):
    x = nnet.Input((5, 3))
    outputs = layers.Bidirectional(layers.LSTM(4, return_sequences=True, return_state=True),
                                   merge_mode=None)(x)
    check_export(randomize(nnet.Model(x, outputs)), data_for((5, 3)), tmp_path)


@pytest.mark.parametrize("options, call", [
    ({}, {}),
    ({"value_dim": 3, "use_bias": False, "output_shape": (5,)}, {"use_causal_mask": True}),
    ({"attention_axes": (1, 2)}, {}),
    ({"use_gate": True}, {"return_attention_scores": True}),
], ids=["self", "causal_no_bias", "two_axes", "gated_scores"])
def test_multi_head_attention(options, call, tmp_path):
    shape = (2, 3, 4) if "attention_axes" in options else (5, 4)
    query, value = nnet.Input(shape), nnet.Input(shape)
    outputs = layers.MultiHeadAttention(2, 3, **options)(query, value, **call)
    model = randomize(nnet.Model([query, value], outputs))
    check_export(model, [data_for(shape), data_for(shape, seed=5)], tmp_path)


@pytest.mark.parametrize("make, call", [
    (lambda: layers.Attention(), {}),
    (lambda: layers.Attention(use_scale=True), {"use_causal_mask": True}),
    (lambda: layers.Attention(score_mode="concat", use_scale=True),
     {"return_attention_scores": True}),
    (lambda: layers.AdditiveAttention(), {"use_causal_mask": True}),
    (lambda: layers.AdditiveAttention(use_scale=False), {}),
], ids=["dot", "scaled_causal", "concat_scores", "additive_causal", "additive_unscaled"])
def test_attention(make, call, tmp_path):
    query, value, key = nnet.Input((4, 3)), nnet.Input((5, 3)), nnet.Input((5, 3))
    model = randomize(nnet.Model([query, value, key], make()([query, value, key], **call)))
    check_export(model, [data_for((4, 3)), data_for((5, 3), seed=7), data_for((5, 3), seed=8)],
                 tmp_path)


def test_multi_head_attention_key_and_self_attention(tmp_path):
    query, key = nnet.Input((4, 6)), nnet.Input((3, 5))
    value = layers.Dense(5)(key)
    attended = layers.MultiHeadAttention(3, 2)(query, query)
    outputs = layers.MultiHeadAttention(3, 2)(attended, value, key=key)
    model = randomize(nnet.Model([query, key], outputs))
    check_export(model, [data_for((4, 6)), data_for((3, 5), seed=6)], tmp_path)


def test_recurrent_states_in_and_out(tmp_path):
    sequence, h, c = nnet.Input((5, 3)), nnet.Input((4,)), nnet.Input((4,))
    outputs = layers.LSTM(4, return_sequences=True, return_state=True)(
        sequence, initial_state=[h, c])
    gru_out = layers.GRU(4, return_state=True)(sequence, initial_state=[h])
    model = randomize(nnet.Model([sequence, h, c], [*outputs, *gru_out]))
    check_export(model, [data_for((5, 3)), data_for((4,), seed=3), data_for((4,), seed=4)],
                 tmp_path)


def test_nested_and_functional_subclass_models(tmp_path):
    inner = nnet.Sequential([nnet.Input((4,)), layers.Dense(3, activation="relu")])
    x = nnet.Input((4,))
    branch = nnet.Model(x, layers.Dense(3)(x))

    class Wide(nnet.Model):
        """A subclass built from inputs and outputs: functional, of this class."""

        def train_step(self, data):
            return super().train_step(data)

    inputs = nnet.Input((4,))
    merged = layers.Concatenate()([inner(inputs), branch(inputs)])
    model = Wide(inputs, [layers.Dense(2)(merged), layers.Dense(1)(merged)])
    assert isinstance(model, Wide)
    check_export(randomize(model), data_for((4,)), tmp_path)


def test_shared_layer_called_twice(tmp_path):
    a, b = nnet.Input((4,)), nnet.Input((4,))
    shared = layers.Dense(3, activation="tanh")
    model = randomize(nnet.Model([a, b], layers.Subtract()([shared(a), shared(b)])))
    check_export(model, [data_for((4,)), data_for((4,), seed=9)], tmp_path)


def test_input_signature_names_and_fixes_shapes(tmp_path):
    model = randomize(nnet.Sequential([nnet.Input((3,)), layers.Dense(2)]))
    spec = types.SimpleNamespace(shape=(7, 3), dtype="float32", name="features")
    path = os.fspath(tmp_path / "model.onnx")
    model.export(path, format="onnx", verbose=False, input_signature=[spec], opset_version=19)
    session = ort.InferenceSession(path)
    assert (session.get_inputs()[0].name, session.get_inputs()[0].shape) == ("features", [7, 3])
    x = data_for((3,))
    np.testing.assert_allclose(session.run(None, {"features": x})[0],
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"input_signature\[0\] has shape \(None, 4\)"):
        model.export(path, format="onnx", input_signature=[nnet.Input((4,))])


def test_verbose_message(tmp_path, capsys):
    model = nnet.Sequential([nnet.Input((3,)), layers.Dense(2)])
    path = os.fspath(tmp_path / "m.onnx")
    model.export(path, format="onnx")
    assert capsys.readouterr().out == f"Saved artifact at '{path}'.\n"


class Custom(layers.Layer):
    def call(self, x):
        return x * 2


def test_layer_without_exporter_is_named(tmp_path):
    model = nnet.Sequential([nnet.Input((3,)), layers.Dense(2), Custom(name="doubler")])
    with pytest.raises(ValueError, match=r"Layer 'doubler' of class Custom cannot be exported "
                                         r"to ONNX: nnet has no ONNX exporter for it"):
        model.export(os.fspath(tmp_path / "m.onnx"), format="onnx")
    assert os.listdir(tmp_path) == []


def test_subclasses_that_change_the_computation_are_refused(tmp_path):
    class Shifted(layers.Dense):
        def call(self, x):
            return super().call(x) + 1

    class Scored(layers.Attention):
        def _calculate_scores(self, query, key):
            return super()._calculate_scores(query, key) * 2

    class Named(layers.Dense):
        def get_config(self):
            return super().get_config()

    model = nnet.Sequential([nnet.Input((3,)), Shifted(2, name="shifted")])
    with pytest.raises(ValueError, match="Layer 'shifted' of class Shifted cannot be exported"):
        model.export(os.fspath(tmp_path / "m.onnx"), format="onnx")
    x = nnet.Input((2, 3))
    model = nnet.Model(x, Scored(name="scored")([x, x]))
    with pytest.raises(ValueError, match="Layer 'scored' of class Scored cannot be exported"):
        model.export(os.fspath(tmp_path / "m.onnx"), format="onnx")
    check_export(randomize(nnet.Sequential([nnet.Input((3,)), Named(2)])), data_for((3,)),
                 tmp_path)


def _attention_with_mask():
    query, mask = nnet.Input((3, 4)), nnet.Input((3, 3), dtype="bool")
    return nnet.Model([query, mask], layers.MultiHeadAttention(2, 2)(
        query, query, attention_mask=mask))


@pytest.mark.parametrize("build, message", [
    (lambda: nnet.Sequential([nnet.Input((3,)), layers.Dense(2, activation=lambda x: x)]),
     "uses activation=.*which nnet cannot export to ONNX"),
    (lambda: nnet.Sequential([nnet.Input((4,), dtype="int32"),
                              layers.Embedding(5, 2, mask_zero=True)]), "mask_zero=True"),
    (lambda: nnet.Sequential([nnet.Input(batch_shape=(7, 4, 2)), layers.LSTM(2, stateful=True)]),
     "is stateful"),
    (lambda: nnet.Sequential([nnet.Input((4, 4, 2)),
                              layers.UpSampling2D(interpolation="bilinear")]),
     "interpolation='bilinear' cannot be exported"),
    (lambda: nnet.Sequential([nnet.Input((4, 2)), layers.GRU(2, activation="gelu")]),
     "activation 'gelu', which ONNX's recurrent ops do not apply"),
    (lambda: _attention_with_mask(), "MultiHeadAttention.*called with a mask"),
])
def test_unexportable_configurations_are_named(build, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        build().export(os.fspath(tmp_path / "m.onnx"), format="onnx")


def test_symbolic_ops_and_subclassed_models_are_refused(tmp_path):
    x = nnet.Input((3,))
    model = nnet.Model(x, nnet.ops.exp(layers.Dense(2)(x)))
    with pytest.raises(ValueError, match="a function applied to symbolic tensors"):
        model.export(os.fspath(tmp_path / "m.onnx"), format="onnx")

    class Free(nnet.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    free = Free()
    free(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match="class Free has no graph of layers to export"):
        free.export(os.fspath(tmp_path / "m.onnx"), format="onnx")


def test_format_and_opset_are_checked(tmp_path):
    model = nnet.Sequential([nnet.Input((3,)), layers.Dense(2)])
    path = os.fspath(tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="nnet exports format='onnx' only"):
        model.export(path)
    with pytest.raises(ValueError, match="Unrecognized format=pb"):
        model.export(path, format="pb")
    with pytest.raises(ValueError, match="opset_version=7"):
        model.export(path, format="onnx", opset_version=7)
    with pytest.raises(ValueError, match=r"Unrecognized arguments for ONNX export: \['dynamo'\]"):
        model.export(path, format="onnx", dynamo=True)


def test_write_is_atomic(tmp_path, monkeypatch):
    import onnx

    path = os.fspath(tmp_path / "m.onnx")
    first = randomize(nnet.Sequential([nnet.Input((3,)), layers.Dense(2)]), seed=1)
    first.export(path, format="onnx", verbose=False)
    before = open(path, "rb").read()

    def interrupted(proto, target):
        with open(target, "wb") as f:
            f.write(proto.SerializeToString()[:10])
        raise KeyboardInterrupt

    monkeypatch.setattr(onnx, "save_model", interrupted)
    second = randomize(nnet.Sequential([nnet.Input((3,)), layers.Dense(2)]), seed=2)
    with pytest.raises(KeyboardInterrupt):
        second.export(path, format="onnx", verbose=False)
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["m.onnx"]
