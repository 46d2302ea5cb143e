"""Read and write word vectors: word2vec text and binary, GloVe, fastText ``.vec``, npz.

* :func:`load_word2vec` / :func:`save_word2vec`: the word2vec C tool's formats. A header
  line ``n_words vector_size``, then one record per word: a text line ``word v1 ... vd``
  or, in the binary format, the word's UTF-8 bytes, one space, ``d`` little-endian
  float32 values and a newline.
* :func:`load_glove` / :func:`save_glove`: Stanford GloVe text, the word2vec text
  format without the header line.
* :func:`load_fasttext` / :func:`save_fasttext`: fastText ``.vec`` text, the word2vec
  text format whose lines end with a space.
* :func:`save` / :func:`load`: skembed's native format, one uncompressed zip file in the
  :func:`numpy.savez` layout (suffix ``.npz``) whose matrix is memory-mapped on loading,
  so even millions of vectors open at once.
* :func:`load_vectors` / :func:`save_vectors`: any of these, chosen by the file name.

Only words and their vectors are stored: the word2vec, GloVe and fastText formats have no
counts, so loading them gives ``counts=None``; the native format keeps the counts. The
n-gram vectors of fastText models and the ``analyzer`` of a :class:`~skembed.Vectors` are
not stored by any format: what loads back is a plain :class:`~skembed.Vectors` of the
word rows.

Every save is atomic: the file is written under a temporary name in the same folder,
synced to disk and then renamed, so an existing file is either replaced whole or left
untouched. Malformed files raise ``ValueError`` naming the file and the line (text) or
byte offset (binary) at fault.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> from skembed import Vectors
>>> from skembed.io import load_vectors, save_vectors
>>> kv = Vectors(["café", "東京", "🙂"], np.array([[0.1, -2.0], [0.5, 1e-3], [0, 1]]))
>>> with tempfile.TemporaryDirectory() as folder:
...     for name in ["vectors.txt", "vectors.bin", "vectors.vec", "vectors.npz"]:
...         path = os.path.join(folder, name)
...         save_vectors(kv, path)
...         loaded = load_vectors(path)
...         same = loaded.tokens == kv.tokens and np.array_equal(loaded.vectors, kv.vectors)
...         print(name, same)
...     del loaded  # the .npz is memory-mapped: release it before the folder goes
vectors.txt True
vectors.bin True
vectors.vec True
vectors.npz True
"""

import bz2
import codecs
import contextlib
import gzip
import json
import math
import operator
import os
import re
import secrets
import stat
import struct
import zipfile

import numpy as np

from ._vectors import Vectors

__all__ = [
    "load",
    "load_fasttext",
    "load_glove",
    "load_vectors",
    "load_word2vec",
    "save",
    "save_fasttext",
    "save_glove",
    "save_vectors",
    "save_word2vec",
]

_FORMATS = ("word2vec", "word2vec-binary", "glove", "fasttext", "native")
# The format each file-name suffix stands for (after removing .gz/.bz2); .txt is word2vec
# text when saving, and either word2vec or GloVe (read from the file) when loading.
_FORMAT_OF_SUFFIX = {".npz": "native", ".bin": "word2vec-binary", ".vec": "fasttext",
                     ".txt": "word2vec"}

_BLOCK = 4096  # rows parsed or formatted at once
_CHUNK = 1 << 20  # bytes read at once from a binary file
_MAX_WORD = 1 << 16  # a binary word longer than this means the file is not word2vec
_SNIFF = 1 << 16  # bytes looked at to tell binary from text
_HEADER_MAX = 1024
_FLOAT_FORMAT = "%.9g"  # 9 significant digits: the fewest that always give the float32 back
_NUMBER_BYTES = frozenset(b"0123456789+-.eEinfatyINFATY \t\r")
_TEXT_FORBIDDEN = re.compile(r"\s")
_BINARY_FORBIDDEN = re.compile(r"[ \n]")
_BOM = codecs.BOM_UTF8
_FASTTEXT_MAGIC = b"\xba\x16\x4f\x2f"
_ZIP_MAGIC = b"PK\x03\x04"
_NATIVE_FORMAT = "skembed.vectors"
_NATIVE_VERSION = 1
_NPY_ALIGN = 64
_ZIP_ALIGN_EXTRA_ID = 0xD935  # zip "alignment" extra field (as written by zipalign)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed member dates: saving is reproducible
_GZIP_LEVEL = 1  # vectors compress little better at higher levels, which are 8x slower


# ------------------------------------------------------------------ word2vec and fastText


def load_word2vec(path, *, binary=None, limit=None, encoding="utf-8", unicode_errors="strict"):
    r"""Load vectors in the word2vec C tool's text or binary format.

    Parameters
    ----------
    path : str or path-like
        The file; gzip and bzip2 compressed files are recognised by their first bytes
        and decompressed on the fly.
    binary : bool or None, default=None
        Whether the records are binary. None decides from the file, see Notes.
    limit : int or None, default=None
        Read only the first ``limit`` vectors; the rest of the file is not read (nor
        checked).
    encoding : str, default="utf-8"
        Encoding of the words. It must be ASCII-compatible.
    unicode_errors : str, default="strict"
        How to handle words that are not valid in ``encoding``, as in
        :meth:`bytes.decode` (``"replace"`` or ``"ignore"`` for files cut in the middle
        of multi-byte characters, such as the GoogleNews vectors).

    Returns
    -------
    Vectors
        Tokens in file order, float32 vectors, ``counts=None``.

    Raises
    ------
    ValueError
        If the file is malformed: the header is not two integers ``n_words vector_size``
        (with ``vector_size > 0``), there are fewer or more records than the header
        announces, a row has the wrong number of values, a value is not a number or is
        not finite (nan, inf, or beyond float32's range), binary data is truncated, a
        word is repeated, or a word cannot be decoded. The message names the file and
        the line (text) or byte offset (binary; in the decompressed data for compressed
        files).

    See Also
    --------
    save_word2vec : Write this format.
    load_vectors : Choose the loader from the file name.

    Notes
    -----
    With ``binary=None`` the bytes after the first word are examined (the first record
    is enough). Text is made of number characters (digits, sign, point, exponent, the
    letters of ``nan``/``inf``, spaces) up to the end of the line, while binary float32
    data contains other bytes (almost surely within the first vector):

    1. If the bytes following the first word, up to the first newline or
       ``4 * vector_size`` bytes, are not all number characters, or are empty, the file
       is binary.
    2. Otherwise, if they run ``4 * vector_size`` bytes without a newline, or form a
       line of exactly ``vector_size`` numbers, the file is text.
    3. Otherwise (a text row of the wrong length, which is an error, or a freak binary
       vector) the file is binary if its name ends in ``.bin`` (before any ``.gz``), and
       text otherwise, so that the error is reported on the right line.

    Only files of one or two dimensions can in theory be misread, and even then reading
    fails loudly rather than silently. Pass ``binary`` explicitly to skip detection.

    Words are separated from values by ASCII whitespace only, so words containing other
    Unicode spaces (they occur in some published vector files) load as they are. Binary
    records may be followed by a newline or not: the C tool writes one, gensim does
    not. Blank lines in text files are skipped. Non-finite values are rejected, because
    they silently poison every similarity computed with them.

    Examples
    --------
    >>> import os, tempfile
    >>> from skembed.io import load_word2vec
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "tiny.txt")
    ...     with open(path, "w", encoding="utf-8") as file:
    ...         _ = file.write("2 3\nnaïve 0.5 -1 2e-3\ncat 1 0 0\n")
    ...     kv = load_word2vec(path)
    >>> kv.tokens, kv.vectors[0].tolist()
    (['naïve', 'cat'], [0.5, -1.0, 0.0020000000949949026])
    """
    limit = _check_limit(limit)
    source = os.fspath(path)
    with _open_read(source) as stream:
        count, dim, offset = _read_header(stream, source)
        sample = b""
        if binary is None:
            sample = stream.read(_SNIFF + min(4 * dim, _SNIFF))
            binary = _looks_binary(sample, dim, source)
        if binary:
            tokens, matrix = _parse_binary(stream, source, dim=dim, count=count, limit=limit,
                                           encoding=encoding, errors=unicode_errors,
                                           offset=offset, prefix=sample)
        else:
            tokens, matrix = _parse_text(_lines(sample, stream), source, dim=dim, count=count,
                                         limit=limit, encoding=encoding,
                                         errors=unicode_errors, first_lineno=2)
    return Vectors(tokens, matrix)


def save_word2vec(vectors, path, *, binary=False):
    """Save vectors in the word2vec C tool's text or binary format.

    Parameters
    ----------
    vectors : Vectors or fitted embedding estimator
        What to save (an estimator's ``vectors_``). Only the word rows are written: not
        the counts, nor the n-gram vectors of fastText models.
    path : str or path-like
        Destination; a name ending in ``.gz`` or ``.bz2`` is compressed.
    binary : bool, default=False
        Write binary records (words in UTF-8, one space, little-endian float32 values,
        a newline) instead of text lines.

    Raises
    ------
    ValueError
        If a token cannot be written (it is empty, or contains whitespace in text, or a
        space or newline in binary; or it is not encodable in UTF-8) or a vector is not
        finite. The message names the token and its row; the destination is untouched.

    See Also
    --------
    load_word2vec : Read this format.

    Notes
    -----
    Text values are written with 9 significant digits, the fewest that read back as
    exactly the same float32 for every value, so text files round-trip exactly. Files
    load in gensim's ``KeyedVectors.load_word2vec_format`` and the C tools.
    """
    tokens, matrix = _word_rows(vectors)
    if binary:
        _write_binary(tokens, matrix, path)
    else:
        _write_text(tokens, matrix, path, header=True, line_end="\n")


def load_fasttext(path, *, limit=None, encoding="utf-8"):
    """Load fastText ``.vec`` vectors (word2vec text format, lines ending in a space).

    Parameters
    ----------
    path : str or path-like
        The ``.vec`` file (possibly gzip or bzip2 compressed). fastText's ``.bin`` model
        files are a different format and are refused with a clear message.
    limit : int or None, default=None
        Read only the first ``limit`` vectors.
    encoding : str, default="utf-8"
        Encoding of the words.

    Returns
    -------
    Vectors
        Word vectors, ``counts=None`` (a ``.vec`` file has no n-gram vectors).

    Raises
    ------
    ValueError
        If the file is malformed, as in :func:`load_word2vec`.

    See Also
    --------
    save_fasttext : Write this format.
    load_word2vec : The same format, text or binary.
    """
    return load_word2vec(path, binary=False, limit=limit, encoding=encoding)


def save_fasttext(vectors, path):
    """Save vectors as a fastText ``.vec`` file.

    The lines are those of :func:`save_word2vec` with the trailing space fastText writes.

    Parameters
    ----------
    vectors : Vectors or fitted embedding estimator
        What to save; only the word rows are written, not the n-gram vectors.
    path : str or path-like
        Destination; a name ending in ``.gz`` or ``.bz2`` is compressed.

    Raises
    ------
    ValueError
        If a token is empty, contains whitespace or is not encodable in UTF-8, or a
        vector is not finite; the message names the token and its row.

    See Also
    --------
    load_fasttext : Read this format.
    """
    tokens, matrix = _word_rows(vectors)
    _write_text(tokens, matrix, path, header=True, line_end=" \n")


# ------------------------------------------------------------------------------ GloVe


def load_glove(path, *, limit=None, encoding="utf-8"):
    """Load vectors in Stanford GloVe's text format (``word v1 ... vd`` lines, no header).

    Parameters
    ----------
    path : str or path-like
        The file (possibly gzip or bzip2 compressed).
    limit : int or None, default=None
        Read only the first ``limit`` vectors.
    encoding : str, default="utf-8"
        Encoding of the words.

    Returns
    -------
    Vectors
        Tokens in file order, float32 vectors, ``counts=None``.

    Raises
    ------
    ValueError
        If the file has no vectors, or a line has a different number of values than the
        first, a value that is not a finite number, a repeated word or an undecodable
        word. The message names the file and the line.

    See Also
    --------
    save_glove : Write this format.
    load_word2vec : The same lines after a header.
    """
    limit = _check_limit(limit)
    source = os.fspath(path)
    with _open_read(source) as stream:
        tokens, matrix = _parse_text(_lines(b"", stream), source, dim=None, count=None,
                                     limit=limit, encoding=encoding, errors="strict",
                                     first_lineno=1)
    return Vectors(tokens, matrix)


def save_glove(vectors, path):
    """Save vectors in Stanford GloVe's text format.

    Parameters
    ----------
    vectors : Vectors or fitted embedding estimator
        What to save; only the words and vectors are written.
    path : str or path-like
        Destination; a name ending in ``.gz`` or ``.bz2`` is compressed.

    Raises
    ------
    ValueError
        If a token is empty, contains whitespace or is not encodable in UTF-8, or a
        vector is not finite; the message names the token and its row.

    See Also
    --------
    load_glove : Read this format.
    """
    tokens, matrix = _word_rows(vectors)
    _write_text(tokens, matrix, path, header=False, line_end="\n")


# ----------------------------------------------------------------------------- native


def save(vectors, path):
    r"""Save vectors in skembed's native format: one uncompressed ``.npz`` zip file.

    The zip holds ``vectors.npy`` (float32), ``counts.npy`` (int64, when there are
    counts), ``tokens.json`` (a JSON list, so any token round-trips, spaces and newlines
    included) and ``meta.json`` (format name and version). The matrix is stored
    uncompressed and 64-byte aligned so that :func:`load` can memory-map it.

    Parameters
    ----------
    vectors : Vectors or fitted embedding estimator
        What to save: tokens, vectors and counts (not the analyzer, nor the n-gram
        vectors of fastText models).
    path : str or path-like
        Destination, written as given (``.npz`` is recommended, and is what
        :func:`load_vectors` recognises).

    Raises
    ------
    ValueError
        If a token is not a string; the message names it and its row.

    See Also
    --------
    load : Read this format.

    Notes
    -----
    ``numpy.load(path)`` reads the arrays of the file too.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skembed import Vectors
    >>> from skembed.io import load, save
    >>> kv = Vectors(["a b", "c\nd"], np.eye(2), counts=[5, 3])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save(kv, os.path.join(folder, "vectors.npz"))
    ...     loaded = load(os.path.join(folder, "vectors.npz"), mmap=False)
    >>> loaded.tokens, loaded.counts.tolist()
    (['a b', 'c\nd'], [5, 3])
    """
    kv = _as_vectors(vectors)
    tokens = kv.tokens
    for row, token in enumerate(tokens):
        if not isinstance(token, str):
            raise ValueError(f"row {row}: token {token!r} is not a string")
    matrix = np.ascontiguousarray(kv.vectors, dtype=np.float32)
    meta = {"format": _NATIVE_FORMAT, "version": _NATIVE_VERSION,
            "n_tokens": len(tokens), "vector_size": int(matrix.shape[1])}
    with _atomic_open(path, compress=False) as out:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            archive.writestr(_zip_info("meta.json"), json.dumps(meta).encode("ascii"))
            archive.writestr(_zip_info("tokens.json"), json.dumps(
                tokens, ensure_ascii=False).encode("utf-8", "surrogatepass"))
            if kv.counts is not None:
                with archive.open(_zip_info("counts.npy"), "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asarray(kv.counts, dtype=np.int64),
                                              allow_pickle=False)
            info = _zip_info("vectors.npy")
            info.extra = _alignment_extra(out.tell(), info.filename)
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, matrix, allow_pickle=False)


def load(path, *, mmap=True):
    """Load vectors saved by :func:`save`.

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file.
    mmap : bool, default=True
        Memory-map the matrix read-only straight out of the zip file instead of reading
        it: opening takes the time of reading the tokens, and the operating system pages
        vectors in as they are used (and shares them between processes). With False the
        matrix is read into memory.

    Returns
    -------
    Vectors
        Tokens, vectors and counts as saved. With ``mmap=True`` the vectors are a
        read-only view of a :class:`numpy.memmap`.

    Raises
    ------
    ValueError
        If the file is not a zip file holding ``tokens.json`` and ``vectors.npy`` of
        matching lengths.

    See Also
    --------
    save : Write this format.

    Notes
    -----
    A mapped file must stay in place while the vectors are in use. Replacing it with
    :func:`save` is safe on POSIX systems (the old contents stay mapped); Windows refuses
    to replace a mapped file. Files whose matrix was stored compressed (for example by
    :func:`numpy.savez_compressed`) are read into memory.
    """
    source = os.fspath(path)
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as error:
        raise ValueError(f"{source}: not a skembed .npz vectors file ({error})") from None
    with archive:
        names = set(archive.namelist())
        missing = {"tokens.json", "vectors.npy"} - names
        if missing:
            raise ValueError(f"{source}: not a skembed .npz vectors file (no "
                             f"{' or '.join(sorted(missing))} member)")
        if "meta.json" in names:
            meta = json.loads(archive.read("meta.json"))
            if (not isinstance(meta, dict) or meta.get("format") != _NATIVE_FORMAT
                    or meta.get("version", 0) > _NATIVE_VERSION):
                raise ValueError(f"{source}: unsupported vectors format {meta!r}")
        try:
            tokens = json.loads(archive.read("tokens.json").decode("utf-8", "surrogatepass"))
        except ValueError as error:
            raise ValueError(f"{source}: tokens.json is not valid JSON ({error})") from None
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise ValueError(f"{source}: tokens.json must hold a list of strings")
        counts = None
        if "counts.npy" in names:
            with archive.open("counts.npy") as member:
                counts = np.lib.format.read_array(member, allow_pickle=False)
        info = archive.getinfo("vectors.npy")
        matrix = _map_member(source, info) if mmap else None
        if matrix is None:
            with archive.open(info) as member:
                matrix = np.lib.format.read_array(member, allow_pickle=False)
    if matrix.ndim != 2 or len(matrix) != len(tokens):
        raise ValueError(f"{source}: {len(tokens)} tokens but vectors of shape {matrix.shape}")
    if counts is not None and counts.shape != (len(tokens),):
        raise ValueError(f"{source}: {len(tokens)} tokens but counts of shape {counts.shape}")
    try:
        return Vectors(tokens, matrix, counts)
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from None


# -------------------------------------------------------------------------- dispatch


def load_vectors(path, *, format="auto", limit=None, **kwargs):
    """Load vectors from any supported file, choosing the format from the file name.

    Parameters
    ----------
    path : str or path-like
        The file.
    format : {"auto", "word2vec", "word2vec-binary", "glove", "fasttext", "native"}, \
default="auto"
        The format. "auto" looks at the suffix (after removing ``.gz`` or ``.bz2``):
        ``.npz`` is native, ``.bin`` word2vec binary, ``.vec`` fastText; any other file
        is native if it is a zip file, word2vec (text or binary, see
        :func:`load_word2vec`) if its first line is two integers, and GloVe otherwise.
        "word2vec" is the text format.
    limit : int or None, default=None
        Load only the first ``limit`` vectors.
    **kwargs
        Passed to the loader: ``encoding`` (text formats), ``unicode_errors``
        (word2vec), ``mmap`` (native).

    Returns
    -------
    Vectors

    See Also
    --------
    save_vectors : The matching writer.
    """
    if format == "auto":
        format = _format_from_file(path)
        if format == "word2vec":  # text or binary: load_word2vec tells from the contents
            return load_word2vec(path, limit=limit, **kwargs)
    if format == "native":
        kv = load(path, **kwargs)
        limit = _check_limit(limit)
        if limit is None or limit >= len(kv):
            return kv
        counts = None if kv.counts is None else kv.counts[:limit]
        return Vectors(kv.tokens[:limit], kv.vectors[:limit], counts)
    if format == "word2vec":
        return load_word2vec(path, binary=False, limit=limit, **kwargs)
    if format == "word2vec-binary":
        return load_word2vec(path, binary=True, limit=limit, **kwargs)
    if format == "glove":
        return load_glove(path, limit=limit, **kwargs)
    if format == "fasttext":
        return load_fasttext(path, limit=limit, **kwargs)
    raise ValueError(f"format must be 'auto' or one of {_FORMATS}, got {format!r}")


def save_vectors(vectors, path, *, format="auto"):
    """Save vectors in any supported format, choosing the format from the file name.

    Parameters
    ----------
    vectors : Vectors or fitted embedding estimator
        What to save.
    path : str or path-like
        Destination.
    format : {"auto", "word2vec", "word2vec-binary", "glove", "fasttext", "native"}, \
default="auto"
        The format. "auto" looks at the suffix (after removing ``.gz`` or ``.bz2``,
        which compress the text and binary formats): ``.npz`` is native, ``.bin``
        word2vec binary, ``.vec`` fastText and ``.txt`` word2vec text. GloVe files have
        no suffix of their own: pass ``format="glove"``.

    See Also
    --------
    load_vectors : The matching loader.
    """
    if format == "auto":
        suffix = _suffix(path)
        format = _FORMAT_OF_SUFFIX.get(suffix)
        if format is None:
            raise ValueError(f"cannot tell the format from the suffix {suffix!r} of "
                             f"{os.fspath(path)!r}; pass format= one of {_FORMATS}")
    if format == "native":
        save(vectors, path)
    elif format in ("word2vec", "word2vec-binary"):
        save_word2vec(vectors, path, binary=format == "word2vec-binary")
    elif format == "glove":
        save_glove(vectors, path)
    elif format == "fasttext":
        save_fasttext(vectors, path)
    else:
        raise ValueError(f"format must be 'auto' or one of {_FORMATS}, got {format!r}")


def _format_from_file(path):
    suffix = _suffix(path)
    if suffix in _FORMAT_OF_SUFFIX and suffix != ".txt":
        return _FORMAT_OF_SUFFIX[suffix]
    with open(path, "rb") as file:
        if file.read(4) == _ZIP_MAGIC:
            return "native"
    with _open_read(os.fspath(path)) as stream:
        first = stream.readline(_HEADER_MAX)
    parts = first.removeprefix(_BOM).split()
    if len(parts) == 2 and all(part.isdigit() for part in parts):
        return "word2vec"
    return "glove"


# ------------------------------------------------------------------------- reading


def _check_limit(limit):
    if limit is None:
        return None
    limit = operator.index(limit)
    if limit < 0:
        raise ValueError(f"limit must be None or >= 0, got {limit}")
    return limit


def _suffix(path):
    name = os.fspath(path).lower()
    for compressed in (".gz", ".bz2"):
        name = name.removesuffix(compressed)
    return os.path.splitext(name)[1]


def _open_read(source):
    """Open a file for reading bytes, decompressing gzip and bzip2 files."""
    with open(source, "rb") as file:
        magic = file.read(3)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.open(source, "rb")
    if magic == b"BZh":
        return bz2.open(source, "rb")
    return open(source, "rb")


def _read_header(stream, source):
    """Parse the ``n_words vector_size`` line; return both and the bytes it took."""
    line = stream.readline(_HEADER_MAX)
    if line.startswith(_FASTTEXT_MAGIC):
        raise ValueError(f"{source}: this is a fastText model (.bin), not word2vec vectors; "
                         "load the .vec file fastText writes beside it")
    parts = line.removeprefix(_BOM).split()
    complete = line.endswith(b"\n") or len(line) < _HEADER_MAX
    if complete and len(parts) == 2 and all(part.isdigit() for part in parts):
        count, dim = int(parts[0]), int(parts[1])
        if dim > 0:
            return count, dim, len(line)
    raise ValueError(f"{source}, line 1: the header must be two integers 'n_words "
                     f"vector_size' with vector_size > 0, got {line[:80]!r}")


def _looks_binary(sample, dim, source):
    """Tell binary records from text lines by the bytes after the first word (see Notes)."""
    record = sample.lstrip(b"\n")
    space = record.find(b" ")
    if space <= 0:  # no word in the sample: let the name decide
        return _suffix(source) == ".bin"
    after = record[space + 1: space + 1 + 4 * dim]
    newline = after.find(b"\n")
    row = after if newline < 0 else after[:newline]
    if not row or not _NUMBER_BYTES.issuperset(row):
        return True
    if (newline < 0 and len(after) == 4 * dim) or len(row.split()) == dim:
        return False
    return _suffix(source) == ".bin"


def _lines(prefix, stream):
    """Iterate over the lines of ``prefix`` followed by the rest of ``stream``."""
    if prefix:
        if not prefix.endswith(b"\n"):
            prefix += stream.readline()
        lines = prefix.split(b"\n")
        yield from lines[:-1]
        if lines[-1]:
            yield lines[-1]
    yield from stream


class _Rows:
    """A float32 matrix that grows by blocks of rows, up to a known final size."""

    def __init__(self, dim, final):
        self.final = final
        capacity = _BLOCK if final is None else max(min(final, 1 << 16), 1)
        self.data = np.empty((capacity, dim), dtype=np.float32)
        self.n = 0

    def reserve(self, extra):
        need = self.n + extra
        if need > len(self.data):
            capacity = max(need, 2 * len(self.data))
            if self.final is not None:
                capacity = max(min(capacity, self.final), need)
            grown = np.empty((capacity, self.data.shape[1]), dtype=np.float32)
            grown[: self.n] = self.data[: self.n]
            self.data = grown

    def append(self, block):
        self.reserve(len(block))
        self.data[self.n: self.n + len(block)] = block
        self.n += len(block)

    def result(self):
        if self.n == len(self.data):
            return self.data
        return self.data[: self.n].copy()


def _parse_text(lines, source, *, dim, count, limit, encoding, errors, first_lineno):
    """Read ``word v1 ... vd`` lines; ``dim`` None takes it from the first (GloVe)."""
    wanted = count if limit is None else (limit if count is None else min(count, limit))
    stop_at_limit = limit is not None and (count is None or limit < count)
    strip_bom = first_lineno == 1 and codecs.lookup(encoding).name == "utf-8"
    tokens, index, line_of = [], {}, []
    rows = None if dim is None else _Rows(dim, wanted)
    values = []
    block_start = 0
    header_like = False
    lineno = first_lineno - 1
    for lineno, line in enumerate(lines, first_lineno):
        if strip_bom:
            line, strip_bom = line.removeprefix(_BOM), False
        parts = line.split()
        if not parts:
            continue
        if dim is None:
            dim = len(parts) - 1
            if dim == 0:
                raise ValueError(f"{source}, line {lineno}: word {parts[0]!r} has no values")
            rows = _Rows(dim, wanted)
            header_like = dim == 1 and parts[0].isdigit() and parts[1].isdigit()
        if len(tokens) == wanted:
            if stop_at_limit:
                break
            raise ValueError(f"{source}, line {lineno}: more vectors than the {count} "
                             "announced in the header")
        if len(parts) != dim + 1:
            if count is None:
                hint = (" (line 1 looks like a word2vec header: use load_word2vec)"
                        if header_like else "")
                raise ValueError(f"{source}, line {lineno}: inconsistent dimensions: "
                                 f"{len(parts) - 1} values, but line {line_of[0]} has "
                                 f"{dim}{hint}")
            raise ValueError(f"{source}, line {lineno}: expected {dim} values after the word, "
                             f"found {len(parts) - 1}")
        try:
            word = parts[0].decode(encoding, errors)
        except UnicodeDecodeError as error:
            raise ValueError(f"{source}, line {lineno}: cannot decode the word {parts[0]!r} "
                             f"as {encoding} ({error.reason})") from None
        if word in index:
            raise ValueError(f"{source}, line {lineno}: duplicate word {word!r} (first on "
                             f"line {line_of[index[word]]})")
        index[word] = len(tokens)
        tokens.append(word)
        line_of.append(lineno)
        del parts[0]
        values += parts
        if len(tokens) - block_start == _BLOCK:
            rows.append(_parse_block(values, dim, source, tokens, line_of, block_start))
            values, block_start = [], len(tokens)
        if stop_at_limit and len(tokens) == wanted:
            break
    if values:
        rows.append(_parse_block(values, dim, source, tokens, line_of, block_start))
    if count is not None and len(tokens) < wanted:
        raise ValueError(f"{source}, line {lineno + 1}: the file ends after {len(tokens)} "
                         f"vectors, but the header announces {count}")
    if rows is None:
        if limit == 0:
            return [], np.empty((0, 0), dtype=np.float32)
        raise ValueError(f"{source}: no vectors found")
    return tokens, rows.result()


def _parse_block(values, dim, source, tokens, line_of, start):
    """Convert the values of consecutive rows to float32, naming the line of any error."""
    try:
        with np.errstate(over="ignore"):
            block = np.array(values, dtype=np.float32).reshape(-1, dim)
    except ValueError:
        for position, value in enumerate(values):
            try:
                np.array([value], dtype=np.float32)
            except ValueError:
                row = start + position // dim
                shown = value.decode("ascii", "replace")
                raise ValueError(f"{source}, line {line_of[row]}: {shown!r} is not a number "
                                 f"(word {tokens[row]!r})") from None
        raise
    bad = _first_nonfinite(block)
    if bad is not None:
        row, column = bad
        value = values[row * dim + column].decode("ascii", "replace")
        raise ValueError(f"{source}, line {line_of[start + row]}: value {value!r} of word "
                         f"{tokens[start + row]!r} is not finite (nan, inf or beyond float32)")
    return block


def _first_nonfinite(matrix):
    """Row and column of the first non-finite value, or None (checked by blocks)."""
    for start in range(0, len(matrix), 1 << 16):
        finite = np.isfinite(matrix[start: start + (1 << 16)])
        if not finite.all():
            row, column = np.argwhere(~finite)[0]
            return start + int(row), int(column)
    return None


class _Chunks:
    """Bytes of a stream read by large chunks, with the file offset of each position."""

    def __init__(self, stream, offset, prefix):
        self.stream = stream
        self.buf = prefix
        self.pos = 0
        self.base = offset  # file offset of buf[0]

    def fill(self, size):
        """Make ``size`` bytes available from ``pos``; False at the end of the stream."""
        while len(self.buf) - self.pos < size:
            chunk = self.stream.read(max(_CHUNK, size))
            if not chunk:
                return False
            self.base += self.pos
            self.buf = self.buf[self.pos:] + chunk
            self.pos = 0
        return True


def _parse_binary(stream, source, *, dim, count, limit, encoding, errors, offset, prefix):
    """Read binary records: word, space, ``dim`` little-endian float32, optional newline."""
    wanted = count if limit is None else min(count, limit)
    width = 4 * dim
    reader = _Chunks(stream, offset, prefix)
    rows = _Rows(dim, wanted)
    tokens, index, where = [], {}, []
    for _ in range(wanted):
        while reader.fill(1) and reader.buf[reader.pos] == 10:  # newlines between records
            reader.pos += 1
        start = reader.base + reader.pos
        if not reader.fill(1):
            raise ValueError(f"{source}, byte offset {start}: the file ends after "
                             f"{len(tokens)} vectors, but the header announces {count}")
        space = reader.buf.find(b" ", reader.pos)
        while space < 0:
            scanned = len(reader.buf) - reader.pos
            if scanned > _MAX_WORD:
                raise ValueError(f"{source}, byte offset {start}: no word (space-terminated) "
                                 f"within {_MAX_WORD} bytes; is this a word2vec binary file?")
            if not reader.fill(scanned + 1):
                raise ValueError(f"{source}, byte offset {start}: the file ends inside a "
                                 f"word, after {len(tokens)} of {count} vectors")
            space = reader.buf.find(b" ", reader.pos + scanned)
        raw = reader.buf[reader.pos: space]
        if not raw:
            raise ValueError(f"{source}, byte offset {start}: empty word")
        try:
            word = raw.decode(encoding, errors)
        except UnicodeDecodeError as error:
            raise ValueError(f"{source}, byte offset {start}: cannot decode the word {raw!r} "
                             f"as {encoding} ({error.reason})") from None
        if word in index:
            raise ValueError(f"{source}, byte offset {start}: duplicate word {word!r} (first "
                             f"at byte offset {where[index[word]]})")
        reader.pos = space + 1
        if not reader.fill(width):
            raise ValueError(f"{source}, byte offset {reader.base + reader.pos}: truncated "
                             f"vector of word {word!r}: {len(reader.buf) - reader.pos} of "
                             f"{width} bytes")
        if rows.n == len(rows.data):
            rows.reserve(_BLOCK)
        rows.data[rows.n] = np.frombuffer(reader.buf, dtype="<f4", count=dim,
                                          offset=reader.pos)
        rows.n += 1
        reader.pos += width
        index[word] = len(tokens)
        tokens.append(word)
        where.append(start)
    if limit is None or limit >= count:
        while reader.fill(1):
            rest = reader.buf[reader.pos:].lstrip(b" \t\r\n")
            if rest:
                trailing = reader.base + len(reader.buf) - len(rest)
                raise ValueError(f"{source}, byte offset {trailing}: more data after the "
                                 f"{count} vectors announced in the header")
            reader.pos = len(reader.buf)
    matrix = rows.result()
    bad = _first_nonfinite(matrix)
    if bad is not None:
        row = bad[0]
        raise ValueError(f"{source}, byte offset {where[row]}: the vector of word "
                         f"{tokens[row]!r} has a non-finite value (nan or inf)")
    return tokens, matrix


def _map_member(source, info):
    """Memory-map a stored ``.npy`` zip member, or None if it cannot be mapped."""
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
        return None
    with open(source, "rb") as file:
        file.seek(info.header_offset)
        local = file.read(30)
        if len(local) != 30 or local[:4] != _ZIP_MAGIC:
            raise ValueError(f"{source}, byte offset {info.header_offset}: corrupt zip "
                             f"entry for {info.filename}")
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        start = info.header_offset + 30 + name_length + extra_length
        file.seek(start)
        try:
            version = np.lib.format.read_magic(file)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(file)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(file)
            else:
                return None
        except ValueError as error:
            raise ValueError(f"{source}: {info.filename} is not a valid .npy array "
                             f"({error})") from None
        data = file.tell()
        size = os.fstat(file.fileno()).st_size
    if dtype.hasobject or len(shape) != 2 or 0 in shape:
        return None
    end = data + math.prod(shape) * dtype.itemsize
    if end > start + info.file_size or end > size:
        raise ValueError(f"{source}: {info.filename} is truncated")
    return np.memmap(source, dtype=dtype, mode="r", offset=data, shape=shape,
                     order="F" if fortran else "C")


# ------------------------------------------------------------------------- writing


def _as_vectors(vectors):
    if isinstance(vectors, Vectors):
        return vectors
    inner = getattr(vectors, "vectors_", None)
    if isinstance(inner, Vectors):
        return inner
    raise TypeError(f"expected a Vectors or a fitted embedding estimator, got "
                    f"{type(vectors).__name__}")


def _word_rows(vectors):
    kv = _as_vectors(vectors)
    return kv.tokens, np.ascontiguousarray(kv.vectors, dtype=np.float32)


def _check_block(tokens, matrix, start, forbidden, where):
    """Refuse tokens the format cannot hold and non-finite vectors, naming the row."""
    for row, token in enumerate(tokens, start):
        if not isinstance(token, str):
            reason = "is not a string"
        elif not token:
            reason = f"is empty, which {where} cannot hold"
        elif (found := forbidden.search(token)) is not None:
            reason = f"contains {found.group()!r}, which {where} cannot hold"
        else:
            continue
        raise ValueError(f"row {row}: token {token!r} {reason}")
    bad = _first_nonfinite(matrix)
    if bad is not None:
        row = start + bad[0]
        raise ValueError(f"row {row}: the vector of token {tokens[bad[0]]!r} has a non-finite "
                         "value (nan or inf), which the file format cannot hold")


def _encode(text, tokens, start):
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        for row, token in enumerate(tokens, start):
            try:
                token.encode("utf-8")
            except UnicodeEncodeError as error:
                raise ValueError(f"row {row}: token {token!r} is not encodable in UTF-8 "
                                 f"({error.reason})") from None
        raise


def _write_text(tokens, matrix, path, *, header, line_end):
    n, dim = matrix.shape
    row_format = "%s " + " ".join([_FLOAT_FORMAT] * dim) + line_end
    with _atomic_open(path) as out:
        if header:
            out.write(f"{n} {dim}\n".encode("ascii"))
        for start in range(0, n, _BLOCK):
            block_tokens = tokens[start: start + _BLOCK]
            block = matrix[start: start + _BLOCK]
            _check_block(block_tokens, block, start, _TEXT_FORBIDDEN, "a text format")
            text = "".join([row_format % (token, *row)
                            for token, row in zip(block_tokens, block.tolist(), strict=True)])
            out.write(_encode(text, block_tokens, start))


def _write_binary(tokens, matrix, path):
    n, dim = matrix.shape
    little = matrix.astype("<f4", copy=False)
    width = 4 * dim
    with _atomic_open(path) as out:
        out.write(f"{n} {dim}\n".encode("ascii"))
        for start in range(0, n, _BLOCK):
            block_tokens = tokens[start: start + _BLOCK]
            block = little[start: start + _BLOCK]
            _check_block(block_tokens, block, start, _BINARY_FORBIDDEN,
                         "the word2vec binary format")
            data = block.tobytes()
            words = _encode("\n".join(block_tokens), block_tokens, start).split(b"\n")
            pieces = []
            for row, word in enumerate(words):
                pieces += (word, b" ", data[row * width: (row + 1) * width], b"\n")
            out.write(b"".join(pieces))


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


@contextlib.contextmanager
def _atomic_open(path, compress=None):
    """Write a file under a temporary name in its folder, then rename it into place.

    On success the data is flushed and synced before the rename, so the destination is
    replaced whole; on any error the temporary file is removed and the destination is
    untouched. ``compress`` None compresses names ending in ``.gz`` or ``.bz2``.
    """
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    base = os.path.basename(target)
    if compress is None:
        compress = base.lower().endswith((".gz", ".bz2"))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = os.path.join(folder, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            descriptor = os.open(temporary, flags, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with open(descriptor, "wb") as raw:
            if not compress:
                yield raw
            elif base.lower().endswith(".gz"):
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                   compresslevel=_GZIP_LEVEL) as stream:
                    yield stream
            else:
                with bz2.BZ2File(raw, mode="wb") as stream:
                    yield stream
            raw.flush()
            os.fsync(raw.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def _sync_folder(folder):
    """Make a rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
