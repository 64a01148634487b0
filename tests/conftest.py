"""Test-suite setup: makes `harness` importable from every test, and the `xp` fixture."""

import os
import sys

import pytest

_TESTS = os.path.dirname(os.path.abspath(__file__))
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)


def pytest_configure(config):
    # Keras (the test oracle) converts torch tensors with np.array(x), which NumPy 2 flags.
    config.addinivalue_line("filterwarnings", "ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture(params=["numpy", "cupy"])
def xp(request):
    """The array module under test: NumPy always, CuPy when it is installed (else skipped)."""
    return pytest.importorskip(request.param)
