"""String hashes that TensorFlow's preprocessing uses, in NumPy: FarmHash's ``Fingerprint64``
(``tf.strings.to_hash_bucket_fast``), keyed SipHash-2-4 (``tf.strings.to_hash_bucket_strong``)
and ``FingerprintCat64`` (``tf.sparse.cross_hashed``), so that `Hashing`, `HashedCrossing` and
the lookup layers put every value in the bucket Keras puts it in.

Strings of one length take the same path through each hash, so they are hashed together: one
group of vectorized uint64 operations per distinct length (NumPy's uint64 arithmetic wraps
modulo 2**64, as the C++ does).
"""

import numpy as np

_MASK = (1 << 64) - 1
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66FBE98F273
_K2 = 0x9AE16A3B2F90404F
_KMUL = 0x9DDFEA08EB382D69
# tf.sparse.cross_hashed's default hash_key.
CROSS_HASH_KEY = 0xDECAFCAFFE


def _u(value):
    return np.uint64(value & _MASK)


def _rotate(v, shift):
    return v if shift == 0 else (v >> _u(shift)) | (v << _u(64 - shift))


def _shift_mix(v):
    return v ^ (v >> _u(47))


def _hash_len16(u, v, mul):
    a = (u ^ v) * mul
    a ^= a >> _u(47)
    b = (v ^ a) * mul
    b ^= b >> _u(47)
    return b * mul


def _fetch64(data, at):
    return np.ascontiguousarray(data[:, at:at + 8]).view("<u8")[:, 0]


def _fetch32(data, at):
    return np.ascontiguousarray(data[:, at:at + 4]).view("<u4")[:, 0].astype(np.uint64)


def _len0to16(s, n):
    if n >= 8:
        mul = _u(_K2 + n * 2)
        a = _fetch64(s, 0) + _u(_K2)
        b = _fetch64(s, n - 8)
        c = _rotate(b, 37) * mul + a
        d = (_rotate(a, 25) + b) * mul
        return _hash_len16(c, d, mul)
    if n >= 4:
        mul = _u(_K2 + n * 2)
        a = _fetch32(s, 0)
        return _hash_len16(_u(n) + (a << _u(3)), _fetch32(s, n - 4), mul)
    if n > 0:
        a, b, c = (s[:, i].astype(np.uint64) for i in (0, n >> 1, n - 1))
        y = (a + (b << _u(8))) & _u(0xFFFFFFFF)
        z = (_u(n) + (c << _u(2))) & _u(0xFFFFFFFF)
        return _shift_mix(y * _u(_K2) ^ z * _u(_K0)) * _u(_K2)
    return np.full(len(s), _u(_K2))


def _head_tail(s, n, k):
    # The four words that HashLen17to32 and HashLen33to64 both start from.
    mul = _u(_K2 + n * 2)
    return (mul, _fetch64(s, 0) * _u(k), _fetch64(s, 8), _fetch64(s, n - 8) * mul,
            _fetch64(s, n - 16) * _u(_K2))


def _len17to32(s, n):
    mul, a, b, c, d = _head_tail(s, n, _K1)
    return _hash_len16(_rotate(a + b, 43) + _rotate(c, 30) + d,
                       a + _rotate(b + _u(_K2), 18) + c, mul)


def _len33to64(s, n):
    mul, a, b, c, d = _head_tail(s, n, _K2)
    y = _rotate(a + b, 43) + _rotate(c, 30) + d
    z = _hash_len16(y, a + _rotate(b + _u(_K2), 18) + c, mul)
    e = _fetch64(s, 16) * mul
    f = _fetch64(s, 24)
    g = (y + _fetch64(s, n - 32)) * mul
    h = (z + _fetch64(s, n - 24)) * mul
    return _hash_len16(_rotate(e + f, 43) + _rotate(g, 30) + h, e + _rotate(f + a, 18) + g, mul)


def _weak_len32(s, at, a, b):
    w, x, y, z = (_fetch64(s, at + 8 * i) for i in range(4))
    a = a + w
    b = _rotate(b + a + z, 21)
    c = a
    a = a + x + y
    b = b + _rotate(a, 44)
    return a + z, b + c


def _long(s, n):
    rows = len(s)
    x = np.full(rows, _u(81))
    y = np.full(rows, _u(81 * _K1 + 113))
    z = _shift_mix(y * _u(_K2) + _u(113)) * _u(_K2)
    zero = np.zeros(rows, np.uint64)
    v, w = (zero, zero), (zero, zero)
    x = x * _u(_K2) + _fetch64(s, 0)
    end = ((n - 1) // 64) * 64
    last64 = end + ((n - 1) & 63) - 63
    for at in range(0, end, 64):
        x = _rotate(x + y + v[0] + _fetch64(s, at + 8), 37) * _u(_K1)
        y = _rotate(y + v[1] + _fetch64(s, at + 48), 42) * _u(_K1)
        x ^= w[1]
        y = y + v[0] + _fetch64(s, at + 40)
        z = _rotate(z + w[0], 33) * _u(_K1)
        v = _weak_len32(s, at, v[1] * _u(_K1), x + w[0])
        w = _weak_len32(s, at + 32, z + w[1], y + _fetch64(s, at + 16))
        z, x = x, z
    mul = _u(_K1) + ((z & _u(0xFF)) << _u(1))
    at = last64
    w = (w[0] + _u((n - 1) & 63), w[1])
    v = (v[0] + w[0], v[1])
    w = (w[0] + v[0], w[1])
    x = _rotate(x + y + v[0] + _fetch64(s, at + 8), 37) * mul
    y = _rotate(y + v[1] + _fetch64(s, at + 48), 42) * mul
    x ^= w[1] * _u(9)
    y = y + v[0] * _u(9) + _fetch64(s, at + 40)
    z = _rotate(z + w[0], 33) * mul
    v = _weak_len32(s, at, v[1] * mul, x + w[0])
    w = _weak_len32(s, at + 32, z + w[1], y + _fetch64(s, at + 16))
    z, x = x, z
    return _hash_len16(_hash_len16(v[0], w[0], mul) + _shift_mix(y) * _u(_K0) + z,
                       _hash_len16(v[1], w[1], mul) + x, mul)


def _farmhash_group(s, n):
    if n <= 16:
        return _len0to16(s, n)
    if n <= 32:
        return _len17to32(s, n)
    if n <= 64:
        return _len33to64(s, n)
    return _long(s, n)


def _sip_round(v0, v1, v2, v3):
    v0 = v0 + v1
    v1 = _rotate_left(v1, 13) ^ v0
    v0 = _rotate_left(v0, 32)
    v2 = v2 + v3
    v3 = _rotate_left(v3, 16) ^ v2
    v0 = v0 + v3
    v3 = _rotate_left(v3, 21) ^ v0
    v2 = v2 + v1
    v1 = _rotate_left(v1, 17) ^ v2
    v2 = _rotate_left(v2, 32)
    return v0, v1, v2, v3


def _rotate_left(v, shift):
    return (v << _u(shift)) | (v >> _u(64 - shift))


def _siphash_group(s, n, key):
    k0, k1 = (np.full(len(s), _u(k)) for k in key)
    v0, v1 = k0 ^ _u(0x736F6D6570736575), k1 ^ _u(0x646F72616E646F6D)
    v2, v3 = k0 ^ _u(0x6C7967656E657261), k1 ^ _u(0x7465646279746573)
    full = n - n % 8
    tail = np.zeros((len(s), 8), np.uint8)
    tail[:, :n - full] = s[:, full:]
    tail[:, 7] = n & 0xFF
    blocks = [_fetch64(s, at) for at in range(0, full, 8)] + [tail.view("<u8")[:, 0]]
    for m in blocks:
        v3 = v3 ^ m
        v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
        v0 = v0 ^ m
    v2 = v2 ^ _u(0xFF)
    for _ in range(4):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def _by_length(strings, hash_group):
    """Apply ``hash_group(bytes matrix, length)`` to each group of equally long strings."""
    encoded = [s if isinstance(s, bytes) else str(s).encode("utf-8") for s in strings]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    out = np.empty(len(encoded), np.uint64)
    joined = np.frombuffer(b"".join(encoded), np.uint8)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    with np.errstate(over="ignore"):
        for n in np.unique(lengths):
            rows = np.flatnonzero(lengths == n)
            matrix = joined[starts[rows, None] + np.arange(n)] if n else \
                np.zeros((len(rows), 0), np.uint8)
            out[rows] = hash_group(matrix, int(n))
    return out


def fingerprint64(strings):
    """FarmHash ``Fingerprint64`` of each string (str as UTF-8, or bytes), as uint64.

    Args:
        strings: a sequence or array of str or bytes.

    Returns:
        A uint64 array of the strings' shape.

    Example:
        >>> fingerprint64(["Hello", "TensorFlow", "2.x"]) % 3
        array([0, 2, 2], dtype=uint64)
    """
    strings = np.asarray(strings, dtype=object)
    return _by_length(strings.ravel(), _farmhash_group).reshape(strings.shape)


def siphash64(strings, key):
    """SipHash-2-4 of each string under the 128-bit `key` ``(k0, k1)``, as uint64.

    Args:
        strings: a sequence or array of str (hashed as UTF-8) or bytes.
        key: two non-negative integers below 2**64.

    Example:
        >>> siphash64(["Hello", "TF"], key=(1, 2)) % 3
        array([2, 0], dtype=uint64)
    """
    strings = np.asarray(strings, dtype=object)
    key = tuple(int(k) & _MASK for k in key)
    return _by_length(strings.ravel(), lambda s, n: _siphash_group(s, n, key)).reshape(
        strings.shape)


def fingerprint_cat64(fp1, fp2):
    """Combine two uint64 fingerprint arrays (FarmHash's ``FingerprintCat64``).

    Example:
        >>> int(fingerprint_cat64(np.uint64([1]), np.uint64([2]))[0]) > 0
        True
    """
    kmul = _u(0xC6A4A7935BD1E995)
    with np.errstate(over="ignore"):
        fp1, fp2 = np.asarray(fp1, np.uint64), np.asarray(fp2, np.uint64)
        result = fp1 ^ kmul
        result = result ^ (_shift_mix(fp2 * kmul) * kmul)
        result = result * kmul
        result = _shift_mix(result) * kmul
        return _shift_mix(result)


def hash_bucket(strings, num_buckets, key=None):
    """The bucket in ``[0, num_buckets)`` of each string: ``Fingerprint64 % num_buckets``, or the
    keyed SipHash's remainder when `key` is given (TensorFlow's ``to_hash_bucket_fast`` and
    ``to_hash_bucket_strong``), as int64.

    Example:
        >>> hash_bucket(["Hello", "TensorFlow", "2.x"], 3)
        array([0, 2, 2])
    """
    hashes = fingerprint64(strings) if key is None else siphash64(strings, key)
    return (hashes % np.uint64(num_buckets)).astype(np.int64)
