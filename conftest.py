"""Puts the checkout on sys.path so that tests and doctests import this nnet.

The ONNX exporter's modules import the optional `onnx` package: without it their doctests are
not collected (tests/export skips itself)."""

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("onnx") and importlib.util.find_spec(
    "onnxruntime") else ["nnet/export/onnx*.py"]
