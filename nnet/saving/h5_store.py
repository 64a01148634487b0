"""The HDF5 side of weights files: one object's ``vars`` group as a dict of arrays
(`H5Store`), and opening files for writing and for reading safely.

Files are written in the HDF5 1.10 format, whose metadata carries checksums, and every array is
stored with a Fletcher-32 checksum (small scalars live inside the checksummed metadata), so a
damaged file fails to load instead of loading different weights. Keras reads these files as its
own. Reading refuses anything that could reach outside the file, and checks each dataset's
declared shape and type before its data is read.
"""

import math

import numpy as np

from nnet.autodiff.tensor import Tensor
from nnet.backend import to_numpy

# A dataset that no model variable accounts for (custom hooks' state) may declare more than this
# many bytes only when the file really stores them, within the expansion that compression gives
# (Keras allows 1000x above 4 GiB; a tiny file must not cost gigabytes).
_MAX_UNSTORED_BYTES = 64 << 20
_MAX_EXPANSION = 1000


def weight_name(variable):
    """How errors name a variable: its path in the model, else its name."""
    return getattr(variable, "path", None) or variable.name


def create_h5(h5py, target):
    """A new HDF5 file at `target` (a path or a binary buffer), in the checksummed format."""
    return h5py.File(target, "w" if hasattr(target, "write") else "x", libver=("v110", "latest"))


def _write_dataset(group, key, array):
    """``group[key] = array`` with a checksum over its data."""
    if array.ndim and array.size:
        group.create_dataset(key, data=array, chunks=array.shape, fletcher32=True)
        return
    import h5py  # an optional extra: the group exists, so it is installed

    # Scalars and empty arrays cannot be chunked; compact storage keeps them in the object
    # header, which the format checksums.
    layout = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    layout.set_layout(h5py.h5d.COMPACT)
    group.create_dataset(key, data=array, dcpl=layout)


class H5Store:
    """The ``<path>/vars`` group of one object in a weights file (Keras's H5IOStore entry).

    `save_own_variables` and `load_own_variables` use it as a dict of arrays: ``store["0"] =
    kernel`` writes a dataset (a Tensor, array or number), ``store["0"]`` reads one back as a
    NumPy array, and ``keys()``, ``len()`` and ``in`` list what is there. When writing, the group
    is made with the ``name`` attribute at once when a name is given (as Keras does for layers),
    otherwise only when the first value is set. When reading, a dataset's declared shape and
    type are checked before its data is read: against the variable stored under its key where
    `expected` gives one, otherwise against the bytes the file really stores.

    Args:
        h5file: an open ``h5py.File``.
        path: the object's path in the walk (``""`` for the model itself).
        name: when writing, the object's name, stored as the group's ``name`` attribute.
        expected: when reading, the variables that the object's default hooks store under
            ``"0"``, ``"1"``, ... (None when the object has hooks of its own).
    """

    def __init__(self, h5file, path, name=None, expected=None):
        self._file = h5file
        self.path = f"{path}/vars" if path else "vars"
        self._group = h5file.get(self.path)
        if self._group is None and isinstance(name, str):
            self._group = h5file.create_group(self.path)
            self._group.attrs["name"] = name
        self._expected = {str(i): variable for i, variable in enumerate(expected or ())}

    def __setitem__(self, key, value):
        if self._group is None:
            self._group = self._file.create_group(self.path)
        if isinstance(value, Tensor):
            value = value.data
        _write_dataset(self._group, key, to_numpy(value))

    def __getitem__(self, key):
        if key not in self:
            raise KeyError(
                f"No value {key!r} in '{self.path}' of the weights file, which holds "
                f"{self.keys()}."
            )
        dataset = self._group[key]
        if not hasattr(dataset, "shape"):
            raise ValueError(f"'{self.path}/{key}' is a group, where a dataset should be.")
        self._check_declared(key, dataset)
        return np.asarray(dataset[()])

    def _check_declared(self, key, dataset):
        """Refuse `dataset` from its header alone when reading it would not fit the model."""
        where = f"'{self.path}/{key}'"
        shape, dtype = dataset.shape, dataset.dtype
        variable = self._expected.get(key)
        if variable is not None:
            if shape != tuple(variable.shape):
                raise ValueError(
                    f"the variable '{weight_name(variable)}' has shape "
                    f"{tuple(variable.shape)} in the model but {shape} in the file (declared by "
                    f"{where})."
                )
            if dtype.kind not in "biuf":
                raise ValueError(
                    f"{where} holds {dtype} values; the variable '{weight_name(variable)}' "
                    "needs numbers."
                )
            return
        declared = math.prod(shape or ()) * dtype.itemsize
        stored = dataset.id.get_storage_size()
        if declared > _MAX_UNSTORED_BYTES and declared > _MAX_EXPANSION * stored:
            raise ValueError(
                f"{where} declares {declared} bytes (shape {shape}, {dtype}) but the file "
                f"stores {stored}; refusing the allocation. A genuine weights file stores "
                "what it declares: re-save it from the model that made it."
            )

    def __contains__(self, key):
        return self._group is not None and key in self._group

    def keys(self):
        """The saved keys (``"0"``, ``"1"``, ... for Layer's default hooks)."""
        return [] if self._group is None else list(self._group.keys())

    def __len__(self):
        return len(self.keys())

    def __iter__(self):
        return iter(self.keys())



def open_h5(h5py, filepath):
    """``h5py.File(filepath, "r")``, once every link in it is checked to stay inside it.

    HDF5 can fill a dataset from other files (external links, external storage, virtual
    datasets); none of them is ever written by nnet or Keras, so any of them is refused.
    """
    try:
        h5file = h5py.File(filepath, "r")
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except OSError as error:
        raise ValueError(
            f"Cannot load {filepath}: it is not a readable HDF5 file ({error}). Check that the "
            "file is complete and was written by Keras or nnet."
        ) from None

    def outside(name, link):
        if not isinstance(link, h5py.HardLink):
            target = getattr(link, "path", "")
            source = getattr(link, "filename", None)
            return name, (f"is a {type(link).__name__} to '{target}'"
                          + (f" in {source!r}" if source else ""))
        obj = h5file[name]
        if isinstance(obj, h5py.Dataset):
            if obj.external:
                files = sorted({entry[0] for entry in obj.external})
                return name, f"is a dataset stored in the external file(s) {files}"
            if obj.is_virtual:
                return name, "is a virtual dataset, mapped from the data of other files"
        return None

    try:
        found = h5file.visititems_links(outside)
    except BaseException:
        h5file.close()
        raise
    if found is not None:
        h5file.close()
        name, what = found
        raise ValueError(
            f"Cannot load {filepath}: its HDF5 entry '{name}' {what}. Weights files must be "
            "self-contained (Keras refuses such entries too): re-save the weights from the "
            "model that made them."
        )
    return h5file


