"""`image_dataset_from_directory`: a folder of images (one subfolder per class) as batches that
`fit`, `evaluate` and `predict` take, as in ``keras.utils``."""


import numpy as np

from nnet.backend import standardize_data_format
from nnet.ops.image import resize
from nnet.utils.dataset_utils import (
    PyDataset,
    check_validation_split_arg,
    encode_labels,
    get_training_or_validation_split,
    index_directory,
)
from nnet.utils.image_utils import _convert, _open, _pil_image

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


class ImageDataset(PyDataset):
    """Batches of images read from files, with their labels: what
    `image_dataset_from_directory` returns.

    Each item is ``(images, labels)`` (or ``images`` alone without labels): float32 images of
    `image_size`, values 0 to 255; labels int32 (label_mode "int"), one-hot float32
    ("categorical") or float32 of shape (n, 1) ("binary"). With `shuffle`, the order is drawn
    again, from `seed`, at the end of every epoch.

    Attributes:
        class_names: the class names, label i naming class_names[i] (None without labels).
        file_paths: the image files, in the order of the current epoch.

    Example:
        >>> import numpy as np, nnet, os, tempfile
        >>> root = tempfile.mkdtemp()
        >>> for name in ("cat", "dog"):
        ...     os.mkdir(os.path.join(root, name))
        ...     nnet.utils.save_img(os.path.join(root, name, "a.png"), np.ones((5, 5, 3)))
        >>> ds = nnet.utils.image_dataset_from_directory(root, image_size=(4, 4), verbose=False)
        >>> images, labels = ds[0]
        >>> images.shape, ds.class_names, len(ds)
        ((2, 4, 4, 3), ['cat', 'dog'], 1)
    """

    def __init__(self, file_paths, labels, class_names, label_mode, batch_size, image_size,
                 color_mode, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio,
                 data_format, shuffle, seed):
        super().__init__()
        self.file_paths = list(file_paths)
        self.labels = None if labels is None else encode_labels(labels, label_mode,
                                                                len(class_names))
        self.class_names = class_names
        self.batch_size = batch_size
        self._load = dict(image_size=image_size, color_mode=color_mode,
                          interpolation=interpolation, crop_to_aspect_ratio=crop_to_aspect_ratio,
                          pad_to_aspect_ratio=pad_to_aspect_ratio, data_format=data_format)
        self._rng = np.random.default_rng(seed) if shuffle else None
        self._order = np.arange(len(self.file_paths))
        if shuffle:
            self.on_epoch_end()

    def __len__(self):
        if self.batch_size is None:
            return len(self.file_paths)
        return -(-len(self.file_paths) // self.batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"Batch index {index} out of range for {len(self)} batches.")
        index %= len(self)
        size = self.batch_size or 1
        picked = self._order[index * size:(index + 1) * size]
        images = np.stack([load_image(self.file_paths[i], **self._load) for i in picked])
        labels = None if self.labels is None else self.labels[picked]
        if self.batch_size is None:
            images, labels = images[0], None if labels is None else labels[0]
        return images if labels is None else (images, labels)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def on_epoch_end(self):
        if self._rng is not None:
            self._order = self._rng.permutation(len(self.file_paths))


def load_image(path, image_size, color_mode, interpolation, crop_to_aspect_ratio=False,
               pad_to_aspect_ratio=False, data_format=None):
    """One image file as a float32 array of `image_size`, resized as
    `nnet.ops.image.resize` does (with its crop or pad to the aspect ratio).

    Example:
        >>> import numpy as np, nnet, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
        >>> nnet.utils.save_img(path, np.random.random((8, 6, 3)))
        >>> load_image(path, (3, 3), "grayscale", "bilinear", data_format="channels_first").shape
        (1, 3, 3)
    """
    data_format = standardize_data_format(data_format)
    img = _convert(_open(path, _pil_image("image_dataset_from_directory")), color_mode)
    x = np.asarray(img, dtype="float32")
    x = x[..., None] if x.ndim == 2 else x
    if data_format == "channels_first":
        x = x.transpose(2, 0, 1)
    return resize(x, image_size, interpolation, crop_to_aspect_ratio=crop_to_aspect_ratio,
                  pad_to_aspect_ratio=pad_to_aspect_ratio, data_format=data_format).numpy()


def _check_arguments(labels, label_mode, class_names, color_mode, interpolation,
                     validation_split, subset, shuffle, seed):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                f"`labels` argument should be a list/tuple of integer labels, of the same size "
                f"as the number of image files in the target directory. If you wish to infer "
                f'the labels from the subdirectory names in the target directory, pass '
                f'`labels="inferred"`. If you wish to get a dataset that only contains images '
                f"(no labels), pass `labels=None`. Received: labels={labels}"
            )
        if class_names:
            raise ValueError(
                f'You can only pass `class_names` if `labels="inferred"`. Received: '
                f"labels={labels}, and class_names={class_names}"
            )
    if labels is None and class_names is not None:
        raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be "
                         "specified.")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(
            f'`label_mode` argument must be one of "int", "categorical", "binary", or None. '
            f"Received: label_mode={label_mode}"
        )
    if color_mode not in _CHANNELS:
        raise ValueError(
            f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. Received: '
            f"color_mode={color_mode}"
        )
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"Argument `interpolation` should be one of {_INTERPOLATIONS}. Received: "
            f"interpolation={interpolation}"
        )
    check_validation_split_arg(validation_split, subset, shuffle, seed)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf",
                                 verbose=True):
    """Batches of images from a directory, labelled by subdirectory (Keras's arguments).

    ``directory/class_a/*.png, directory/class_b/*.jpg`` gives labels 0 and 1 (classes in
    alphanumeric order, or in the order of `class_names`). Files are .bmp, .gif, .jpeg, .jpg or
    .png, found in subfolders at any depth.

    Args:
        directory: the root folder.
        labels: "inferred" (from the subfolders), a list of integer labels in the sorted order
            of all the image files under `directory`, or None (images only).
        label_mode: "int", "categorical" (one-hot), "binary" (two classes, float (n, 1)) or
            None (images only).
        class_names: with inferred labels, the subfolders to use, in label order.
        color_mode: "grayscale", "rgb" or "rgba" (1, 3 or 4 channels).
        batch_size: images per batch; None yields single images.
        image_size: (height, width) every image is resized to (an int for a square).
        shuffle: shuffle the files (once, from `seed`), and the batches again every epoch.
        seed: seed of the shuffles.
        validation_split: the fraction (0 to 1) of the files kept for validation, the last ones
            after shuffling.
        subset: "training", "validation" or "both" (then a [training, validation] list).
        interpolation: resizing method: "bilinear", "nearest", "bicubic", "area", "lanczos3" or
            "lanczos5".
        follow_links: also visit subfolders that are symbolic links.
        crop_to_aspect_ratio: crop each image to the target aspect ratio before resizing.
        pad_to_aspect_ratio: pad each image to the target aspect ratio before resizing.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        format: "tf" or "grain" (Keras's dataset kinds); nnet returns its own dataset for both.
        verbose: print how many files and classes were found.

    Returns:
        An `ImageDataset` (a `PyDataset`, with `class_names` and `file_paths`), or two of them
        for ``subset="both"``.

    Example:
        >>> import numpy as np, nnet, os, tempfile
        >>> root = tempfile.mkdtemp()
        >>> for name in ("a", "b"):
        ...     os.mkdir(os.path.join(root, name))
        ...     for i in range(3):
        ...         nnet.utils.save_img(os.path.join(root, name, f"{i}.png"), np.ones((6, 6, 3)))
        >>> train, val = nnet.utils.image_dataset_from_directory(
        ...     root, image_size=4, validation_split=0.5, subset="both", seed=1, batch_size=2)
        Found 6 files belonging to 2 classes.
        Using 3 files for training.
        Using 3 files for validation.
        >>> len(train), len(val), train.class_names
        (2, 2, ['a', 'b'])
    """
    interpolation = interpolation.lower() if isinstance(interpolation, str) else interpolation
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    _check_arguments(labels, label_mode, class_names, color_mode, interpolation,
                     validation_split, subset, shuffle, seed)
    if labels is None or label_mode is None:
        labels = label_mode = None
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(
            f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: "
            f"image_size={image_size}"
        )
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set "
                         "to `True`.")
    if seed is None:
        seed = int(np.random.randint(1e6))
    paths, labels, class_names = index_directory(directory, labels, ALLOWLIST_FORMATS,
                                                 class_names, follow_links)
    if verbose:
        print(f"Found {len(paths)} files." if labels is None else
              f"Found {len(paths)} files belonging to {len(class_names)} classes.")
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            f'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={class_names}"
        )
    if shuffle:
        # One permutation for both, so that each file keeps its label.
        order = np.random.RandomState(seed).permutation(len(paths))
        paths = [paths[i] for i in order]
        labels = None if labels is None else labels[order]
    settings = dict(class_names=class_names, label_mode=label_mode, batch_size=batch_size,
                    image_size=tuple(image_size), color_mode=color_mode,
                    interpolation=interpolation, crop_to_aspect_ratio=crop_to_aspect_ratio,
                    pad_to_aspect_ratio=pad_to_aspect_ratio,
                    data_format=standardize_data_format(data_format), seed=seed)
    subsets = ("training", "validation") if subset == "both" else (subset,)
    datasets = []
    for part in subsets:
        part_paths, part_labels = get_training_or_validation_split(paths, labels,
                                                                   validation_split, part)
        if validation_split:
            print(f"Using {len(part_paths)} files for {part}.")
        if not part_paths:
            raise ValueError(
                f"No {part + ' ' if part else ''}images found in directory {directory}. "
                f"Allowed formats: {ALLOWLIST_FORMATS}"
            )
        # Keras leaves the validation half of subset="both" in order.
        part_shuffle = shuffle and not (subset == "both" and part == "validation")
        datasets.append(ImageDataset(part_paths, part_labels, shuffle=part_shuffle, **settings))
    return datasets if subset == "both" else datasets[0]
