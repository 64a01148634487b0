"""The op table of the NumPy-named keras.ops (elementwise, binary, NaN reductions, order
statistics, products, sorting): each row against NumPy (SciPy for special functions) and, for
the differentiable ones, a float64 numerical gradient, float32 gradients staying float32 and
broadcasting where the row's shapes differ."""

import math

import numpy as np
import pytest
from harness import check_op

from nnet import ops
from nnet.autodiff import backward as nnet_backward
from nnet.autodiff import check_grad

MASK = np.array([[True, False, False, False], [False, False, True, False],
                 [False, False, False, False]])
INTS = np.array([[12, 7, -3, 0], [5, 9, 16, -8], [1, 2, 3, 4]], dtype="int32")
SHIFTS = np.array([0, 1, 2, 3], dtype="int32")
NAN = float("nan")
ZEROS = np.array([[1.0], [0.0], [1.0], [0.0], [1.0]])


def nan_row(name, op, reference, kwargs=None):
    """A row for a NaN-skipping reduction, on a (3, 4) input with NaN at MASK."""
    return (name, lambda x, **kw: op(ops.where(MASK, NAN, x), **kw),
            lambda x, **kw: reference(np.where(MASK, np.asarray(NAN, x.dtype), x), **kw),
            [(3, 4)], kwargs or {}, {})


def _as(dtype, fn):
    return lambda *xs, **kw: np.asarray(fn(*xs, **kw)).astype(dtype)


def _like_input(fn):
    return lambda x, *rest, **kw: np.asarray(fn(x, *rest, **kw)).astype(x.dtype)


def _erfinv(x):
    special = pytest.importorskip("scipy.special")
    return special.erfinv(x).astype(x.dtype)


def _nancumprod(x, **kw):
    return np.nancumprod(x, **kw)


# (name, op, numpy reference, input shapes, kwargs, check_op options)
TABLE = [
    # Elementwise functions of one tensor.
    ("tan", ops.tan, np.tan, [(3, 4)], {}, {"domain": (-1.2, 1.2)}),
    ("sinh", ops.sinh, np.sinh, [(3, 4)], {}, {}),
    ("cosh", ops.cosh, np.cosh, [(3, 4)], {}, {}),
    ("arcsin", ops.arcsin, np.arcsin, [(3, 4)], {}, {"domain": (-0.9, 0.9)}),
    ("arccos", ops.arccos, np.arccos, [(3, 4)], {}, {"domain": (-0.9, 0.9)}),
    ("arctan", ops.arctan, np.arctan, [(3, 4)], {}, {}),
    ("arcsinh", ops.arcsinh, np.arcsinh, [(3, 4)], {}, {}),
    ("arccosh", ops.arccosh, np.arccosh, [(3, 4)], {}, {"domain": (1.1, 4.0)}),
    ("arctanh", ops.arctanh, np.arctanh, [(3, 4)], {}, {"domain": (-0.9, 0.9)}),
    ("expm1", ops.expm1, np.expm1, [(3, 4)], {}, {}),
    ("exp2", ops.exp2, np.exp2, [(3, 4)], {}, {}),
    ("log2", ops.log2, np.log2, [(3, 4)], {}, {"domain": (0.1, 4.0)}),
    ("log10", ops.log10, np.log10, [(3, 4)], {}, {"domain": (0.1, 4.0)}),
    ("cbrt", ops.cbrt, np.cbrt, [(3, 4)], {}, {}),
    ("reciprocal", ops.reciprocal, np.reciprocal, [(3, 4)], {}, {"domain": (0.3, 3.0)}),
    ("sinc", ops.sinc, np.sinc, [(3, 4)], {}, {}),
    ("deg2rad", ops.deg2rad, np.deg2rad, [(3, 4)], {}, {}),
    ("rad2deg", ops.rad2deg, np.rad2deg, [(3, 4)], {}, {}),
    ("absolute", ops.absolute, np.absolute, [(3, 4)], {}, {}),
    ("fabs", ops.fabs, np.fabs, [(3, 4)], {}, {}),
    ("erfc", ops.erfc, lambda x: np.vectorize(math.erfc)(x).astype(x.dtype), [(3, 4)], {},
     {"domain": (-3.0, 4.0)}),
    ("erfinv", ops.erfinv, _erfinv, [(3, 4)], {}, {"domain": (-0.99, 0.99)}),
    ("i0", ops.i0, _like_input(np.i0), [(3, 4)], {}, {"domain": (-4.0, 4.0)}),
    ("nan_to_num", lambda x: ops.nan_to_num(ops.where(MASK, NAN, x), nan=2.5),
     lambda x: np.nan_to_num(np.where(MASK, np.asarray(NAN, x.dtype), x), nan=2.5), [(3, 4)],
     {}, {}),
    ("real", ops.real, np.real, [(3, 4)], {}, {}),
    ("conj", ops.conj, np.conj, [(3, 4)], {}, {}),
    ("conjugate", ops.conjugate, np.conjugate, [(3, 4)], {}, {}),
    ("copy", ops.copy, np.copy, [(3, 4)], {}, {}),
    ("imag", ops.imag, np.imag, [(3, 4)], {}, {"grad": False}),
    ("angle", ops.angle, np.angle, [(3, 4)], {}, {"grad": False}),
    ("trunc", ops.trunc, np.trunc, [(3, 4)], {}, {"grad": False}),
    ("signbit", ops.signbit, np.signbit, [(3, 4)], {}, {"grad": False}),
    ("isinf", lambda x: ops.isinf(x * np.inf), lambda x: np.isinf(x * np.inf), [(3, 4)], {},
     {"grad": False}),
    ("isposinf", lambda x: ops.isposinf(x * np.inf), lambda x: np.isposinf(x * np.inf),
     [(3, 4)], {}, {"grad": False}),
    ("isneginf", lambda x: ops.isneginf(x * np.inf), lambda x: np.isneginf(x * np.inf),
     [(3, 4)], {}, {"grad": False}),
    ("isreal", ops.isreal, np.isreal, [(3, 4)], {}, {"grad": False}),
    # Elementwise functions of two tensors (broadcast).
    ("arctan2", ops.arctan2, np.arctan2, [(3, 4), (4,)], {}, {}),
    ("hypot", ops.hypot, np.hypot, [(3, 1), (3, 4)], {}, {}),
    ("logaddexp", ops.logaddexp, np.logaddexp, [(3, 4), (4,)], {}, {}),
    ("logaddexp2", ops.logaddexp2, np.logaddexp2, [(3, 4), (1, 4)], {}, {}),
    ("mod", ops.mod, np.mod, [(3, 4), (4,)], {}, {"domain": (0.5, 2.0)}),
    ("fmod", ops.fmod, np.fmod, [(3, 4), (3, 1)], {}, {"domain": (0.5, 2.0)}),
    ("true_divide", ops.true_divide, np.true_divide, [(3, 4), (4,)], {}, {"domain": (0.5, 2.0)}),
    ("divide_no_nan", lambda a, b: ops.divide_no_nan(a, ops.where(MASK[0], 0.0, b)),
     lambda a, b: np.where(MASK[0], 0, a / np.where(MASK[0], 1, b)).astype(a.dtype),
     [(3, 4), (4,)], {}, {"domain": (0.5, 2.0)}),
    ("fmax", lambda a, b: ops.fmax(ops.where(MASK, NAN, a), b),
     lambda a, b: np.fmax(np.where(MASK, np.asarray(NAN, a.dtype), a), b), [(3, 4), (4,)], {},
     {}),
    ("fmin", lambda a, b: ops.fmin(a, ops.where(MASK, NAN, b)),
     lambda a, b: np.fmin(a, np.where(MASK, np.asarray(NAN, b.dtype), b)), [(4,), (3, 4)], {},
     {}),
    ("floor_divide", ops.floor_divide, np.floor_divide, [(3, 4), (4,)], {},
     {"grad": False, "domain": (0.5, 3.0)}),
    ("heaviside", lambda a, b: ops.heaviside(ops.round(a), b),
     lambda a, b: np.heaviside(np.round(a), b), [(3, 4), (4,)], {}, {"grad": False}),
    ("nextafter", ops.nextafter, np.nextafter, [(3, 4), (4,)], {}, {"grad": False}),
    ("ldexp", lambda x: ops.ldexp(x, SHIFTS - 1), lambda x: np.ldexp(x, SHIFTS - 1), [(3, 4)],
     {}, {}),
    ("isclose", lambda a, b: ops.isclose(a, a + b * 1e-6),
     lambda a, b: np.isclose(a, a + b * 1e-6), [(3, 4), (4,)], {}, {"grad": False}),
    ("allclose", lambda a: ops.allclose(a, a * (1 + 1e-7)),
     lambda a: np.allclose(a, a * (1 + 1e-7)), [(3, 4)], {}, {"grad": False}),
    ("isin", lambda a: ops.isin(ops.round(a), np.array([0.0, 1.0])),
     lambda a: np.isin(np.round(a), [0.0, 1.0]), [(3, 4)], {}, {"grad": False}),
    ("logical_xor", lambda a, b: ops.logical_xor(a > 0, b > 0),
     lambda a, b: np.logical_xor(a > 0, b > 0), [(3, 4), (4,)], {}, {"grad": False}),
    ("gcd", ops.gcd, np.gcd, [INTS, SHIFTS + 2], {}, {"grad": False}),
    ("lcm", ops.lcm, np.lcm, [INTS, SHIFTS + 2], {}, {"grad": False}),
    ("bitwise_and", ops.bitwise_and, np.bitwise_and, [INTS, SHIFTS], {}, {"grad": False}),
    ("bitwise_or", ops.bitwise_or, np.bitwise_or, [INTS, SHIFTS], {}, {"grad": False}),
    ("bitwise_xor", ops.bitwise_xor, np.bitwise_xor, [INTS, SHIFTS], {}, {"grad": False}),
    ("bitwise_invert", ops.bitwise_invert, np.invert, [INTS], {}, {"grad": False}),
    ("bitwise_not", ops.bitwise_not, np.invert, [INTS], {}, {"grad": False}),
    ("bitwise_left_shift", ops.bitwise_left_shift, np.left_shift, [INTS, SHIFTS], {},
     {"grad": False}),
    ("left_shift", ops.left_shift, np.left_shift, [INTS, SHIFTS], {}, {"grad": False}),
    ("bitwise_right_shift", ops.bitwise_right_shift, np.right_shift, [INTS, SHIFTS], {},
     {"grad": False}),
    ("right_shift", ops.right_shift, np.right_shift, [INTS, SHIFTS], {}, {"grad": False}),
    # Reductions and order statistics.
    ("prod", ops.prod, np.prod, [(3, 4)], {"axis": 1}, {}),
    ("prod_all_with_zero", lambda x: ops.prod(x * np.array([1.0, 0.0, 1.0, 1.0], x.dtype)),
     lambda x: np.prod(x * np.array([1.0, 0.0, 1.0, 1.0], x.dtype)), [(3, 4)], {}, {}),
    ("prod_axes_keepdims", ops.prod, np.prod, [(2, 3, 2)], {"axis": (0, 2), "keepdims": True},
     {}),
    ("cumprod", ops.cumprod, np.cumprod, [(3, 4)], {"axis": 1}, {}),
    ("cumprod_flat", ops.cumprod, np.cumprod, [(2, 3)], {}, {}),
    ("cumprod_with_zeros", lambda x: ops.cumprod(x * ZEROS.astype(x.dtype), axis=0),
     lambda x: np.cumprod(x * ZEROS.astype(x.dtype), axis=0), [(5, 2)], {}, {}),
    ("amax", lambda x: ops.amax(x, axis=[0, 1]), lambda x: np.amax(x, axis=(0, 1)), [(3, 4)], {},
     {}),
    ("amin", ops.amin, np.amin, [(3, 4)], {"axis": 0, "keepdims": True}, {}),
    ("ptp", ops.ptp, np.ptp, [(3, 4)], {"axis": 1}, {}),
    ("average", ops.average, np.average, [(3, 4)], {"axis": 0}, {}),
    ("average_weighted", lambda x, w: ops.average(x, axis=1, weights=w),
     lambda x, w: np.average(x, axis=1, weights=w), [(3, 4), (4,)], {}, {"domain": (0.5, 2.0)}),
    ("count_nonzero", lambda x: ops.count_nonzero(ops.round(x), axis=1),
     lambda x: np.count_nonzero(np.round(x), axis=1).astype("int32"), [(3, 4)], {},
     {"grad": False}),
    ("median", ops.median, np.median, [(3, 4)], {"axis": 1}, {}),
    ("median_all", ops.median, np.median, [(3, 5)], {}, {}),
    ("quantile", lambda x: ops.quantile(x, [0.1, 0.5, 0.95], axis=0),
     lambda x: np.quantile(x, [0.1, 0.5, 0.95], axis=0).astype(x.dtype), [(5, 3)], {}, {}),
    ("quantile_midpoint_keepdims", lambda x: ops.quantile(x, 0.3, axis=(0, 2),
                                                          method="midpoint", keepdims=True),
     lambda x: np.quantile(x, 0.3, axis=(0, 2), method="midpoint", keepdims=True).astype(
         x.dtype), [(2, 3, 4)], {}, {}),
    ("quantile_nearest", lambda x: ops.quantile(x, 0.4, method="nearest"),
     lambda x: np.quantile(x, 0.4, method="nearest"), [(3, 4)], {}, {}),
    ("percentile", lambda x: ops.percentile(x, [25.0, 80.0], axis=1, method="lower"),
     lambda x: np.percentile(x, [25.0, 80.0], axis=1, method="lower"), [(3, 4)], {}, {}),
    ("percentile_higher", lambda x: ops.percentile(x, 60.0, axis=0, method="higher"),
     lambda x: np.percentile(x, 60.0, axis=0, method="higher"), [(3, 4)], {}, {}),
    ("diff", ops.diff, np.diff, [(3, 5)], {"n": 2, "axis": 1}, {}),
    ("trapezoid", ops.trapezoid, np.trapezoid, [(3, 4)], {"dx": 0.5}, {}),
    ("trapezoid_x", lambda y, x: ops.trapezoid(y, x, axis=0),
     lambda y, x: np.trapezoid(y, x, axis=0), [(4, 3), (4,)], {}, {}),
    ("corrcoef", ops.corrcoef, _like_input(np.corrcoef), [(3, 6)], {}, {}),
    # NaN-skipping reductions, on inputs with NaN entries.
    nan_row("nansum", ops.nansum, np.nansum, {"axis": 1}),
    nan_row("nanmean", ops.nanmean, np.nanmean, {"axis": 0}),
    nan_row("nanmax", ops.nanmax, np.nanmax, {"axis": 1}),
    nan_row("nanmin", lambda x: ops.nanmin(x, axis=[0, 1]), lambda x: np.nanmin(x, axis=(0, 1))),
    nan_row("nanprod", ops.nanprod, np.nanprod, {"axis": 1, "keepdims": True}),
    nan_row("nanvar", ops.nanvar, np.nanvar, {"axis": 1}),
    nan_row("nanstd", ops.nanstd, np.nanstd, {}),
    nan_row("nancumsum", ops.nancumsum, np.nancumsum, {"axis": 1}),
    nan_row("nancumprod", ops.nancumprod, _nancumprod, {"axis": 0}),
    nan_row("nanmedian", ops.nanmedian, np.nanmedian, {"axis": 1}),
    nan_row("nanquantile", lambda x, **kw: ops.nanquantile(x, [0.2, 0.7], **kw),
            lambda x, **kw: np.nanquantile(x, [0.2, 0.7], **kw).astype(x.dtype), {"axis": 1}),
    nan_row("nanpercentile", lambda x, **kw: ops.nanpercentile(x, 75.0, **kw),
            lambda x, **kw: np.nanpercentile(x, 75.0, **kw).astype(x.dtype), {"axis": 0}),
    ("nanargmax", lambda x: ops.nanargmax(ops.where(MASK, NAN, x), axis=1),
     lambda x: np.nanargmax(np.where(MASK, NAN, x), axis=1).astype("int32"), [(3, 4)], {},
     {"grad": False}),
    ("nanargmin", lambda x: ops.nanargmin(ops.where(MASK, NAN, x)),
     lambda x: np.asarray(np.nanargmin(np.where(MASK, NAN, x))).astype("int32"), [(3, 4)], {},
     {"grad": False}),
    # Products.
    ("dot_matrices", ops.dot, np.dot, [(3, 4), (4, 2)], {}, {}),
    ("dot_nd", ops.dot, np.dot, [(2, 3, 4), (2, 4, 3)], {}, {}),
    ("dot_vector", ops.dot, np.dot, [(3, 4), (4,)], {}, {}),
    ("dot_scalar", lambda a: ops.dot(a, 2.0), lambda a: np.dot(a, a.dtype.type(2.0)), [(3, 4)],
     {}, {}),
    ("tensordot", ops.tensordot, np.tensordot, [(2, 3, 4), (3, 4, 5)], {}, {}),
    ("tensordot_axes", lambda a, b: ops.tensordot(a, b, axes=([0, 2], [2, 1])),
     lambda a, b: np.tensordot(a, b, axes=([0, 2], [2, 1])), [(2, 3, 4), (5, 4, 2)], {}, {}),
    ("inner", ops.inner, np.inner, [(2, 3), (4, 3)], {}, {}),
    ("outer", ops.outer, np.outer, [(2, 3), (4,)], {}, {}),
    ("kron", ops.kron, np.kron, [(2, 3), (3, 1, 2)], {}, {}),
    ("vdot", ops.vdot, np.vdot, [(2, 3), (3, 2)], {}, {}),
    ("cross", ops.cross, np.cross, [(4, 3), (3,)], {}, {}),
    ("cross_axes", lambda a, b: ops.cross(a, b, axisa=0, axisb=1, axisc=0),
     lambda a, b: np.cross(a, b, axisa=0, axisb=1, axisc=0), [(3, 2), (2, 3)], {}, {}),
    ("correlate_valid", ops.correlate, np.correlate, [(6,), (3,)], {}, {}),
    ("correlate_same", ops.correlate, np.correlate, [(5,), (2,)], {"mode": "same"}, {}),
    ("correlate_full", ops.correlate, np.correlate, [(3,), (4,)], {"mode": "full"}, {}),
    ("diag_vector", ops.diag, np.diag, [(3,)], {"k": -1}, {}),
    ("diag_matrix", ops.diag, np.diag, [(3, 4)], {"k": 1}, {}),
    ("diagflat", ops.diagflat, np.diagflat, [(2, 2)], {"k": 1}, {}),
    ("vander", ops.vander, _like_input(np.vander), [(4,)], {}, {}),
    ("vander_increasing", ops.vander, _like_input(np.vander), [(3,)],
     {"N": 5, "increasing": True}, {}),
    # Sorting and indexing.
    ("sort", ops.sort, np.sort, [(3, 4)], {}, {}),
    ("sort_axis0", ops.sort, np.sort, [(3, 4)], {"axis": 0}, {}),
    ("sort_flat", ops.sort, np.sort, [(3, 4)], {"axis": None}, {}),
    ("argsort", ops.argsort, _as("int32", np.argsort), [(3, 4)], {"axis": 0}, {"grad": False}),
    ("argpartition", lambda x: ops.argpartition(x, 2),
     lambda x: np.argpartition(x, 2).astype("int32"), [(3, 5)], {}, {"grad": False}),
    ("take_along_axis", lambda x: ops.take_along_axis(x, np.array([[2, 0, 2]]), axis=1),
     lambda x: np.take_along_axis(x, np.broadcast_to([[2, 0, 2]], (3, 3)), axis=1), [(3, 4)],
     {}, {}),
    ("take_along_axis_flat", lambda x: ops.take_along_axis(x, np.array([5, 0, 5, -1])),
     lambda x: np.take_along_axis(x.ravel(), np.array([5, 0, 5, -1]), axis=0), [(3, 4)], {},
     {}),
    ("get_item", lambda x: ops.get_item(x, (slice(1, None), np.array([0, 2, 0]))),
     lambda x: x[1:, [0, 2, 0]], [(3, 4)], {}, {}),
    ("append", ops.append, np.append, [(2, 3), (3,)], {}, {}),
    ("append_axis", lambda a, b: ops.append(a, b, axis=0),
     lambda a, b: np.append(a, b, axis=0), [(2, 3), (1, 3)], {}, {}),
    ("select", lambda a, b: ops.select([a > 0.5, b < 0], [a, b * 2.0], default=-1.0),
     lambda a, b: np.select([a > 0.5, b < 0], [a, b * 2.0], default=-1.0).astype(a.dtype),
     [(3, 4), (4,)], {}, {}),
    ("searchsorted", lambda x: ops.searchsorted(np.array([-1.0, 0.0, 0.5]), x, side="right"),
     lambda x: np.searchsorted([-1.0, 0.0, 0.5], x, side="right").astype("int32"), [(3, 4)],
     {}, {"grad": False}),
    ("digitize", lambda x: ops.digitize(x, np.array([-1.0, 0.0, 0.5])),
     lambda x: np.digitize(x, [-1.0, 0.0, 0.5]).astype("int32"), [(3, 4)], {}, {"grad": False}),
    ("unique", lambda x: ops.unique(ops.round(x)), lambda x: np.unique(np.round(x)), [(3, 4)],
     {}, {"grad": False}),
    ("bincount", lambda x: ops.bincount(INTS[2], weights=x, minlength=7),
     lambda x: np.bincount(INTS[2], weights=x, minlength=7).astype(x.dtype), [(4,)], {},
     {"grad": False}),
    ("histogram_counts", lambda x: ops.histogram(x, bins=4)[0],
     lambda x: np.histogram(x, bins=4)[0].astype(x.dtype), [(12,)], {}, {"grad": False}),
    ("histogram_edges", lambda x: ops.histogram(x, bins=3, range=(-1, 2))[1],
     lambda x: np.histogram(x, bins=3, range=(-1, 2))[1].astype(x.dtype), [(12,)], {},
     {"grad": False}),
    ("nonzero", lambda x: ops.stack(ops.nonzero(ops.round(x))),
     lambda x: np.stack(np.nonzero(np.round(x))).astype("int32"), [(3, 4)], {},
     {"grad": False}),
    ("unravel_index", lambda x: ops.stack(ops.unravel_index(INTS[2] * 2, (3, 4))),
     lambda x: np.stack(np.unravel_index(INTS[2] * 2, (3, 4))).astype("int32"), [(3, 4)], {},
     {"grad": False}),
    ("view", lambda x: ops.view(x, "uint8"), lambda x: x.view("uint8"), [(3, 4)], {},
     {"grad": False}),
    ("view_same_dtype", ops.view, lambda x: x.view(), [(3, 4)], {}, {}),
    ("empty_like_shape", lambda x: ops.shape(ops.empty_like(x)), lambda x: x.shape, [(3, 4)],
     {}, {"grad": False}),
]


@pytest.mark.parametrize("name,op,reference,shapes,kwargs,options", TABLE,
                         ids=[row[0] for row in TABLE])
def test_op(name, op, reference, shapes, kwargs, options):
    check_op(op, reference, shapes, kwargs, **options)


def test_gradients_at_zeros_and_ties():
    x = ops.convert_to_tensor(np.array([0.0, 1.0]))
    x.requires_grad = True
    nnet_backward(ops.sum(ops.sinc(x)))
    np.testing.assert_allclose(x.grad, [0.0, -1.0], atol=1e-12)
    # Products with several zeros: only an entry whose removal leaves no zero gets a gradient.
    values = np.array([[2.0, 0.0, 3.0, 0.0], [0.0, 5.0, 7.0, 1.0]])
    check_grad(lambda t: ops.prod(t, axis=1), values)
    check_grad(lambda t: ops.cumprod(t, axis=1) * np.arange(1.0, 5.0), values)
    # Tied entries: the quantile's gradient goes to the entries it read, once each.
    ties = ops.convert_to_tensor(np.array([1.0, 2.0, 2.0, 2.0, 5.0]))
    ties.requires_grad = True
    nnet_backward(ops.median(ties))
    np.testing.assert_array_equal(ties.grad, [0.0, 0.0, 1.0, 0.0, 0.0])
