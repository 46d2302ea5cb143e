"""Reading and writing the safetensors format, without the ``safetensors`` package.

A safetensors file is an 8-byte little-endian unsigned header length ``n``, then ``n``
bytes of a UTF-8 JSON object, then the data area. The JSON object maps each tensor's name
to ``{"dtype": ..., "shape": [...], "data_offsets": [begin, end]}``, with offsets counted
from the start of the data area, and may hold a ``"__metadata__"`` object of strings.
Tensor data is raw, little-endian and C-ordered.

The file is untrusted until checked: ``read_safetensors`` checks the whole header (its
length against the file, the JSON, every dtype, shape and byte span, spans inside the
data area, no two spans overlapping) before it maps a single tensor, and every refusal
is a ``ValueError`` naming the file and, where there is one, the tensor.
"""

import json
import math
import mmap as _mmap
import os

import numpy as np

from ._files import atomic_write

__all__ = ["read_safetensors", "write_safetensors"]

# The safetensors dtype names this module reads, with the NumPy dtype of their bytes.
# BF16 has no NumPy dtype: its bytes are read as uint16 and widened to float32.
_READ_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
}
# Half-precision tensors are returned as float32, as the rest of skembed computes.
_WIDENED = {"F16", "BF16"}
# The dtype names written for each NumPy dtype kind and size.
_WRITE_DTYPES = {
    ("f", 8): "F64",
    ("f", 4): "F32",
    ("f", 2): "F16",
    ("i", 8): "I64",
    ("i", 4): "I32",
}
_LENGTH_BYTES = 8
# The safetensors package refuses headers above 100 MB; a model's header is some kB.
_MAX_HEADER_BYTES = 100_000_000
_METADATA_KEY = "__metadata__"
_ENTRY_KEYS = {"dtype", "shape", "data_offsets"}
_ALIGNMENT = 8  # the header is padded with spaces so that the data area is 8-byte aligned


# ---------------------------------------------------------------------------- reading


def read_safetensors(path, *, mmap=True, return_metadata=False):
    """Read every tensor of a safetensors file.

    Parameters
    ----------
    path : str or path-like
        The ``.safetensors`` file.
    mmap : bool, default=True
        Map the file into memory and return read-only views of it (the file's pages are
        read when used, and shared between processes). With ``False`` the data area is
        read into memory once; the arrays are still read-only.
    return_metadata : bool, default=False
        Also return the header's ``__metadata__`` (a dict of str, empty if absent).

    Returns
    -------
    tensors : dict of str to ndarray
        In the order of the header. ``F32``, ``F64``, ``I64`` and ``I32`` tensors are
        read-only views of the file (or of the bytes read); ``F16`` and ``BF16`` tensors
        are converted to new ``float32`` arrays.
    metadata : dict of str to str
        Only if ``return_metadata`` is True.

    Raises
    ------
    ValueError
        If the file is not a valid safetensors file: shorter than its header says, a
        header that is not a JSON object, an unknown dtype, a shape that does not match
        the byte span, a span outside the data area, overlapping spans. The message names
        the file and the tensor.
    FileNotFoundError, IsADirectoryError, PermissionError
        As ``open`` does.
    """
    name = os.fspath(path)
    with open(name, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        header, data_start = _read_header(file, size, name)
        entries, metadata = _check_header(header, size - data_start, name)
        if mmap and size > 0:
            buffer = _mmap.mmap(file.fileno(), 0, access=_mmap.ACCESS_READ)
            base = data_start
        else:
            file.seek(data_start)
            buffer = file.read()  # bytes: arrays over it are read-only
            if len(buffer) != size - data_start:
                raise ValueError(f"{name}: the file changed while it was being read")
            base = 0
    tensors = {}
    for tensor, (kind, shape, begin, end) in entries.items():
        dtype = _READ_DTYPES[kind]
        count = (end - begin) // dtype.itemsize
        array = np.frombuffer(buffer, dtype=dtype, count=count, offset=base + begin)
        array = array.reshape(shape)
        if kind == "BF16":
            array = (array.astype(np.uint32) << np.uint32(16)).view(np.float32)
        elif kind in _WIDENED:
            array = array.astype(np.float32)
        if array.flags.writeable:  # the widened copies: read-only like the views
            array.flags.writeable = False
        tensors[tensor] = array
    if return_metadata:
        return tensors, metadata
    return tensors


def _read_header(file, size, name):
    """Read and parse the JSON header; return (header, offset of the data area)."""
    if size < _LENGTH_BYTES:
        raise ValueError(f"{name}: not a safetensors file: it has {size} bytes, fewer than "
                         f"the {_LENGTH_BYTES}-byte header length")
    length = int.from_bytes(file.read(_LENGTH_BYTES), "little")
    if length > size - _LENGTH_BYTES:
        raise ValueError(f"{name}: not a safetensors file, or truncated: the header length "
                         f"{length:,} is more than the {size - _LENGTH_BYTES:,} bytes after it")
    if length > _MAX_HEADER_BYTES:
        raise ValueError(f"{name}: the safetensors header length {length:,} is above the "
                         f"format's limit of {_MAX_HEADER_BYTES:,} bytes")
    raw = file.read(length)
    try:
        text = raw.decode("utf-8")
        header = json.loads(text, object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError as error:
        raise ValueError(f"{name}: the safetensors header is not UTF-8 ({error.reason} at "
                         f"byte {_LENGTH_BYTES + error.start})") from None
    except _DuplicateKey as error:
        raise ValueError(f"{name}: the safetensors header names {error.args[0]!r} twice"
                         ) from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{name}: the safetensors header is not valid JSON ({error.msg} at "
                         f"byte {_LENGTH_BYTES + error.pos})") from None
    if not isinstance(header, dict):
        raise ValueError(f"{name}: the safetensors header is a JSON "
                         f"{type(header).__name__}, not an object of tensors")
    return header, _LENGTH_BYTES + length


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _check_header(header, data_size, name):
    """Check every entry of a parsed header against the data area's size.

    Returns
    -------
    entries : dict of str to (dtype name, shape tuple, begin, end)
    metadata : dict of str to str
    """
    metadata = header.get(_METADATA_KEY, {})
    if not isinstance(metadata, dict) or not all(
            isinstance(value, str) for value in metadata.values()):
        raise ValueError(f"{name}: the safetensors {_METADATA_KEY!r} is not an object of "
                         "strings")
    entries = {}
    for tensor, entry in header.items():
        if tensor == _METADATA_KEY:
            continue
        where = f"{name}, tensor {tensor!r}"
        if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS:
            found = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
            raise ValueError(f"{where}: a header entry must be an object with exactly the "
                             f"keys {sorted(_ENTRY_KEYS)}, found {found}")
        kind = entry["dtype"]
        if kind not in _READ_DTYPES:
            raise ValueError(f"{where}: dtype {kind!r} is not supported (supported: "
                             f"{', '.join(_READ_DTYPES)})")
        shape = entry["shape"]
        if not (isinstance(shape, list) and all(_is_count(dim) for dim in shape)):
            raise ValueError(f"{where}: the shape {shape!r} is not a list of non-negative "
                             "integers")
        offsets = entry["data_offsets"]
        if not (isinstance(offsets, list) and len(offsets) == 2
                and all(_is_count(offset) for offset in offsets)):
            raise ValueError(f"{where}: data_offsets {offsets!r} is not a list of two "
                             "non-negative integers")
        begin, end = offsets
        if begin > end:
            raise ValueError(f"{where}: data_offsets {offsets} begin after they end")
        if end > data_size:
            raise ValueError(f"{where}: data_offsets {offsets} reach past the end of the "
                             f"data area ({data_size:,} bytes): the file is truncated or "
                             "corrupt")
        expected = math.prod(shape) * _READ_DTYPES[kind].itemsize
        if expected != end - begin:
            raise ValueError(f"{where}: shape {shape} of {kind} needs {expected:,} bytes, "
                             f"but data_offsets {offsets} span {end - begin:,}")
        entries[tensor] = (kind, tuple(shape), begin, end)
    spans = sorted((begin, end, tensor) for tensor, (_, _, begin, end) in entries.items()
                   if end > begin)
    for (_, previous_end, previous), (begin, _, tensor) in zip(spans, spans[1:], strict=False):
        if begin < previous_end:
            raise ValueError(f"{name}, tensor {tensor!r}: its bytes overlap those of tensor "
                             f"{previous!r}")
    return entries, metadata


def _is_count(value):
    # JSON true/false are Python bools, which are ints: refuse them.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# ---------------------------------------------------------------------------- writing


def write_safetensors(path, tensors, metadata=None):
    """Write arrays to a safetensors file, atomically.

    Parameters
    ----------
    path : str or path-like
        Destination. It is written under a temporary name and renamed into place, so a
        failed write leaves no file (and an existing file untouched).
    tensors : mapping of str to array-like
        The arrays, of dtype float64, float32, float16, int64 or int32. Written in the
        order of their names, little-endian and C-ordered.
    metadata : mapping of str to str, optional
        Stored as the header's ``__metadata__``.

    Raises
    ------
    ValueError
        If a name is not a string or is ``"__metadata__"``, an array's dtype cannot be
        written, or metadata is not a mapping of strings.
    """
    name = os.fspath(path)
    if metadata is not None and not (
            hasattr(metadata, "items")
            and all(isinstance(key, str) and isinstance(value, str)
                    for key, value in metadata.items())):
        raise ValueError(f"{name}: metadata must be a mapping of str to str")
    header = {}
    if metadata:
        header[_METADATA_KEY] = dict(metadata)
    arrays = []
    offset = 0
    for tensor in sorted(tensors, key=_name_key(name)):
        array = np.asarray(tensors[tensor])
        kind = _WRITE_DTYPES.get((array.dtype.kind, array.dtype.itemsize))
        if kind is None:
            raise ValueError(f"{name}, tensor {tensor!r}: cannot write dtype {array.dtype} "
                             f"(writable: float64, float32, float16, int64, int32)")
        array = np.asarray(array, dtype=_READ_DTYPES[kind], order="C")  # keeps 0-d
        header[tensor] = {"dtype": kind, "shape": list(array.shape),
                          "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
        arrays.append(array)
    encoded = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    encoded += b" " * (-(_LENGTH_BYTES + len(encoded)) % _ALIGNMENT)
    with atomic_write(name, compress_by_name=False) as file:
        file.write(len(encoded).to_bytes(_LENGTH_BYTES, "little"))
        file.write(encoded)
        for array in arrays:
            file.write(memoryview(array.reshape(-1)).cast("B"))


def _name_key(name):
    def key(tensor):
        if not isinstance(tensor, str) or tensor == _METADATA_KEY:
            raise ValueError(f"{name}: tensor names must be strings other than "
                             f"{_METADATA_KEY!r}, found {tensor!r}")
        return tensor
    return key
