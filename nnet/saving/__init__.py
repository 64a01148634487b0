"""nnet.saving: weights files (``.weights.h5`` in Keras's layout, ``.weights.npz``)."""

from nnet.saving.weights import load_weights, save_weights

__all__ = ["save_weights", "load_weights"]
