"""Record Keras's answers for the text layers and sequence utilities: keras_text_golden.json.

Keras's StringLookup, IntegerLookup, TextVectorization, Hashing, HashedCrossing and
timeseries_dataset_from_array run on TensorFlow, which nnet's test environment does not have, so
their outputs on the inputs below are recorded once and compared by test_text_layers.py, with
a model that Keras saved (keras_text_model.keras) holding an adapted TextVectorization. To
regenerate (TensorFlow CPU and Keras 3.15 in a separate environment):

    python -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu keras==3.15.1
    /tmp/tfenv/bin/python tests/layers/keras_text_golden.py
"""

import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "A dog, a cat; and THE bird!",
    "Über café: naïve résumé — ÉLAN",
    "tabs\tand\nnew lines  and\u00a0nbsp",
    "the the the fox",
    "x-ray (don't) 3.14 e-mail",
    "",
]
QUERIES = ["the fox and the bird", "unknown words here", "Über dog", "", "café x-ray e-mail"]
TOKENS = [["a", "b", "c", "b"], ["c", "d", "a", "e"], ["b", "b", "z", "é"]]
TOKEN_QUERIES = [["a", "z", "q", "[MASK]"], ["é", "y", "b", "c"]]
INTS = [[3, 7, 7, 1], [9, 3, 1, 1], [42, 7, 0, 5]]
INT_QUERIES = [[7, 100, -4, 0], [42, 9, 13, 5]]

# (class name, constructor arguments, adapt data or None, call inputs)
LAYER_CASES = [
    ("TextVectorization", {}, CORPUS, QUERIES),
    ("TextVectorization", {"max_tokens": 8, "output_sequence_length": 5}, CORPUS, QUERIES),
    ("TextVectorization", {"standardize": "lower", "split": "character",
                           "output_sequence_length": 12}, CORPUS, QUERIES),
    ("TextVectorization", {"standardize": None, "ngrams": 2}, CORPUS, QUERIES),
    ("TextVectorization", {"ngrams": (1, 3), "output_mode": "count"}, CORPUS, QUERIES),
    ("TextVectorization", {"output_mode": "multi_hot", "max_tokens": 10,
                           "pad_to_max_tokens": True}, CORPUS, QUERIES),
    ("TextVectorization", {"output_mode": "tf_idf"}, CORPUS, QUERIES),
    ("TextVectorization", {"split": None, "standardize": "strip_punctuation"}, CORPUS,
     [[q] for q in QUERIES]),
    ("TextVectorization", {"vocabulary": ["fox", "the", "dog"], "output_mode": "tf_idf",
                           "idf_weights": [0.5, 0.25, 2.0]}, None, QUERIES),
    ("TextVectorization", {"vocabulary": ["fox", "the", "dog"],
                           "output_sequence_length": 3}, None, [[q] for q in QUERIES]),
    ("StringLookup", {}, TOKENS, TOKEN_QUERIES),
    ("StringLookup", {"mask_token": "[MASK]", "num_oov_indices": 2}, TOKENS, TOKEN_QUERIES),
    ("StringLookup", {"num_oov_indices": 3, "salt": 7}, TOKENS, TOKEN_QUERIES),
    ("StringLookup", {"max_tokens": 4}, TOKENS, TOKEN_QUERIES),
    ("StringLookup", {"output_mode": "one_hot"}, TOKENS, [["a"], ["z"], ["b"]]),
    ("StringLookup", {"output_mode": "multi_hot", "mask_token": "[MASK]"}, TOKENS,
     TOKEN_QUERIES),
    ("StringLookup", {"output_mode": "count", "max_tokens": 9, "pad_to_max_tokens": True},
     TOKENS, TOKEN_QUERIES),
    ("StringLookup", {"output_mode": "tf_idf"}, TOKENS, TOKEN_QUERIES),
    ("StringLookup", {"vocabulary": ["b", "a", "é"], "invert": True}, None, [[0, 1, 2, 3, 9]]),
    ("StringLookup", {"vocabulary": ["b", "a"], "invert": True, "mask_token": "[M]"}, None,
     [[0, 1, 2, 3, 4]]),
    ("IntegerLookup", {}, INTS, INT_QUERIES),
    ("IntegerLookup", {"mask_token": 0, "num_oov_indices": 2}, INTS, INT_QUERIES),
    ("IntegerLookup", {"num_oov_indices": 3, "oov_method": "farmhash"}, INTS, INT_QUERIES),
    ("IntegerLookup", {"num_oov_indices": 3, "oov_method": "farmhash", "salt": [5, 11]}, INTS,
     INT_QUERIES),
    ("IntegerLookup", {"output_mode": "count"}, INTS, INT_QUERIES),
    ("IntegerLookup", {"output_mode": "tf_idf", "max_tokens": 5}, INTS, INT_QUERIES),
    ("IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "invert": True}, None,
     [[1, 0, 4, 7]]),
    ("Hashing", {"num_bins": 7}, None, [["a"], ["fox"], ["Über"], [""], ["x" * 70]]),
    ("Hashing", {"num_bins": 5, "mask_value": ""}, None, [["a"], [""], ["b"], ["c"]]),
    ("Hashing", {"num_bins": 11, "salt": 133}, None, [["a"], ["fox"], ["Über"], ["x" * 70]]),
    ("Hashing", {"num_bins": 11, "salt": [1, 2]}, None, [[12], [-5], [0], [123456789]]),
    ("Hashing", {"num_bins": 6, "mask_value": 0}, None, [[0, 3, -7], [99, 0, 1]]),
    ("Hashing", {"num_bins": 4, "output_mode": "multi_hot"}, None, [["a", "b"], ["c", "d"]]),
    ("Hashing", {"num_bins": 4, "output_mode": "count"}, None, [["a", "a", "b"], ["c", "d", "a"]]),
    ("Hashing", {"num_bins": 4, "output_mode": "one_hot"}, None, [["a"], ["b"], ["c"]]),
]
FLOAT_HASH = ("Hashing", {"num_bins": 9}, [[1.7], [-2.5], [300.0]])
CROSSING_CASES = [
    ({"num_bins": 5}, [["A", "B", "A", "B", "A"], [101, 101, 101, 102, 102]]),
    ({"num_bins": 1000}, [["x", "y"], ["p", "q"], [-3, 7]]),
    ({"num_bins": 4, "output_mode": "one_hot"}, [[["a"], ["b"]], [[1], [2]]]),
]
TIMESERIES_CASES = [
    {"sequence_length": 4},
    {"sequence_length": 3, "sequence_stride": 2, "sampling_rate": 2, "batch_size": 3},
    {"sequence_length": 5, "start_index": 3, "end_index": 17, "batch_size": 4, "targets": True},
    {"sequence_length": 2, "batch_size": None, "targets": True},
]


def _plain(value):
    value = np.asarray(value)
    if value.dtype.kind in "OS":
        return [_plain(v) for v in value] if value.ndim else value.item().decode("utf-8")
    return value.tolist()


def main():
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    layers = []
    for name, kwargs, adapt, inputs in LAYER_CASES:
        layer = getattr(keras.layers, name)(**kwargs)
        if adapt is not None:
            layer.adapt(adapt)
        out = layer(np.array(inputs))
        entry = {"layer": name, "kwargs": kwargs, "adapt": adapt, "inputs": inputs,
                 "output": _plain(out), "dtype": str(np.asarray(out).dtype),
                 "config": json.loads(json.dumps(layer.get_config(), default=_plain))}
        if hasattr(layer, "get_vocabulary"):
            entry["vocabulary"] = [v.item() if hasattr(v, "item") else v
                                   for v in layer.get_vocabulary()]
        if kwargs.get("output_mode") == "tf_idf":
            lookup = getattr(layer, "_lookup_layer", layer)
            entry["idf_weights"] = np.asarray(lookup.idf_weights).tolist()
        layers.append(entry)
    name, kwargs, inputs = FLOAT_HASH
    layers.append({"layer": name, "kwargs": kwargs, "adapt": None, "inputs": inputs,
                   "output": _plain(keras.layers.Hashing(**kwargs)(np.array(inputs))),
                   "dtype": "int64"})
    crossings = []
    for kwargs, features in CROSSING_CASES:
        out = keras.layers.HashedCrossing(**kwargs)(tuple(np.array(f) for f in features))
        crossings.append({"kwargs": kwargs, "inputs": features, "output": _plain(out)})
    series = np.arange(40, dtype="float32").reshape(20, 2) ** 1.5
    targets = np.arange(20) * 10
    timeseries = []
    for case in TIMESERIES_CASES:
        kwargs = {k: v for k, v in case.items() if k != "targets"}
        kwargs.setdefault("batch_size", 128)
        dataset = keras.utils.timeseries_dataset_from_array(
            series, targets if case.get("targets") else None, **kwargs)
        batches = [tuple(_plain(part) for part in batch) if isinstance(batch, tuple)
                   else (_plain(batch),) for batch in dataset]
        timeseries.append({"kwargs": case, "batches": batches})
    # A model saved by Keras: its adapted vocabulary and IDF weights travel as assets.
    vectorize = keras.layers.TextVectorization(output_mode="tf_idf", max_tokens=20)
    vectorize.adapt(CORPUS)
    inputs = keras.Input((1,), dtype="string")
    model = keras.Model(inputs, keras.layers.Dense(2)(vectorize(inputs)))
    here = os.path.dirname(os.path.abspath(__file__))
    model.save(os.path.join(here, "keras_text_model.keras"))
    saved = {"inputs": [[q] for q in QUERIES],
             "output": np.asarray(model(tf.constant([[q] for q in QUERIES]))).tolist()}
    # The hashes themselves, over every path of FarmHash (0-16, 17-32, 33-64 and longer
    # strings, several 64-byte blocks) and SipHash (full and partial 8-byte blocks).
    strings = [("abcdé0123 xyz" * 50)[:n] for n in list(range(0, 140)) + [300, 513]]
    big = 2 ** 62
    hashes = {"strings": strings, "num_buckets": big,
              "fast": tf.strings.to_hash_bucket_fast(strings, big).numpy().tolist(),
              "strong": tf.strings.to_hash_bucket_strong(strings, big, [123, 456]).numpy().tolist()}
    golden = {"keras": keras.__version__, "tensorflow": tf.__version__, "layers": layers,
              "crossings": crossings, "timeseries": timeseries, "saved_model": saved,
              "hashes": hashes}
    path = os.path.join(here, "keras_text_golden.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
