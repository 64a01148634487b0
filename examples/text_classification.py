"""Text classification from raw strings: which part of Python's standard library does a
docstring come from?

The data ships with Python itself: the docstrings of the public functions, classes and methods
of about 70 standard-library modules, labelled by family (numbers, text, files, network,
concurrency, data formats). The model takes the raw docstrings: a TextVectorization layer
inside it standardizes, splits and counts words and word pairs (TF-IDF), and two Dense layers
classify. The trained model is saved as ``.keras`` (its vocabulary travels in the file) and
reloaded to classify new sentences.

Run: python examples/text_classification.py [--quick]
"""

import argparse
import importlib
import inspect
import os
import tempfile

import numpy as np

import nnet

FAMILIES = {
    "numbers": ["math", "cmath", "statistics", "decimal", "fractions", "random", "numbers"],
    "text": ["string", "re", "textwrap", "difflib", "unicodedata", "html", "html.parser",
             "locale", "gettext"],
    "files": ["os", "posixpath", "shutil", "pathlib", "glob", "tempfile", "filecmp", "zipfile",
              "tarfile", "fnmatch", "io"],
    "network": ["http.client", "http.server", "http.cookiejar", "urllib.request",
                "urllib.parse", "socket", "smtplib", "ftplib", "email.message", "ssl",
                "imaplib", "poplib"],
    "concurrency": ["threading", "multiprocessing.pool", "multiprocessing.managers",
                    "multiprocessing.connection", "asyncio.tasks", "asyncio.events",
                    "asyncio.queues", "asyncio.locks", "asyncio.streams",
                    "concurrent.futures.thread", "queue", "subprocess", "sched", "selectors"],
    "data formats": ["json", "json.encoder", "json.decoder", "csv", "pickle", "sqlite3",
                     "shelve", "configparser", "xml.etree.ElementTree", "xml.dom.minidom",
                     "plistlib", "base64", "binascii"],
}


def module_docstrings(name):
    """The distinct docstrings (five words or more) of a module, its public functions and
    classes defined there, and their public methods."""
    module = importlib.import_module(name)
    found = []

    def add(obj):
        doc = inspect.getdoc(obj)
        if doc and len(doc.split()) >= 5 and doc not in found:
            found.append(doc)

    add(module)
    for attribute, obj in sorted(vars(module).items()):
        own = getattr(obj, "__module__", None) in (name, None) or name in ("os", "posixpath")
        if attribute.startswith("_") or not own:
            continue
        if inspect.isclass(obj) or inspect.isroutine(obj):
            add(obj)
        if inspect.isclass(obj):
            for method_name, method in sorted(vars(obj).items()):
                if not method_name.startswith("_") and callable(method):
                    add(method)
    return found


def load_docstrings():
    texts, labels = [], []
    seen = set()
    for label, modules in enumerate(FAMILIES.values()):
        for name in modules:
            for doc in module_docstrings(name):
                # A docstring shared by two modules would be in both families: keep the first.
                if doc not in seen:
                    seen.add(doc)
                    texts.append(doc[:600])
                    labels.append(label)
    return np.array(texts, dtype=object), np.array(labels)


def main(quick=False):
    nnet.utils.set_random_seed(0)
    texts, labels = load_docstrings()
    order = np.random.default_rng(0).permutation(len(texts))
    texts, labels = texts[order], labels[order]
    cut = int(0.8 * len(texts))
    x_train, y_train, x_test, y_test = texts[:cut], labels[:cut], texts[cut:], labels[cut:]
    print(f"{len(texts)} docstrings from {sum(map(len, FAMILIES.values()))} modules; "
          f"{len(x_train)} to train, {len(x_test)} to test")

    vectorize = nnet.layers.TextVectorization(max_tokens=8000, ngrams=2, output_mode="tf_idf")
    vectorize.adapt(x_train)
    inputs = nnet.Input(shape=(1,), dtype="string", name="docstring")
    hidden = nnet.layers.Dense(64, activation="relu")(vectorize(inputs))
    hidden = nnet.layers.Dropout(0.5)(hidden)
    outputs = nnet.layers.Dense(len(FAMILIES), activation="softmax")(hidden)
    model = nnet.Model(inputs, outputs)
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train[:, None], y_train, epochs=3 if quick else 12, batch_size=32,
              validation_split=0.1, verbose=2)
    _, accuracy = model.evaluate(x_test[:, None], y_test, verbose=0)
    majority = np.mean(y_test == np.bincount(y_train).argmax())
    print(f"test accuracy: {accuracy:.4f} (always the largest family: {majority:.4f})")

    path = os.path.join(tempfile.mkdtemp(), "docstring_family.keras")
    model.save(path)
    restored = nnet.saving.load_model(path)
    sentences = np.array([["Return the square root of x."],
                          ["Open a connection to the HTTP server at host and port."],
                          ["Wait until the lock is released by the other thread."]])
    names = list(FAMILIES)
    for sentence, p in zip(sentences[:, 0].tolist(), restored.predict(sentences, verbose=0)):
        print(f"{sentence!r}: {names[int(p.argmax())]} ({p.max():.2f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="train for fewer epochs")
    main(parser.parse_args().quick)
