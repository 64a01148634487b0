"""Fixtures of the metrics tests: Keras 3 on the torch backend, the oracle."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import pytest


@pytest.fixture(scope="session")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")
