"""Layer assets in ``.keras`` files: files a layer writes next to its weights (a lookup layer's
``vocabulary.txt``), stored under ``assets/<layer path>/`` as Keras's saving_lib stores them.

A layer takes part by defining ``save_assets(dir_path)`` and ``load_assets(dir_path)``; the
layer path is the one its weights have in ``model.weights.h5``.
"""

import os
import posixpath
import tempfile

from nnet.saving.weights import _h5_layout

ASSETS_DIRNAME = "assets"
# An asset is a small text file; anything larger is refused rather than read.
MAX_ASSET_BYTES = 256 << 20


def asset_members(model):
    """``{archive name: bytes}`` of every file the model's layers write with `save_assets`.

    Example:
        >>> import nnet
        >>> lookup = nnet.layers.StringLookup()
        >>> lookup.adapt(["a", "b", "b"])
        >>> model = nnet.Sequential([nnet.Input((1,), dtype="string"), lookup])
        >>> asset_members(model)
        {'assets/layers/string_lookup/vocabulary.txt': b'[UNK]\\nb\\na'}
    """
    members = {}
    with tempfile.TemporaryDirectory() as root:
        for path, layer in _h5_layout(model):
            if not hasattr(layer, "save_assets"):
                continue
            directory = os.path.join(root, *path.split("/"))
            os.makedirs(directory, exist_ok=True)
            layer.save_assets(directory)
            for name in sorted(os.listdir(directory)):
                file_path = os.path.join(directory, name)
                if os.path.isfile(file_path):
                    with open(file_path, "rb") as f:
                        members[posixpath.join(ASSETS_DIRNAME, path, name)] = f.read()
    return members


def is_asset(name):
    """Whether the archive member `name` is an asset (under ``assets/``, no ``..``)."""
    parts = name.split("/")
    return parts[0] == ASSETS_DIRNAME and len(parts) > 1 and parts[-1] != "" and \
        not any(p in ("", ".", "..") for p in parts[1:]) and "\\" not in name


def load_assets(model, members):
    """Hand each layer the asset files saved under its path (`members`: ``{name: bytes}``);
    layers whose path holds none are left as they are."""
    if not members:
        return
    with tempfile.TemporaryDirectory() as root:
        for name, data in members.items():
            if not is_asset(name):
                continue
            target = os.path.join(root, *name.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)
        for path, layer in _h5_layout(model):
            directory = os.path.join(root, ASSETS_DIRNAME, *path.split("/"))
            if hasattr(layer, "load_assets") and os.path.isdir(directory):
                layer.load_assets(directory)
