"""InputSpec (what a layer accepts) and the shape helpers that layers share."""

from nnet.autodiff.symbolic import KerasTensor


class InputSpec:
    """What a layer accepts: ``ndim``/``min_ndim`` and fixed sizes along some axes.

    Args:
        ndim: exact rank, or None.
        min_ndim: minimum rank, or None.
        axes: ``{axis: size}`` that every input must match.
    """

    def __init__(self, ndim=None, min_ndim=None, axes=None):
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.axes = axes or {}

    def check(self, layer, shape):
        """Raise a ValueError naming `layer`, the expected and received shapes, and the fix."""
        expected = None
        if self.ndim is not None and len(shape) != self.ndim:
            expected = f"expected ndim={self.ndim}, found ndim={len(shape)}"
        elif self.min_ndim is not None and len(shape) < self.min_ndim:
            expected = f"expected min_ndim={self.min_ndim}, found ndim={len(shape)}"
        else:
            for axis, size in self.axes.items():
                if len(shape) > abs(axis) - (axis < 0) and shape[axis] not in (size, None):
                    expected = (
                        f"expected axis {axis} of the input shape to have value {size}, "
                        f"but received an input with shape {tuple(shape)}"
                    )
                    break
        if expected:
            raise ValueError(
                f'Input 0 of layer "{layer.name}" is incompatible with the layer: {expected}. '
                f"The layer was built for inputs of shape {layer._build_shape_text()}. Reshape the "
                f"data to match, or use a new layer built for the new shape."
            )


def as_shape(shape):
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
        return [as_shape(s) for s in shape]
    return tuple(shape) if isinstance(shape, (list, tuple)) else shape


def shape_of(inputs):
    if isinstance(inputs, (list, tuple)):
        return [shape_of(x) for x in inputs]
    if isinstance(inputs, dict):
        return {k: shape_of(v) for k, v in inputs.items()}
    return tuple(inputs.shape)


def specs(shapes, dtype):
    """KerasTensors for a shape, or a list or dict of shapes."""
    if isinstance(shapes, dict):
        return {k: specs(v, dtype) for k, v in shapes.items()}
    if isinstance(shapes, list) or (isinstance(shapes, tuple) and shapes
                                    and isinstance(shapes[0], (list, tuple))):
        return [specs(s, dtype) for s in shapes]
    return KerasTensor(shapes, dtype)
