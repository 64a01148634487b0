"""ContrastLimitedAdaptiveHistogramEqualization (CLAHE): local histogram equalization."""

import numpy as np

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class ContrastLimitedAdaptiveHistogramEqualization(BaseImagePreprocessingLayer):
    """Equalize each tile of a `tile_grid_size` grid by its own clipped histogram, blending
    the four nearest tiles' mappings bilinearly (Zuiderveld, 1994), in training and inference
    alike as Keras does. Histogram counts above ``clip_limit * tile area / 256`` are spread
    evenly over all bins (the limit truncated to a whole count). Not differentiable.

    Args:
        value_range: the (min, max) of the pixel values.
        clip_limit: the contrast limit (0 turns clipping off).
        tile_grid_size: (rows, columns) of tiles; images are extended at the bottom and right
            by repeating their last row and column (as Keras's torch backend pads) up to a whole
            number of tiles.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.ContrastLimitedAdaptiveHistogramEqualization(
        ...     clip_limit=0, tile_grid_size=(1, 1))
        >>> layer(np.array([[[[100.0], [110.0], [110.0], [120.0]]]])).numpy()[0, 0, :, 0]
        array([ 63.75, 191.25, 191.25, 255.  ], dtype=float32)
    """

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8),
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.clip_limit = clip_limit
        self.tile_grid_size = tile_grid_size

    def _mappings(self, padded, tile_h, tile_w):
        """(N, rows + 2, cols + 2, C, 256): each tile's clipped-CDF lookup table, the outer
        ring repeating the border tiles."""
        n, _, _, c = padded.shape
        rows, cols = self.tile_grid_size
        tiles = padded.reshape(n, rows, tile_h, cols, tile_w, c).transpose(0, 1, 3, 5, 2, 4)
        levels = np.clip(tiles.astype(np.int32), 0, 255).reshape(-1, tile_h * tile_w)
        index = np.arange(levels.shape[0])[:, None] * 256 + levels
        hist = np.bincount(index.ravel(), minlength=levels.shape[0] * 256).reshape(-1, 256)
        hist = hist.astype(np.float32)
        if self.clip_limit > 0:
            # Counts are whole numbers and so is the limit (Keras's torch backend truncates it).
            limit = np.float32(int(self.clip_limit * tile_h * tile_w / 256.0))
            clipped = np.minimum(hist, limit)
            hist = clipped + (hist - clipped).sum(axis=-1, keepdims=True) / 256.0
        cdf = np.cumsum(hist, axis=-1)
        cdf_min = cdf.min(axis=-1, keepdims=True)
        denominator = np.float32(tile_h * tile_w) - cdf_min
        table = np.clip((cdf - cdf_min) * 255.0 / np.where(denominator == 0, 1, denominator),
                        0, 255)
        table = table.reshape(n, rows, cols, c, 256)
        return np.pad(table, ((0, 0), (1, 1), (1, 1), (0, 0), (0, 0)), mode="edge")

    def _equalize(self, x):
        n, height, width, c = x.shape
        rows, cols = self.tile_grid_size
        tile_h, tile_w = -(-height // rows), -(-width // cols)
        padded = np.pad(x, ((0, 0), (0, tile_h * rows - height), (0, tile_w * cols - width),
                            (0, 0)), mode="edge")
        table = self._mappings(padded, tile_h, tile_w)

        def neighbours(size, tile, count):
            grid = (np.arange(size, dtype=np.float32) - tile / 2.0) / tile + 1.0
            low = np.floor(grid)
            weight = grid - low
            return (np.clip(low, 0, count + 1).astype(np.int64),
                    np.clip(low + 1, 0, count + 1).astype(np.int64), weight)

        y0, y1, wy = neighbours(padded.shape[1], tile_h, rows)
        x0, x1, wx = neighbours(padded.shape[2], tile_w, cols)
        level = np.clip(padded, 0, 255).astype(np.int32)
        b = np.arange(n)[:, None, None, None]
        ch = np.arange(c)[None, None, None, :]
        y0, y1, wy = y0[None, :, None, None], y1[None, :, None, None], wy[None, :, None, None]
        x0, x1, wx = x0[None, None, :, None], x1[None, None, :, None], wx[None, None, :, None]
        top = table[b, y0, x0, ch, level] * (1 - wx) + table[b, y0, x1, ch, level] * wx
        bottom = table[b, y1, x0, ch, level] * (1 - wx) + table[b, y1, x1, ch, level] * wx
        return (top * (1 - wy) + bottom * wy)[:, :height, :width, :]

    def transform_images(self, images, transformation=None, training=True):
        x = ops.convert_to_numpy(self._rescale(images, self.value_range, (0, 255)))
        if self.data_format == "channels_first":
            x = x.transpose(0, 2, 3, 1)
        out = self._equalize(x.astype(np.float32))
        if self.data_format == "channels_first":
            out = out.transpose(0, 3, 1, 2)
        return self._rescale(ops.convert_to_tensor(out.astype(self.dtype)), (0, 255),
                             self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "clip_limit": self.clip_limit,
                       "tile_grid_size": self.tile_grid_size, "data_format": self.data_format})
        return config
