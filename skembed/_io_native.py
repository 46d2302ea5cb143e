"""skembed's native vectors file: one uncompressed ``.npz`` zip, its matrix memory-mapped.

The zip holds ``meta.json`` (format name and version), ``tokens.json`` (a JSON list),
``counts.npy`` (int64, optional), ``vectors.npy`` (float32) and, for vectors of subword
tokens, ``tokenizer.json`` (the Hugging Face ``tokenizers`` model that splits text into
those tokens, optional; ``meta.json`` then says whether text is lowercased before it),
stored uncompressed with the matrix 64-byte aligned, in the ``numpy.savez`` layout.

Nothing read is trusted. Every member is checked before use: the JSON members' contents,
each ``.npy`` header against the size of its member (before anything is allocated), the
dtypes (real floats for the vectors, integers for the counts), the shapes against the
tokens, and the values (finite vectors, non-negative counts). The zip's CRC is checked for
every member, the memory-mapped matrix included: it is streamed once, in chunks, when the
file is opened. Every fault raises ``ValueError`` naming the file and the member.
"""

import errno
import json
import math
import os
import struct
import tokenize
import zipfile
import zlib

import numpy as np

from ._files import atomic_write, compression_of, is_decompression_error, open_bytes
from ._io_checks import first_nonfinite, refuse_other_tools

FORMAT = "skembed.vectors"
VERSION = 1
_ZIP_MAGIC = b"PK\x03\x04"
_NPY_ALIGN = 64
_ZIP_ALIGN_EXTRA_ID = 0xD935  # zip "alignment" extra field (as written by zipalign)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed member dates: saving is reproducible
_CHUNK = 1 << 20  # bytes streamed at once when checking a member (a multiple of 8)
_MAX_COUNT = np.iinfo(np.int64).max


# ------------------------------------------------------------------------------ writing


def write_native(tokens, matrix, counts, path, tokenizer=None):
    """Write the native format; refuse what ``read_native`` would refuse.

    ``tokenizer`` is None or ``(tokenizer_json, lowercase)``: the serialized
    ``tokenizers.Tokenizer`` that splits text into the tokens, and whether text is
    lowercased before it.
    """
    for row, token in enumerate(tokens):
        if not isinstance(token, str):
            raise ValueError(f"row {row}: token {token!r} is not a string")
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    bad = first_nonfinite(matrix)
    if bad is not None:
        raise ValueError(f"row {bad[0]}: the vector of token {tokens[bad[0]]!r} has a "
                         "non-finite value (nan or inf), which the file format cannot hold")
    if counts is not None:
        counts = np.asarray(counts, dtype=np.int64)
        if counts.shape != (len(tokens),):
            raise ValueError(f"{len(tokens)} tokens but counts of shape {counts.shape}")
        if counts.size and counts.min() < 0:
            row = int(np.flatnonzero(counts < 0)[0])
            raise ValueError(f"row {row}: the count of token {tokens[row]!r} is negative "
                             f"({counts[row]})")
    meta = {"format": FORMAT, "version": VERSION,
            "n_tokens": len(tokens), "vector_size": int(matrix.shape[1])}
    if tokenizer is not None:
        tokenizer_json, lowercase = tokenizer
        meta["tokenizer"] = {"lowercase": bool(lowercase)}
    with atomic_write(path, compress_by_name=False) as out:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            archive.writestr(_zip_info("meta.json"), json.dumps(meta).encode("ascii"))
            archive.writestr(_zip_info("tokens.json"), json.dumps(
                tokens, ensure_ascii=False).encode("utf-8", "surrogatepass"))
            if tokenizer is not None:
                archive.writestr(_zip_info("tokenizer.json"), tokenizer_json.encode("utf-8"))
            if counts is not None:
                with archive.open(_zip_info("counts.npy"), "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, counts, allow_pickle=False)
            info = _zip_info("vectors.npy")
            info.extra = _alignment_extra(out.tell(), info.filename)
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, matrix, allow_pickle=False)


def _zip_info(name):
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def _alignment_extra(offset, name):
    """Return a zip extra field that puts a member's data (written at ``offset``) on 64 bytes.

    The local header is 30 bytes, the name, this field and the 20-byte zip64 field that
    ``force_zip64=True`` appends; the field is its 4-byte header, the 2-byte alignment
    and zero padding.
    """
    fixed = 30 + len(name.encode("utf-8")) + 20 + 6
    padding = -(offset + fixed) % _NPY_ALIGN
    return struct.pack("<HHH", _ZIP_ALIGN_EXTRA_ID, 2 + padding, _NPY_ALIGN) + bytes(padding)


# ------------------------------------------------------------------------------ reading


def read_native(source, *, mmap):
    """Read and check a native file.

    Returns
    -------
    tuple
        ``(tokens, matrix, counts or None, tokenizer or None)``, where ``tokenizer`` is
        ``(tokenizers.Tokenizer, lowercase)``.
    """
    try:
        archive = zipfile.ZipFile(source)
    except Exception as error:
        if not (_is_zip_fault(error) or isinstance(error, (ValueError, struct.error))):
            raise
        raise _not_native(source, error) from None
    with archive, open(source, "rb") as raw:
        size = os.fstat(raw.fileno()).st_size
        names = set(archive.namelist())
        missing = {"tokens.json", "vectors.npy"} - names
        if missing:
            raise ValueError(f"{source}: not a skembed .npz vectors file (no "
                             f"{' or '.join(sorted(missing))} member)")
        meta = _read_meta(archive, source) if "meta.json" in names else {}
        tokens = _read_tokens(archive, source)
        if meta.get("n_tokens", len(tokens)) != len(tokens):
            raise ValueError(f"{source}, member meta.json: n_tokens is {meta['n_tokens']}, "
                             f"but tokens.json holds {len(tokens)} tokens")
        counts = None
        if "counts.npy" in names:
            counts = _read_counts(archive, source, size, len(tokens))
        tokenizer = None
        if "tokenizer.json" in names:
            tokenizer = _read_tokenizer(archive, source, meta)
        info = archive.getinfo("vectors.npy")
        matrix = _map_vectors(raw, source, size, info, tokens) if mmap else None
        if matrix is None:
            matrix = _read_array(archive, source, size, info,
                                 lambda shape, dtype: _check_vectors(source, shape, dtype,
                                                                     len(tokens)))
            _check_finite(matrix, source, tokens)
    if "vector_size" in meta and len(tokens) and meta["vector_size"] != matrix.shape[1]:
        raise ValueError(f"{source}, member meta.json: vector_size is {meta['vector_size']}, "
                         f"but the vectors have {matrix.shape[1]} columns")
    return tokens, matrix, counts, tokenizer


def _not_native(source, error):
    """Build the error for a file that is not a zip, saying what it is when we can tell."""
    with open(source, "rb") as file:  # the raw bytes tell compression
        head = file.read(10)
    kind = compression_of(head)
    if kind is not None:
        with open_bytes(source) as stream:
            head = stream.read(8)
    refuse_other_tools(head, source)
    if kind is not None:
        return ValueError(f"{source}: this is {kind}-compressed data, not a skembed .npz "
                          "vectors file; the native format is stored uncompressed so that "
                          "its matrix can be memory-mapped: decompress the file first")
    return ValueError(f"{source}: not a skembed .npz vectors file ({error})")


def _member_bytes(archive, source, name):
    """Read a member, its CRC checked; faults name the file and the member."""
    try:
        return archive.read(name)
    except Exception as error:
        if _is_zip_fault(error):
            raise ValueError(f"{source}, member {name}: corrupt data ({error})") from None
        raise


def _is_zip_fault(error):
    # zipfile raises BadZipFile (bad CRC, bad local header), NotImplementedError (unknown
    # compression or zip version) and RuntimeError (encrypted member), and OSError EINVAL
    # when a corrupt offset makes it seek before the start; the decompressors their own.
    return (isinstance(error, (zipfile.BadZipFile, NotImplementedError, RuntimeError))
            or (isinstance(error, OSError) and error.errno == errno.EINVAL)
            or is_decompression_error(error))


def _read_meta(archive, source):
    where = f"{source}, member meta.json"
    data = _member_bytes(archive, source, "meta.json")
    try:
        meta = json.loads(data)
    except ValueError as error:
        raise ValueError(f"{where}: not valid JSON ({error})") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(meta).__name__}")
    missing = [key for key in ("format", "version") if key not in meta]
    if missing:
        raise ValueError(f"{where}: missing key {', '.join(map(repr, missing))}")
    if meta["format"] != FORMAT:
        raise ValueError(f"{where}: the format is {meta['format']!r}, not {FORMAT!r}")
    for key in ("version", "n_tokens", "vector_size"):
        value = meta.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{where}: {key} must be a non-negative integer, got {value!r}")
    if meta["version"] > VERSION:
        raise ValueError(f"{where}: format version {meta['version']} is newer than the "
                         f"{VERSION} this skembed reads; upgrade skembed")
    return meta


def _read_tokens(archive, source):
    where = f"{source}, member tokens.json"
    data = _member_bytes(archive, source, "tokens.json")
    try:
        tokens = json.loads(data.decode("utf-8", "surrogatepass"))
    except ValueError as error:
        raise ValueError(f"{where}: not valid JSON ({error})") from None
    if not isinstance(tokens, list):
        raise ValueError(f"{where}: expected a JSON list of strings, got "
                         f"{type(tokens).__name__}")
    for row, token in enumerate(tokens):
        if not isinstance(token, str):
            raise ValueError(f"{where}: token {row} is {token!r}, not a string")
    return tokens


def _read_tokenizer(archive, source, meta):
    """Load the ``tokenizer.json`` member; return ``(tokenizers.Tokenizer, lowercase)``."""
    from tokenizers import Tokenizer

    where = f"{source}, member tokenizer.json"
    data = _member_bytes(archive, source, "tokenizer.json")
    try:
        tokenizer = Tokenizer.from_str(data.decode("utf-8"))
    except Exception as error:  # the Rust side raises plain Exception
        raise ValueError(f"{where}: not a tokenizers model ({error})") from None
    # It splits documents into the vectors' tokens: never pad them or cut them short.
    tokenizer.no_padding()
    tokenizer.no_truncation()
    settings = meta.get("tokenizer", {})
    lowercase = settings.get("lowercase", False) if isinstance(settings, dict) else None
    if not isinstance(lowercase, bool):
        raise ValueError(f"{source}, member meta.json: tokenizer must be an object whose "
                         f"lowercase is true or false, got {settings!r}")
    return tokenizer, lowercase


def _read_counts(archive, source, size, n_tokens):
    where = f"{source}, member counts.npy"

    def check(shape, dtype):
        if dtype.kind not in "iu":
            raise ValueError(f"{where}: the counts must be integers, got {dtype}")
        if shape != (n_tokens,):
            raise ValueError(f"{where}: {n_tokens} tokens but counts of shape {shape}")

    counts = _read_array(archive, source, size, archive.getinfo("counts.npy"), check)
    if counts.size:
        if counts.min() < 0:
            row = int(np.flatnonzero(counts < 0)[0])
            raise ValueError(f"{where}: the count of token {row} is negative ({counts[row]})")
        if counts.max() > _MAX_COUNT:
            row = int(np.flatnonzero(counts > _MAX_COUNT)[0])
            raise ValueError(f"{where}: the count of token {row} ({counts[row]}) does not "
                             "fit in int64")
    return counts


def _check_vectors(source, shape, dtype, n_tokens):
    where = f"{source}, member vectors.npy"
    if dtype.kind != "f" or dtype.itemsize not in (2, 4, 8):
        raise ValueError(f"{where}: the vectors must be float16, float32 or float64, got "
                         f"{dtype}")
    if len(shape) != 2 or shape[0] != n_tokens:
        raise ValueError(f"{where}: {n_tokens} tokens but vectors of shape {shape}")
    if n_tokens and shape[1] == 0:
        raise ValueError(f"{where}: vectors of shape {shape} have no values")


def _npy_header(stream, where):
    """Read an ``.npy`` header; return (shape, fortran_order, dtype)."""
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(stream)
        if version == (2, 0):
            return np.lib.format.read_array_header_2_0(stream)
        raise ValueError(f"unsupported .npy format version {version}")
    except (ValueError, TypeError, SyntaxError, tokenize.TokenError) as error:
        raise ValueError(f"{where}: not a valid .npy array ({error})") from None


def _check_size(where, shape, dtype, held):
    """Compare the bytes an .npy header announces with those its member holds."""
    announced = math.prod(shape) * dtype.itemsize
    if announced != held:
        raise ValueError(f"{where}: the .npy header announces shape {shape} of {dtype}, "
                         f"{announced:,} bytes, but the member holds {held:,} bytes of data")
    return announced


def _read_array(archive, source, size, info, check):
    """Read a ``.npy`` member into memory, checked by ``check(shape, dtype)`` first."""
    where = f"{source}, member {info.filename}"
    try:
        with archive.open(info) as member:
            shape, fortran, dtype = _npy_header(member, where)
            check(shape, dtype)
            nbytes = _check_size(where, shape, dtype, info.file_size - member.tell())
            # A stored member's size is bounded by the file; a compressed member's size
            # is only a claim, so its buffer grows with the data actually decompressed.
            known = info.compress_type == zipfile.ZIP_STORED and info.file_size <= size
            data = _read_exactly(member, nbytes, known, where)
    except Exception as error:
        if not _is_zip_fault(error):
            raise
        raise ValueError(f"{where}: corrupt data ({error})") from None
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def _read_exactly(member, nbytes, known, where):
    if known:
        data = bytearray(nbytes)
        view = memoryview(data)
        filled = 0
        while filled < nbytes:
            count = member.readinto(view[filled: filled + _CHUNK])
            if not count:
                break
            filled += count
    else:
        data = bytearray()
        while len(data) < nbytes:
            chunk = member.read(min(_CHUNK, nbytes - len(data)))
            if not chunk:
                break
            data += chunk
        filled = len(data)
    if filled < nbytes:
        raise ValueError(f"{where}: truncated: {filled:,} of {nbytes:,} bytes of data")
    if member.read(1):  # also lets zipfile check the CRC of a member it read to the end
        raise ValueError(f"{where}: more data than its .npy header announces")
    return data


def _check_finite(matrix, source, tokens):
    bad = first_nonfinite(matrix)
    if bad is not None:
        raise ValueError(f"{source}, member vectors.npy: the vector of token "
                         f"{tokens[bad[0]]!r} (row {bad[0]}) has a non-finite value")


def _map_vectors(raw, source, size, info, tokens):
    """Check a stored ``vectors.npy`` and memory-map it; None if it cannot be mapped.

    Before mapping, the member is streamed once in chunks: its zip CRC is computed and
    its values are checked to be finite, without holding it in memory.
    """
    where = f"{source}, member vectors.npy"
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
        return None
    if not 0 <= info.header_offset < size:
        raise ValueError(f"{where}: corrupt zip directory (member offset "
                         f"{info.header_offset} outside the file)")
    raw.seek(info.header_offset)
    local = raw.read(30)
    if len(local) != 30 or local[:4] != _ZIP_MAGIC:
        raise ValueError(f"{where}: corrupt zip entry at byte offset {info.header_offset}")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    start = info.header_offset + 30 + name_length + extra_length
    if info.compress_size != info.file_size or start + info.file_size > size:
        raise ValueError(f"{where}: the member runs past the end of the file (truncated?)")
    raw.seek(start)
    shape, fortran, dtype = _npy_header(raw, where)
    _check_vectors(source, shape, dtype, len(tokens))
    header = raw.tell() - start
    nbytes = _check_size(where, shape, dtype, info.file_size - header)
    order = "F" if fortran else "C"
    raw.seek(start)
    crc = zlib.crc32(raw.read(header))
    first_bad = None
    done = 0
    while done < nbytes:
        chunk = raw.read(min(_CHUNK, nbytes - done))
        if not chunk:
            raise ValueError(f"{where}: truncated: {done:,} of {nbytes:,} bytes of data")
        crc = zlib.crc32(chunk, crc)
        if first_bad is None:
            finite = np.isfinite(np.frombuffer(chunk, dtype=dtype))
            if not finite.all():
                first_bad = done // dtype.itemsize + int(np.argmin(finite))
        done += len(chunk)
    if crc != info.CRC:
        raise ValueError(f"{where}: bad CRC-32: the data differs from what was saved (a "
                         "corrupt or modified file)")
    if first_bad is not None:
        row = int(np.unravel_index(first_bad, shape, order=order)[0])
        raise ValueError(f"{where}: the vector of token {tokens[row]!r} (row {row}) has a "
                         "non-finite value")
    if nbytes == 0:
        return np.empty(shape, dtype=dtype)
    return np.memmap(source, dtype=dtype, mode="r", offset=start + header, shape=shape,
                     order=order)
