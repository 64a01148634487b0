"""MaxPooling1D/2D/3D and AveragePooling1D/2D/3D (and their aliases) against Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

import nnet
from nnet import layers


@pytest.mark.parametrize("name, input_shape, init_kwargs", [
    ("MaxPooling1D", (2, 7, 3), {}),
    ("MaxPooling1D", (2, 3, 8), {"pool_size": 3, "strides": 2, "padding": "same",
                                 "data_format": "channels_first"}),
    ("MaxPooling2D", (2, 6, 5, 3), {}),
    ("MaxPooling2D", (2, 7, 6, 2), {"pool_size": (3, 2), "strides": 1, "padding": "same"}),
    ("MaxPooling2D", (2, 2, 6, 5), {"pool_size": 3, "strides": (2, 1),
                                    "data_format": "channels_first"}),
    ("MaxPooling3D", (1, 4, 5, 4, 2), {"padding": "same"}),
    ("AveragePooling1D", (2, 7, 3), {"pool_size": 2}),
    ("AveragePooling1D", (2, 3, 7), {"pool_size": 3, "strides": 1, "padding": "same",
                                     "data_format": "channels_first"}),
    ("AveragePooling2D", (2, 6, 5, 3), {"pool_size": (2, 3), "strides": (1, 2)}),
    ("AveragePooling2D", (2, 5, 7, 2), {"pool_size": 3, "strides": 1, "padding": "same"}),
    ("AveragePooling3D", (1, 2, 4, 5, 4), {"pool_size": 2, "data_format": "channels_first"}),
])
def test_pooling_matches_keras(name, input_shape, init_kwargs):
    check_layer(getattr(layers, name), input_shape, init_kwargs, keras_class=name)


def test_average_same_padding_leaves_padded_cells_out_of_the_count():
    # An uneven split (one padded cell on the right) as TensorFlow pads it.
    x = np.arange(1.0, 6.0, dtype="float32").reshape(1, 5, 1)
    y = layers.AveragePooling1D(3, strides=2, padding="same")(x).numpy().ravel()
    np.testing.assert_allclose(y, [1.5, 3.0, 4.5])


def test_aliases_are_the_same_classes_and_load_by_name():
    pairs = [("MaxPool1D", "MaxPooling1D"), ("MaxPool2D", "MaxPooling2D"),
             ("MaxPool3D", "MaxPooling3D"), ("AvgPool1D", "AveragePooling1D"),
             ("AvgPool2D", "AveragePooling2D"), ("AvgPool3D", "AveragePooling3D")]
    for alias, name in pairs:
        assert getattr(layers, alias) is getattr(layers, name)
        layer = layers.deserialize({"class_name": alias, "config": {"pool_size": 2}})
        assert type(layer).__name__ == name


def test_unknown_spatial_sizes_give_unknown_output_sizes():
    layer = layers.MaxPooling2D(3, strides=2)
    assert layer.compute_output_shape((None, None, 9, 4)) == (None, None, 4, 4)
    assert layers.MaxPooling2D(3, 2, "same").compute_output_shape((1, 9, 9, 4)) == (1, 5, 5, 4)


def test_pooling_in_a_functional_model_saves_and_loads(tmp_path):
    inputs = nnet.Input((8, 8, 2))
    x = layers.MaxPool2D()(inputs)
    outputs = layers.AveragePooling2D(2, padding="same")(x)
    model = nnet.Model(inputs, outputs)
    data = np.random.default_rng(0).standard_normal((2, 8, 8, 2)).astype("float32")
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = nnet.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="padding='full'"):
        layers.MaxPooling2D(padding="full")
    with pytest.raises(ValueError, match="pool_size=\\(2, 2, 2\\)"):
        layers.AveragePooling2D((2, 2, 2))
    with pytest.raises(ValueError, match="strides=-1"):
        layers.MaxPooling1D(2, strides=-1)
    with pytest.raises(ValueError, match="leaves no output"):
        layers.MaxPooling1D(4).compute_output_shape((1, 3, 1))
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.MaxPooling2D()(np.zeros((2, 4, 4)))
