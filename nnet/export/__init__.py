"""nnet.export: models written for other runtimes.

`nnet.export.onnx.export_onnx` (what ``model.export(path, format="onnx")`` calls) writes an ONNX
graph built layer by layer from the model's structure. Its modules import the optional `onnx`
package, so nothing here loads until an export runs.
"""
