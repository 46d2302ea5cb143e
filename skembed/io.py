"""Read and write word vectors: word2vec text and binary, GloVe, fastText ``.vec``, npz.

* [`load_word2vec`][skembed.io.load_word2vec] / [`save_word2vec`][skembed.io.save_word2vec]:
  the word2vec C tool's formats. A header line ``n_words vector_size``, then one record
  per word: a text line ``word v1 ... vd`` or, in the binary format, the word's UTF-8
  bytes, one space, ``d`` little-endian float32 values and a newline.
* [`load_glove`][skembed.io.load_glove] / [`save_glove`][skembed.io.save_glove]: Stanford
  GloVe text, the word2vec text format without the header line.
* [`load_fasttext`][skembed.io.load_fasttext] / [`save_fasttext`][skembed.io.save_fasttext]:
  fastText ``.vec`` text, the word2vec text format whose lines end with a space.
* [`save`][skembed.io.save] / [`load`][skembed.io.load]: skembed's native format, one
  uncompressed zip file in the ``numpy.savez`` layout (suffix ``.npz``) whose matrix is
  memory-mapped on loading, so even millions of vectors open at once.
* [`load_vectors`][skembed.io.load_vectors] / [`save_vectors`][skembed.io.save_vectors]: any
  of these, chosen by the file name.

Only words and their vectors are stored: the word2vec, GloVe and fastText formats have no
counts, so loading them gives ``counts=None``; the native format keeps the counts. The
n-gram vectors of fastText models and the ``analyzer`` of a [`Vectors`][skembed.Vectors] are
not stored by any format: what loads back is a plain [`Vectors`][skembed.Vectors] of the
word rows.

Every loader reads compressed files: gzip, bzip2 and xz are recognised by their first
bytes, whatever the file's name, and decompressed on the fly; the savers compress names
ending in ``.gz``, ``.bz2`` or ``.xz``. Every save is atomic: the file is written under a
temporary name in the same folder (with the permissions of the file it replaces from the
start), synced to disk and then renamed, so an existing file is either replaced whole or
left untouched.

Nothing read is trusted. A malformed file raises ``ValueError`` naming the file and the
line (text), byte offset (binary) or member (native) at fault: sizes announced in headers
are checked against the file's size before memory is allocated, values must be finite
numbers, and the native format's dtypes, shapes, counts and checksums are verified. Files
of other tools (a gensim ``.model`` pickle, a fastText ``.bin`` model) are recognised,
and the message says how to export vectors from them. Invalid arguments raise
scikit-learn's ``InvalidParameterError``.

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

import os
from numbers import Integral

import numpy as np

from ._compat import Interval, StrOptions, validate_params
from ._files import FORMAT_OF_SUFFIX, FORMATS, format_suffix
from ._io_native import read_native, write_native
from ._io_word2vec import (
    has_word2vec_header,
    read_glove,
    read_word2vec,
    write_binary,
    write_text,
)
from ._tokenize import DocumentAnalyzer, subword_tokenizer_of
from ._vectors import Vectors, as_vectors

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

_ZIP_MAGIC = b"PK\x03\x04"
# Parameter constraints shared by the public functions (scikit-learn's validate_params).
_PATH = [str, os.PathLike]
_LIMIT = [Interval(Integral, 0, None, closed="left"), None]
_FORMAT = [StrOptions({"auto", *FORMATS})]


# ------------------------------------------------------------------ word2vec and fastText


@validate_params(
    {"path": _PATH, "binary": ["boolean", None], "limit": _LIMIT, "encoding": [str],
     "unicode_errors": [str]},
    prefer_skip_nested_validation=True,
)
def load_word2vec(path, *, binary=None, limit=None, encoding="utf-8", unicode_errors="strict"):
    r"""Load vectors in the word2vec C tool's text or binary format.

    Parameters
    ----------
    path : str or path-like
        The file; gzip, bzip2 and xz compressed files are recognised by their first
        bytes and decompressed on the fly.
    binary : bool or None, default=None
        Whether the records are binary. None decides from the file, see Notes.
    limit : int or None, default=None
        Read only the first ``limit`` vectors; the rest of the file is not read (nor
        checked).
    encoding : str, default="utf-8"
        Encoding of the words. It must write ASCII characters as single bytes (UTF-8,
        Latin-1, ...); UTF-16 and UTF-32 files are refused: convert them to UTF-8.
    unicode_errors : str, default="strict"
        How to handle words that are not valid in ``encoding``, as in
        ``bytes.decode`` (``"replace"`` or ``"ignore"`` for files cut in the middle
        of multi-byte characters, such as the GoogleNews vectors).

    Returns
    -------
    Vectors
        Tokens in file order, float32 vectors, ``counts=None``.

    Raises
    ------
    ValueError
        If the file is malformed: the header is not two integers ``n_words vector_size``
        (with ``vector_size > 0``), or announces vectors longer than the whole file,
        there are fewer or more records than the header announces, a row has the wrong
        number of values, a value is not a number or is not finite (nan, inf, or beyond
        float32's range), binary data is truncated, a word is repeated, or a word cannot
        be decoded. The message names the file and the line (text) or byte offset
        (binary; in the decompressed data for compressed files). Also if compressed
        data is corrupt or truncated, if the file is a gensim pickle (``.model``) or a
        fastText ``.bin`` model (the message says how to get vectors from it), or if
        ``encoding`` is not ASCII-compatible.

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
       ``4 * vector_size`` bytes, are empty, the file is binary.
    2. If they are all number characters, and run ``4 * vector_size`` bytes without a
       newline or form a line of exactly ``vector_size`` numbers, the file is text.
    3. If they are a line of printable ASCII whose fields all start like numbers (as
       ``0x10``, ``1_000`` or ``0,5`` do), of exactly ``vector_size`` fields, the file
       is text: the text parser then names the value it cannot read.
    4. If they are number characters or such a line but of another length (a text row
       of the wrong length, which is an error, or a freak binary vector), the file is
       binary if its name ends in ``.bin`` (before any compression suffix), and text
       otherwise, so that the error is reported on the right line.
    5. Otherwise the file is binary.

    Only files of one or two dimensions can in theory be misread, and even then reading
    fails loudly rather than silently. Pass ``binary`` explicitly to skip detection.

    The header is checked against the size of the file before any memory is
    allocated, and memory grows with the vectors actually read (a compressed file has
    no size to check against), so a wrong header costs an error, not a
    ``MemoryError``.

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
    tokens, matrix = read_word2vec(os.fspath(path), binary=binary, limit=limit,
                                   encoding=encoding, errors=unicode_errors)
    return Vectors(tokens, matrix)


@validate_params(
    {"vectors": "no_validation", "path": _PATH, "binary": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def save_word2vec(vectors, path, *, binary=False):
    """Save vectors in the word2vec C tool's text or binary format.

    Parameters
    ----------
    vectors : Vectors, fitted estimator, Pipeline, FrozenEstimator or KeyedVectors
        What to save: a [`Vectors`][skembed.Vectors]; a fitted embedding estimator (its
        ``vectors_``); a fitted scikit-learn ``Pipeline`` (its last step with vectors) or
        a ``sklearn.frozen.FrozenEstimator`` holding one; or gensim's ``KeyedVectors``, or
        a gensim model through its ``wv`` (see
        [`fitted_vectors`][skembed.evaluation.fitted_vectors]).
        Only the word rows are written: not the counts, nor the n-gram vectors of
        fastText models.
    path : str or path-like
        Destination; a name ending in ``.gz``, ``.bz2`` or ``.xz`` is compressed.
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
        write_binary(tokens, matrix, path)
    else:
        write_text(tokens, matrix, path, header=True, line_end="\n")


@validate_params(
    {"path": _PATH, "limit": _LIMIT, "encoding": [str]},
    prefer_skip_nested_validation=True,
)
def load_fasttext(path, *, limit=None, encoding="utf-8"):
    """Load fastText ``.vec`` vectors (word2vec text format, lines ending in a space).

    Parameters
    ----------
    path : str or path-like
        The ``.vec`` file (possibly gzip, bzip2 or xz compressed). fastText's ``.bin`` model
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
        If the file is malformed, as in [`load_word2vec`][skembed.io.load_word2vec].

    See Also
    --------
    save_fasttext : Write this format.
    load_word2vec : The same format, text or binary.
    """
    return load_word2vec(path, binary=False, limit=limit, encoding=encoding)


@validate_params(
    {"vectors": "no_validation", "path": _PATH},
    prefer_skip_nested_validation=True,
)
def save_fasttext(vectors, path):
    """Save vectors as a fastText ``.vec`` file.

    The lines are those of [`save_word2vec`][skembed.io.save_word2vec] with the trailing
    space fastText writes.

    Parameters
    ----------
    vectors : Vectors, fitted estimator, Pipeline, FrozenEstimator or KeyedVectors
        What to save: a [`Vectors`][skembed.Vectors]; a fitted embedding estimator (its
        ``vectors_``); a fitted scikit-learn ``Pipeline`` (its last step with vectors) or
        a ``sklearn.frozen.FrozenEstimator`` holding one; or gensim's ``KeyedVectors``, or
        a gensim model through its ``wv`` (see
        [`fitted_vectors`][skembed.evaluation.fitted_vectors]).
        Only the word rows are written, not the n-gram vectors.
    path : str or path-like
        Destination; a name ending in ``.gz``, ``.bz2`` or ``.xz`` is compressed.

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
    write_text(tokens, matrix, path, header=True, line_end=" \n")


# ------------------------------------------------------------------------------ GloVe


@validate_params(
    {"path": _PATH, "limit": _LIMIT, "encoding": [str]},
    prefer_skip_nested_validation=True,
)
def load_glove(path, *, limit=None, encoding="utf-8"):
    """Load vectors in Stanford GloVe's text format (``word v1 ... vd`` lines, no header).

    Parameters
    ----------
    path : str or path-like
        The file (possibly gzip, bzip2 or xz compressed).
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
        word. The message names the file and the line. Also if compressed data is
        corrupt or truncated, the file is a gensim pickle or a fastText ``.bin`` model,
        or ``encoding`` is not ASCII-compatible, as in [`load_word2vec`][skembed.io.load_word2vec].

    See Also
    --------
    save_glove : Write this format.
    load_word2vec : The same lines after a header.
    """
    tokens, matrix = read_glove(os.fspath(path), limit=limit, encoding=encoding)
    return Vectors(tokens, matrix)


@validate_params(
    {"vectors": "no_validation", "path": _PATH},
    prefer_skip_nested_validation=True,
)
def save_glove(vectors, path):
    """Save vectors in Stanford GloVe's text format.

    Parameters
    ----------
    vectors : Vectors, fitted estimator, Pipeline, FrozenEstimator or KeyedVectors
        What to save: a [`Vectors`][skembed.Vectors]; a fitted embedding estimator (its
        ``vectors_``); a fitted scikit-learn ``Pipeline`` (its last step with vectors) or
        a ``sklearn.frozen.FrozenEstimator`` holding one; or gensim's ``KeyedVectors``, or
        a gensim model through its ``wv`` (see
        [`fitted_vectors`][skembed.evaluation.fitted_vectors]).
        Only the words and vectors are written.
    path : str or path-like
        Destination; a name ending in ``.gz``, ``.bz2`` or ``.xz`` is compressed.

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
    write_text(tokens, matrix, path, header=False, line_end="\n")


# ----------------------------------------------------------------------------- native


@validate_params(
    {"vectors": "no_validation", "path": _PATH},
    prefer_skip_nested_validation=True,
)
def save(vectors, path):
    r"""Save vectors in skembed's native format: one uncompressed ``.npz`` zip file.

    The zip holds ``vectors.npy`` (float32), ``counts.npy`` (int64, when there are
    counts), ``tokens.json`` (a JSON list, so any token round-trips, spaces and newlines
    included), ``meta.json`` (format name and version) and, for vectors of subword
    tokens, ``tokenizer.json``: the Hugging Face ``tokenizers`` model that splits text
    into those tokens (a subword tokenizer trained in ``fit``, or the teacher's tokenizer of
    [`distill`][skembed.distill]). The matrix is stored uncompressed and 64-byte aligned
    so that [`load`][skembed.io.load] can memory-map it.

    Parameters
    ----------
    vectors : Vectors, fitted estimator, Pipeline, FrozenEstimator or KeyedVectors
        What to save: a [`Vectors`][skembed.Vectors]; a fitted embedding estimator (its
        ``vectors_``); a fitted scikit-learn ``Pipeline`` (its last step with vectors) or
        a ``sklearn.frozen.FrozenEstimator`` holding one; or gensim's ``KeyedVectors``, or
        a gensim model through its ``wv`` (see
        [`fitted_vectors`][skembed.evaluation.fitted_vectors]).
        Tokens, vectors, counts and a ``tokenizers`` tokenizer behind the analyzer are
        written (not an analyzer that is a plain callable, nor the n-gram vectors of
        fastText models).
    path : str or path-like
        Destination, written as given (``.npz`` is recommended, and is what
        [`load_vectors`][skembed.io.load_vectors] recognises).

    Raises
    ------
    ValueError
        If a token is not a string, a vector is not finite (nan or inf), or a count is
        negative; the message names the row and its token. [`load`][skembed.io.load] refuses all of
        these, so what is saved always loads.

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
    tokenizer = subword_tokenizer_of(kv.analyzer)
    if tokenizer is not None:
        tokenizer = (tokenizer[0].to_str(), tokenizer[1])
    write_native(kv.tokens, kv.vectors, kv.counts, path, tokenizer=tokenizer)


@validate_params(
    {"path": _PATH, "mmap": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load(path, *, mmap=True):
    """Load vectors saved by [`save`][skembed.io.save].

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file.
    mmap : bool, default=True
        Memory-map the matrix read-only straight out of the zip file instead of reading
        it into memory: the operating system pages vectors in as they are used (and
        shares them between processes). Opening streams the matrix once to verify it
        (see Notes), without holding it in memory. With False the matrix is read into
        memory.

    Returns
    -------
    Vectors
        Tokens, vectors, counts and tokenizer as saved (the tokenizer as the vectors'
        ``analyzer``, which [`StaticEmbedding`][skembed.StaticEmbedding] uses to split
        text). With ``mmap=True`` the vectors are a
        read-only view of a ``numpy.memmap`` (float32 matrices, as [`save`][skembed.io.save]
        writes them; other float widths are converted in memory).

    Raises
    ------
    ValueError
        If the file is not a valid native file; the message names the file and the
        member at fault. See Notes for what is checked.

    See Also
    --------
    save : Write this format.

    Notes
    -----
    Nothing in the file is trusted. It must be a zip file (a gensim pickle or a
    compressed file is recognised and named) holding ``tokens.json``, a JSON list of
    distinct strings, and ``vectors.npy``, a 2-D array of float16, float32 or float64
    with one row per token, at least one column and only finite values. ``meta.json``,
    when present, must be a JSON object with ``format`` ``"skembed.vectors"`` and an
    integer ``version`` this version reads; ``counts.npy``, when present, non-negative
    integers, one per token; ``tokenizer.json``, when present, a model the ``tokenizers``
    package loads. Each ``.npy`` header is checked against the size of its
    member before anything is allocated, and every member's zip CRC-32 is verified, the
    memory-mapped matrix included: it is streamed once in chunks when the file is
    opened, so a corrupt or modified file is refused rather than mapped.

    A mapped file must stay in place while the vectors are in use. Replacing it with
    [`save`][skembed.io.save] is safe on POSIX systems (the old contents stay mapped);
    Windows refuses to replace a mapped file. Files whose matrix was stored compressed
    (for example by ``numpy.savez_compressed``) are read into memory.
    """
    source = os.fspath(path)
    tokens, matrix, counts, tokenizer = read_native(source, mmap=mmap)
    analyzer = None
    if tokenizer is not None:
        analyzer = DocumentAnalyzer(tokenizer[0], lowercase=tokenizer[1])
    try:
        return Vectors(tokens, matrix, counts, analyzer=analyzer)
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from None


# -------------------------------------------------------------------------- dispatch


# The keyword arguments are passed on unchecked, so the loader called checks them:
# nested validation stays on, as scikit-learn advises for such functions.
@validate_params(
    {"path": _PATH, "format": _FORMAT, "limit": _LIMIT},
    prefer_skip_nested_validation=False,
)
def load_vectors(path, *, format="auto", limit=None, **kwargs):
    """Load vectors from any supported file, choosing the format from the file name.

    Parameters
    ----------
    path : str or path-like
        The file.
    format : {"auto", "word2vec", "word2vec-binary", "glove", "fasttext", "native"}, \
default="auto"
        The format. "auto" looks at the suffix (after removing ``.gz``, ``.bz2`` or
        ``.xz``): ``.npz`` is native, ``.bin`` word2vec binary, ``.vec`` fastText; any
        other file is native if it is a zip file, word2vec (text or binary, see
        [`load_word2vec`][skembed.io.load_word2vec]) if its first line is two integers, and
        GloVe otherwise. "word2vec" is the text format. Compression is told by the
        contents.
    limit : int or None, default=None
        Load only the first ``limit`` vectors.
    **kwargs
        Passed to the loader: ``encoding`` (text formats), ``unicode_errors``
        (word2vec), ``mmap`` (native).

    Returns
    -------
    Vectors
        What the chosen loader returns: tokens in file order and float32 vectors, with
        counts for the native format only (``counts=None`` otherwise).

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
    raise ValueError(f"format must be 'auto' or one of {FORMATS}, got {format!r}")


@validate_params(
    {"vectors": "no_validation", "path": _PATH, "format": _FORMAT},
    prefer_skip_nested_validation=True,
)
def save_vectors(vectors, path, *, format="auto"):
    """Save vectors in any supported format, choosing the format from the file name.

    Parameters
    ----------
    vectors : Vectors, fitted estimator, Pipeline, FrozenEstimator or KeyedVectors
        What to save: a [`Vectors`][skembed.Vectors]; a fitted embedding estimator (its
        ``vectors_``); a fitted scikit-learn ``Pipeline`` (its last step with vectors) or
        a ``sklearn.frozen.FrozenEstimator`` holding one; or gensim's ``KeyedVectors``, or
        a gensim model through its ``wv`` (see
        [`fitted_vectors`][skembed.evaluation.fitted_vectors]).
        What is written depends on the format: the native format keeps the counts, the
        others only words and vectors.
    path : str or path-like
        Destination.
    format : {"auto", "word2vec", "word2vec-binary", "glove", "fasttext", "native"}, \
default="auto"
        The format. "auto" looks at the suffix (after removing ``.gz``, ``.bz2`` or
        ``.xz``, which compress the text and binary formats): ``.npz`` is native, ``.bin``
        word2vec binary, ``.vec`` fastText and ``.txt`` word2vec text. GloVe files have
        no suffix of their own: pass ``format="glove"``.

    See Also
    --------
    load_vectors : The matching loader.
    """
    if format == "auto":
        suffix = format_suffix(path)
        format = FORMAT_OF_SUFFIX.get(suffix)
        if format is None:
            raise ValueError(f"cannot tell the format from the suffix {suffix!r} of "
                             f"{os.fspath(path)!r}; pass format= one of {FORMATS}")
    if format == "native":
        save(vectors, path)
    elif format in ("word2vec", "word2vec-binary"):
        save_word2vec(vectors, path, binary=format == "word2vec-binary")
    elif format == "glove":
        save_glove(vectors, path)
    elif format == "fasttext":
        save_fasttext(vectors, path)
    else:
        raise ValueError(f"format must be 'auto' or one of {FORMATS}, got {format!r}")


def _format_from_file(path):
    suffix = format_suffix(path)
    if suffix in FORMAT_OF_SUFFIX and suffix != ".txt":
        return FORMAT_OF_SUFFIX[suffix]
    with open(path, "rb") as file:  # a zip is never compressed: look at the raw bytes
        if file.read(4) == _ZIP_MAGIC:
            return "native"
    return "word2vec" if has_word2vec_header(path) else "glove"


# ------------------------------------------------------------------------- writing


def _as_vectors(vectors):
    """Return the vectors to save, found as everywhere else in skembed (``as_vectors``)."""
    return as_vectors(vectors, what="vectors")


def _word_rows(vectors):
    kv = _as_vectors(vectors)
    return kv.tokens, np.ascontiguousarray(kv.vectors, dtype=np.float32)
