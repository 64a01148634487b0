"""StringLookup, IntegerLookup, TextVectorization, Hashing and HashedCrossing against Keras.

Keras runs these layers on TensorFlow only, so its answers were recorded by
keras_text_golden.py (TensorFlow 2.21, Keras 3.15.1) into keras_text_golden.json: vocabulary
order, OOV buckets (FarmHash and SipHash), every output mode, n-grams, standardize and split
options, invert, IDF weights and the configs.
"""

import json
import os

import numpy as np
import pytest

import nnet
from nnet import layers
from nnet.utils.hash_utils import fingerprint64, siphash64

GOLDEN = json.load(open(os.path.join(os.path.dirname(__file__), "keras_text_golden.json"),
                        encoding="utf-8"))


def _kwargs(kwargs):
    return {k: tuple(v) if k == "ngrams" and isinstance(v, list) else v
            for k, v in kwargs.items()}


def _case_id(case):
    return f"{case['layer']}-{json.dumps(case['kwargs'], ensure_ascii=True)[:60]}"


@pytest.mark.parametrize("case", GOLDEN["layers"], ids=_case_id)
def test_layer_matches_keras(case):
    layer = getattr(layers, case["layer"])(**_kwargs(case["kwargs"]))
    if case["adapt"] is not None:
        layer.adapt(case["adapt"])
    out = layer(np.array(case["inputs"])).numpy()
    expected = np.array(case["output"], dtype=object if case["dtype"] == "object" else None)
    if case["dtype"] == "object":
        assert out.dtype == object and out.tolist() == expected.tolist()
    elif case["dtype"] == "float32":
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, expected, rtol=1e-6)
    else:
        assert out.dtype == case["dtype"] and out.tolist() == expected.tolist()
    if "vocabulary" in case:
        assert layer.get_vocabulary() == case["vocabulary"]
    if "idf_weights" in case:
        lookup = getattr(layer, "_lookup_layer", layer)
        np.testing.assert_allclose(lookup.idf_weights, case["idf_weights"], rtol=1e-6)
    if "config" in case:
        config = json.loads(json.dumps(layer.get_config()))
        expected_config = dict(case["config"])
        assert sorted(config) == sorted(expected_config)
        config.pop("name"), expected_config.pop("name")
        assert config == expected_config
        # Keras's config builds the same layer in nnet (an adapted vocabulary comes from the
        # assets, so the size is that of the vocabulary given, if any, until they load).
        rebuilt = json.loads(json.dumps(
            getattr(layers, case["layer"]).from_config(case["config"]).get_config()))
        if case["adapt"] is not None:
            expected_config.pop("vocabulary_size"), rebuilt.pop("vocabulary_size")
        rebuilt.pop("name")
        assert rebuilt == expected_config


def test_fingerprint64_and_siphash_match_tensorflow():
    hashes = GOLDEN["hashes"]
    big = np.uint64(hashes["num_buckets"])
    fast = fingerprint64(hashes["strings"]) % big
    strong = siphash64(hashes["strings"], key=(123, 456)) % big
    assert fast.tolist() == hashes["fast"] and strong.tolist() == hashes["strong"]


_WIRE = [["omar"], ["stringer"], ["marlo"], ["wire"], ["skywalker"]]
_ABCDE = [["A"], ["B"], ["C"], ["D"], ["E"]]


@pytest.mark.parametrize("kwargs,inputs,expected", [
    # Literal expectations from Keras's own keras/src/layers/preprocessing/hashing_test.py.
    ({"num_bins": 3}, _ABCDE, [1, 0, 1, 1, 2]),
    ({"num_bins": 3, "mask_value": ""}, [["A"], ["B"], [""], ["C"], ["D"]], [1, 1, 0, 2, 2]),
    ({"num_bins": 3, "salt": [133, 137]}, _ABCDE, [1, 2, 1, 0, 2]),
    ({"num_bins": 3, "salt": 133}, _ABCDE, [0, 0, 2, 1, 0]),
    ({"num_bins": 3}, [[0], [1], [2], [3], [4]], [1, 0, 1, 0, 2]),
    ({"num_bins": 2, "salt": [133, 137]}, _WIRE, [0, 1, 0, 1, 0]),
    ({"num_bins": 2, "salt": [211, 137]}, _WIRE, [1, 0, 1, 0, 1]),
    ({"num_bins": 3, "salt": [133, 137]}, [[0], [1], [2], [3], [4]], [1, 1, 2, 0, 1]),
])
def test_hashing_matches_keras_test_literals(kwargs, inputs, expected):
    assert layers.Hashing(**kwargs)(inputs).numpy().ravel().tolist() == expected


@pytest.mark.parametrize("case", GOLDEN["crossings"], ids=lambda c: str(c["kwargs"]))
def test_hashed_crossing_matches_keras(case):
    layer = layers.HashedCrossing(**case["kwargs"])
    out = layer(tuple(np.array(f) for f in case["inputs"])).numpy()
    np.testing.assert_array_equal(out, np.array(case["output"]))


def test_hashing_layers_in_a_functional_model():
    words = nnet.Input(shape=(1,), dtype="string")
    ids = nnet.Input(shape=(1,), dtype="int64")
    crossed = layers.HashedCrossing(num_bins=7, output_mode="one_hot")([words, ids])
    hashed = layers.Hashing(num_bins=4, output_mode="one_hot")(words)
    model = nnet.Model([words, ids], layers.Concatenate()([crossed, hashed]))
    assert model.output.shape == (None, 11)
    x = [np.array([["a"], ["b"]]), np.array([[1], [2]])]
    out = model.predict(x, verbose=0)
    np.testing.assert_array_equal(out[:, :7], layers.HashedCrossing(7, "one_hot")(x).numpy())


def test_config_round_trip_keeps_the_vocabulary_and_idf():
    layer = layers.TextVectorization(vocabulary=["fox", "the"], output_mode="tf_idf",
                                     idf_weights=[0.5, 2.0], ngrams=(1, 2))
    clone = layers.TextVectorization.from_config(layer.get_config())
    x = np.array(["the fox", "a dog"])
    np.testing.assert_array_equal(clone(x).numpy(), layer(x).numpy())
    lookup = layers.StringLookup(vocabulary=["a", "b"], num_oov_indices=2, mask_token="[M]")
    clone = layers.StringLookup.from_config(lookup.get_config())
    assert clone.get_vocabulary() == ["[M]", "[UNK]", "[UNK]", "a", "b"]


def test_vocabulary_file_and_special_tokens(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("fox\nthe\ndog\n", encoding="utf-8")
    layer = layers.TextVectorization(vocabulary=str(path))
    assert layer.get_vocabulary() == ["", "[UNK]", "fox", "the", "dog"]
    assert layer.get_config()["vocabulary"] is None
    lookup = layers.StringLookup(vocabulary=["[UNK]", "x", "y"])
    assert lookup.get_vocabulary() == ["[UNK]", "x", "y"]
    assert lookup.get_vocabulary(include_special_tokens=False) == ["x", "y"]
    lookup.set_vocabulary(str(path))
    assert lookup(np.array(["dog", "cat"])).numpy().tolist() == [3, 0]


@pytest.mark.parametrize("make,call,message", [
    (lambda: layers.StringLookup(vocabulary=["a"], num_oov_indices=0), ["a", "b"],
     r"num_oov_indices=0.*\['b'\]"),
    (lambda: layers.StringLookup(vocabulary=["a", "a"]), None, "repeated term.*'a'"),
    (lambda: layers.StringLookup(invert=True, output_mode="count"), None, "invert"),
    (lambda: layers.StringLookup(vocabulary=["a", "[M]"], mask_token="[M]"), None,
     "mask_token='\\[M\\]'"),
    (lambda: layers.StringLookup(output_mode="multi_hot"), ["a"], "adapt"),
    (lambda: layers.StringLookup(max_tokens=3, vocabulary=["a", "b", "c"]), None,
     "larger than the maximum"),
    (lambda: layers.TextVectorization(standardize="upper"), None, "standardize='upper'"),
    (lambda: layers.TextVectorization(ragged=True), None, "ragged=True"),
    (lambda: layers.TextVectorization(output_mode="count", output_sequence_length=3), None,
     "output_sequence_length"),
    (lambda: layers.TextVectorization(vocabulary=["a"]), [["a", "b"]], "last shape dimension"),
    (lambda: layers.Hashing(num_bins=0), None, "num_bins=0"),
    (lambda: layers.HashedCrossing(num_bins=3), [np.array([1.5])], "at least two"),
    (lambda: layers.HashedCrossing(num_bins=3), [np.array([1.5]), np.array([2])],
     "integer or string"),
])
def test_bad_arguments_raise_clear_errors(make, call, message):
    with pytest.raises((ValueError, RuntimeError), match=message):
        layer = make()
        layer(call if isinstance(call[0], np.ndarray) else np.array(call))


def test_adapt_reads_datasets_generators_and_batches():
    texts = np.array(["b a", "c b", "a a"])

    class Texts(nnet.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return texts[i * 2:i * 2 + 2], np.zeros(2)

    expected = ["", "[UNK]", "a", "b", "c"]
    for data, kwargs in ((Texts(), {}), ((t for t in [texts[:1], texts[1:]]), {}),
                         (texts, {"batch_size": 2})):
        layer = layers.TextVectorization()
        layer.adapt(data, **kwargs)
        assert layer.get_vocabulary() == expected
    layer = layers.TextVectorization()
    layer.adapt(Texts(), steps=1)
    assert layer.get_vocabulary() == ["", "[UNK]", "b", "c", "a"]  # the tie c, a: decreasing


def test_callable_standardize_and_split():
    layer = layers.TextVectorization(
        standardize=lambda x: np.char.upper(x), split=lambda x: [s.split("-") for s in x],
        vocabulary=["A", "B"])
    assert layer(np.array(["a-b-c", "b"])).numpy().tolist() == [[2, 3, 1], [3, 0, 0]]


def _texts():
    rng = np.random.default_rng(0)
    good, bad = ["great", "fine", "lovely", "superb"], ["awful", "poor", "bad", "dull"]
    words = np.array(good + bad)
    labels = rng.integers(0, 2, 64)
    picks = [rng.choice(4, 3) + 4 * (1 - y) for y in labels]
    return np.array([" ".join(words[p]) for p in picks]), labels.astype("float32")


@pytest.mark.parametrize("functional", [True, False])
def test_model_with_text_vectorization_trains_on_strings(functional, tmp_path):
    texts, labels = _texts()
    vectorize = layers.TextVectorization(output_mode="multi_hot")
    vectorize.adapt(texts)
    nnet.utils.set_random_seed(0)
    if functional:
        inputs = nnet.Input(shape=(1,), dtype="string")
        outputs = layers.Dense(1, activation="sigmoid")(vectorize(inputs))
        model = nnet.Model(inputs, outputs)
        x = texts[:, None]
    else:
        model = nnet.Sequential([vectorize, layers.Dense(1, activation="sigmoid")])
        x = texts
    model.compile(optimizer=nnet.optimizers.Adam(0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, labels, epochs=10, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    predictions = model.predict(x[:4], verbose=0)
    assert predictions.shape == (4, 1)
    if functional:
        pytest.importorskip("h5py")
        path = str(tmp_path / "text.keras")
        model.save(path)
        loaded = nnet.saving.load_model(path)
        assert loaded.layers[1].get_vocabulary() == vectorize.get_vocabulary()
        np.testing.assert_allclose(loaded.predict(x[:4], verbose=0), predictions, rtol=1e-6)


def test_numeric_layer_refuses_text():
    with pytest.raises(ValueError, match="Expected numeric data for layer 'dense.*TextVector"):
        layers.Dense(2, name="dense")(np.array([["a"]]))


def test_loads_a_model_that_keras_saved_with_an_adapted_text_vectorization():
    pytest.importorskip("h5py")
    path = os.path.join(os.path.dirname(__file__), "keras_text_model.keras")
    model = nnet.saving.load_model(path)
    saved = GOLDEN["saved_model"]
    np.testing.assert_allclose(model.predict(np.array(saved["inputs"]), verbose=0),
                               saved["output"], rtol=1e-5, atol=1e-6)


def test_token_ids_feed_an_embedding():
    texts, labels = _texts()
    vectorize = layers.TextVectorization(output_sequence_length=3)
    vectorize.adapt(texts)
    nnet.utils.set_random_seed(0)
    inputs = nnet.Input(shape=(1,), dtype="string")
    ids = vectorize(inputs)
    assert ids.shape == (None, 3) and ids.dtype == "int64"
    embedded = layers.Embedding(vectorize.vocabulary_size(), 4)(ids)
    model = nnet.Model(inputs, layers.Dense(1, activation="sigmoid")(layers.Flatten()(embedded)))
    model.compile(optimizer=nnet.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(texts[:, None], labels, epochs=10, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
