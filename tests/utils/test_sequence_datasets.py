"""pad_sequences (against live Keras), timeseries_dataset_from_array (against Keras's recorded
windows) and text_dataset_from_directory, and training on the datasets they return."""

import json
import os

import numpy as np
import pytest

import nnet
from nnet.utils import pad_sequences, text_dataset_from_directory, timeseries_dataset_from_array

os.environ["KERAS_BACKEND"] = "torch"
GOLDEN = json.load(open(os.path.join(os.path.dirname(__file__), "..", "layers",
                                     "keras_text_golden.json"), encoding="utf-8"))

_SEQUENCES = [[], [3, 1, 4], [1, 5, 9, 2, 6, 5, 3], [5], [8, 9, 7, 9, 3]]


@pytest.mark.parametrize("kwargs", [
    {}, {"maxlen": 4}, {"maxlen": 4, "padding": "post"},
    {"maxlen": 3, "truncating": "post", "value": -1}, {"maxlen": 9, "dtype": "float32",
                                                        "value": 0.5},
])
def test_pad_sequences_matches_keras(kwargs):
    keras = pytest.importorskip("keras")
    expected = keras.utils.pad_sequences(_SEQUENCES, **kwargs)
    out = pad_sequences(_SEQUENCES, **kwargs)
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out, expected)


def test_pad_sequences_of_vectors_and_strings():
    keras = pytest.importorskip("keras")
    vectors = [np.ones((2, 3)), np.zeros((4, 3))]
    np.testing.assert_array_equal(pad_sequences(vectors, maxlen=3, dtype="float32"),
                                  keras.utils.pad_sequences(vectors, maxlen=3, dtype="float32"))
    words = [["a", "bb"], ["c"]]
    assert pad_sequences(words, dtype=object, value="?").tolist() == [["a", "bb"], ["?", "c"]]
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences(words, value="?")
    with pytest.raises(ValueError, match='Padding type "middle".*padding=\'middle\''):
        pad_sequences(words, dtype=object, padding="middle")
    with pytest.raises(ValueError, match=r"Shape of sample \(2,\)"):
        pad_sequences([np.ones((1, 3)), np.ones((1, 2))])


def _series():
    return np.arange(40, dtype="float32").reshape(20, 2) ** 1.5, np.arange(20) * 10


@pytest.mark.parametrize("case", GOLDEN["timeseries"], ids=lambda c: str(c["kwargs"]))
def test_timeseries_windows_match_keras(case):
    data, targets = _series()
    kwargs = {k: v for k, v in case["kwargs"].items() if k != "targets"}
    kwargs.setdefault("batch_size", 128)
    dataset = timeseries_dataset_from_array(data, targets if case["kwargs"].get("targets")
                                            else None, **kwargs)
    batches = [b if isinstance(b, tuple) else (b,) for b in dataset]
    assert len(batches) == len(case["batches"])
    for batch, expected in zip(batches, case["batches"]):
        for part, want in zip(batch, expected):
            np.testing.assert_allclose(part, want, rtol=1e-6)


def test_timeseries_shuffle_keeps_the_windows_and_trains():
    data, targets = _series()
    plain = timeseries_dataset_from_array(data, targets, sequence_length=3, batch_size=None)
    shuffled = timeseries_dataset_from_array(data, targets, sequence_length=3, batch_size=None,
                                             shuffle=True, seed=3)
    assert sorted(y for _, y in plain) == sorted(y for _, y in shuffled)
    assert [y for _, y in plain] != [y for _, y in shuffled]
    with pytest.raises(ValueError, match="sequence_stride=0"):
        timeseries_dataset_from_array(data, None, 3, sequence_stride=0)
    with pytest.raises(ValueError, match="end_index=20, for data of length 20"):
        timeseries_dataset_from_array(data, None, 3, end_index=20)
    dataset = timeseries_dataset_from_array(data / 100, targets / 100, sequence_length=4,
                                            batch_size=8)
    model = nnet.Sequential([nnet.Input((4, 2)), nnet.layers.Flatten(), nnet.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(dataset, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(dataset, verbose=0).shape == (17, 1)


def _write_texts(root):
    files = {"neg": {"a.txt": "dull and poor", "b.txt": "bad", "sub/c.txt": "awful film"},
             "pos": {"d.txt": "great", "e.txt": "superb fun", "f.TXT": "caf\u00e9 lovely"},
             "zzz": {"g.md": "not a text file"}}
    for label, items in files.items():
        for name, text in items.items():
            path = root / label / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def test_text_dataset_from_directory(tmp_path, capsys):
    _write_texts(tmp_path)
    dataset = text_dataset_from_directory(tmp_path, shuffle=False, batch_size=4,
                                          class_names=["neg", "pos"])
    assert "Found 6 files belonging to 2 classes." in capsys.readouterr().out
    texts, labels = dataset[0]
    assert texts.tolist() == ["dull and poor", "bad", "awful film", "great"]
    assert labels.tolist() == [0, 0, 0, 1] and labels.dtype == np.int32
    assert dataset[1][0].tolist() == ["superb fun", "caf\u00e9 lovely"]
    cut = text_dataset_from_directory(tmp_path, label_mode="binary", class_names=["neg", "pos"],
                                      shuffle=False, max_length=4, verbose=False)
    texts, labels = cut[0]
    assert texts.tolist()[-1] == "caf" and labels.shape == (6, 1)
    train, validation = text_dataset_from_directory(
        tmp_path, class_names=["neg", "pos"], label_mode="categorical", validation_split=0.34,
        subset="both", seed=7, verbose=False)
    assert len(train.file_paths) == 4 and len(validation.file_paths) == 2
    assert not set(train.file_paths) & set(validation.file_paths)
    assert validation[0][1].shape == (2, 2)
    with pytest.raises(ValueError, match="must provide a `seed`"):
        text_dataset_from_directory(tmp_path, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="label_mode=sparse"):
        text_dataset_from_directory(tmp_path, label_mode="sparse")


def test_text_dataset_trains_a_model_with_text_vectorization(tmp_path):
    _write_texts(tmp_path)
    dataset = text_dataset_from_directory(tmp_path, class_names=["neg", "pos"], batch_size=2,
                                          seed=1, label_mode="binary", verbose=False)
    vectorize = nnet.layers.TextVectorization(output_mode="count")
    vectorize.adapt(dataset)
    model = nnet.Sequential([vectorize, nnet.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=nnet.optimizers.Adam(0.2), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(dataset, epochs=15, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
