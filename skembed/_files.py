r"""Files: reading with compression detected by content, atomic writes, format suffixes.

The one place where skembed opens data files, for every reader and writer (corpora read
with ``input="filename"``, vector files, evaluation files, the command line):

* ``open_bytes`` opens a file for reading and decompresses it when its first bytes are
  those of gzip, bzip2 or xz, whatever its name. Corrupt or truncated compressed data
  raises ``ValueError`` naming the file (see ``open_bytes`` for why not ``OSError``).
* ``iter_lines`` and ``read_text`` decode such a file as text, with decoding
  errors naming the file and the line. Encodings in which a byte ``\n`` may belong to
  another character (UTF-16, UTF-32) are decoded before the lines are split.
* ``atomic_write`` writes a file under a temporary name in its folder and renames it
  into place, so an existing file is replaced whole or left untouched.
* ``FORMAT_OF_SUFFIX`` and ``format_suffix`` map file names to vector formats.
"""

import bz2
import codecs
import contextlib
import errno
import functools
import gzip
import io
import lzma
import os
import secrets
import stat
import zlib

# Vector file formats, and the format each file-name suffix stands for (after removing a
# compression suffix); .txt is word2vec text when saving, and either word2vec or GloVe
# (read from the file) when loading.
FORMATS = ("word2vec", "word2vec-binary", "glove", "fasttext", "native")
FORMAT_OF_SUFFIX = {".npz": "native", ".bin": "word2vec-binary", ".vec": "fasttext",
                    ".txt": "word2vec"}
COMPRESSION_OF_SUFFIX = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}

# The first bytes of each compressed format: gzip's magic and its only compression method
# (deflate), xz's stream header; bzip2 is checked further in _is_bzip2, since plain text
# may well start with "BZh".
_MAGIC = {"gzip": b"\x1f\x8b\x08", "xz": b"\xfd7zXZ\x00"}
# bzip2: "BZh", the block size "1".."9", then the first block's magic (pi) or, for an
# empty stream, the end-of-stream magic (sqrt(pi)).
_BZIP2_BLOCK_MAGICS = (b"1AY&SY", b"\x17rE8P\x90")
_MAGIC_LENGTH = 10
_READERS = {"gzip": lambda file: gzip.GzipFile(fileobj=file, mode="rb"),
            "bzip2": lambda file: bz2.BZ2File(file, mode="rb"),
            "xz": lambda file: lzma.LZMAFile(file, mode="rb")}
_BUFFER = 1 << 16  # decompressed bytes handed to a reader at once
_CHUNK = 1 << 20  # bytes decoded at once when decoding comes before splitting lines
_GZIP_LEVEL = 1  # vectors compress little better at higher levels, which are 8x slower
_XZ_PRESET = 0  # likewise: preset 6 (xz's default) is 20x slower for a few percent


# ------------------------------------------------------------------------------ names


def format_suffix(path):
    """Return the suffix of ``path`` that names its format, lowercased.

    Compression suffixes are removed first: ``vectors.txt.gz`` gives ``".txt"``.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str
        The suffix with its dot, or ``""``.
    """
    name = os.fspath(path).lower()
    while (suffix := os.path.splitext(name)[1]) in COMPRESSION_OF_SUFFIX:
        name = name[: -len(suffix)]
    return os.path.splitext(name)[1]


def _compression_of_name(path):
    return COMPRESSION_OF_SUFFIX.get(os.path.splitext(os.fspath(path).lower())[1])


# ---------------------------------------------------------------------------- reading


def compression_of(head):
    """Return the compression that the first bytes of a file announce.

    Parameters
    ----------
    head : bytes
        The first bytes of the file (10 are enough).

    Returns
    -------
    {"gzip", "bzip2", "xz"} or None
    """
    for kind, magic in _MAGIC.items():
        if head.startswith(magic):
            return kind
    if (head[:3] == b"BZh" and head[3:4] in b"123456789" and len(head) >= 10
            and head[4:10] in _BZIP2_BLOCK_MAGICS):
        return "bzip2"
    return None


def is_decompression_error(error):
    """Whether ``error`` comes from corrupt or truncated compressed data, not the disk.

    Parameters
    ----------
    error : BaseException

    Returns
    -------
    bool
    """
    if isinstance(error, (EOFError, zlib.error, lzma.LZMAError)):
        return True
    # gzip.BadGzipFile and bz2's "Invalid data stream" are OSErrors without an errno;
    # errors of the disk or the operating system have one.
    return isinstance(error, OSError) and error.errno is None


class _Decompressed(io.RawIOBase):
    """The decompressed bytes of a file; corrupt data raises ValueError naming the file."""

    def __init__(self, file, kind, name):
        self._file = file
        self._reader = _READERS[kind](file)
        self._kind = kind
        self.name = name
        self._delivered = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        try:
            count = self._reader.readinto(buffer)
        except Exception as error:
            if not is_decompression_error(error):
                raise
            raise ValueError(f"{self.name}: the {self._kind} data is corrupt or truncated "
                             f"after {self._delivered:,} decompressed bytes ({error})"
                             ) from error
        self._delivered += count
        return count

    def close(self):
        if not self.closed:
            try:
                self._reader.close()
            finally:
                self._file.close()
                super().close()


def open_bytes(path):
    """Open a file for reading bytes, decompressing it if its content is compressed.

    Compression is recognised by the first bytes (gzip ``1f 8b``, bzip2 ``BZh``, xz
    ``fd 37 7a 58 5a 00``), not by the name, so ``corpus.txt`` holding gzip data and
    ``corpus.bz2`` holding plain text are both read right.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    io.BufferedReader
        A binary stream of the (decompressed) contents; close it (or use ``with``).

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError
        As ``open`` does.
    ValueError
        While reading, when the compressed data is corrupt or truncated; the message
        names the file and how many decompressed bytes were read before the fault. It is
        a ``ValueError``, as for any other malformed file skembed reads (a vectors file
        with a bad line, a corpus line that does not decode), and unlike ``OSError`` it is
        not taken for a failure of the disk by code that retries those.
    """
    name = os.fspath(path)
    file = open(name, "rb")  # owned by the returned stream
    try:
        kind = compression_of(file.peek(_MAGIC_LENGTH)[:_MAGIC_LENGTH])
        if kind is None:
            return file
        return io.BufferedReader(_Decompressed(file, kind, name), _BUFFER)
    except BaseException:
        file.close()
        raise


def uncompressed_size(stream):
    """Return the number of bytes a stream from ``open_bytes`` holds, if known.

    Parameters
    ----------
    stream : io.BufferedReader
        A stream returned by ``open_bytes``.

    Returns
    -------
    int or None
        The size of a plain regular file; None for decompressed data (whose size only
        reading tells) and for pipes and devices.
    """
    if isinstance(getattr(stream, "raw", None), _Decompressed):
        return None
    status = os.fstat(stream.fileno())
    return status.st_size if stat.S_ISREG(status.st_mode) else None


@functools.lru_cache(maxsize=64)
def is_ascii_compatible(encoding):
    r"""Whether ``encoding`` writes every ASCII character as that one byte.

    In such encodings (UTF-8, Latin-1, cp1252, Shift-JIS, GB18030, ...) a byte ``\n`` is
    always a line end, so lines can be split before they are decoded. In UTF-16, UTF-32,
    UTF-7 or EBCDIC it can be part of another character.

    Parameters
    ----------
    encoding : str

    Returns
    -------
    bool

    Raises
    ------
    LookupError
        If there is no such encoding.
    """
    codecs.lookup(encoding)
    ascii_bytes = bytes(range(128))
    try:
        return ascii_bytes.decode(encoding) == ascii_bytes.decode("ascii")
    except UnicodeDecodeError:
        return False


def iter_lines(path, encoding="utf-8"):
    r"""Yield the lines of a text file, plain or compressed, without their line ends.

    Lines end at ``\n``; a ``\r`` before it (Windows line ends) is removed too.

    Parameters
    ----------
    path : str or path-like
    encoding : str, default="utf-8"

    Yields
    ------
    str

    Raises
    ------
    ValueError
        If a line cannot be decoded (the message names the file and the line), or the
        compressed data is corrupt or truncated.
    LookupError
        If there is no such encoding.
    """
    name = os.fspath(path)
    split_first = is_ascii_compatible(encoding)
    with open_bytes(name) as stream:
        if split_first:
            yield from _split_then_decode(stream, name, encoding)
        else:
            yield from _decode_then_split(stream, name, encoding)


def _split_then_decode(stream, name, encoding):
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode(encoding)
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{name}, line {number}: cannot decode with encoding={encoding!r} "
                f"({error.reason} at byte {error.start})"
            ) from None
        yield line.rstrip("\r\n")


def _decode_then_split(stream, name, encoding):
    decoder = codecs.getincrementaldecoder(encoding)()
    pending = ""  # the start of a line whose end has not been read yet
    number = 0  # lines yielded
    consumed = 0  # bytes given to the decoder
    while True:
        chunk = stream.read(_CHUNK)
        state = decoder.getstate()
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            raise _located_decode_error(name, encoding, error, decoder, state, chunk,
                                        number + pending.count("\n"), consumed) from None
        consumed += len(chunk)
        lines = (pending + text).split("\n")
        pending = lines.pop()
        for line in lines:
            number += 1
            yield line.rstrip("\r")
        if not chunk:
            break
    if pending:
        yield pending.rstrip("\r")


def _located_decode_error(name, encoding, error, decoder, state, chunk, lines_before,
                          consumed):
    """Build a ValueError naming the line and byte offset of a decoding error."""
    buffered = state[0]  # undecoded bytes the decoder held before this chunk
    start = consumed - len(buffered) + error.start
    decoder.setstate(state)
    try:
        before = decoder.decode(chunk[: max(error.start - len(buffered), 0)])
    except UnicodeDecodeError:  # some decoders report positions differently: no line
        return ValueError(f"{name}, byte offset {start}: cannot decode with "
                          f"encoding={encoding!r} ({error.reason})")
    line = lines_before + before.count("\n") + 1
    return ValueError(f"{name}, line {line}: cannot decode with encoding={encoding!r} "
                      f"({error.reason} at byte offset {start} of the file)")


def read_text(path, encoding="utf-8"):
    """Return the whole text of a file, plain or compressed.

    Parameters
    ----------
    path : str or path-like
    encoding : str, default="utf-8"

    Returns
    -------
    str
        The decoded text, line ends as in the file.

    Raises
    ------
    ValueError
        If the text cannot be decoded (the message names the file and the line), or the
        compressed data is corrupt or truncated.
    """
    name = os.fspath(path)
    with open_bytes(name) as stream:
        data = stream.read()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        before = data[: error.start].decode(encoding, "replace")
        raise ValueError(f"{name}, line {before.count(chr(10)) + 1}: cannot decode with "
                         f"encoding={encoding!r} ({error.reason} at byte offset "
                         f"{error.start} of the file)") from None


# ---------------------------------------------------------------------------- writing


@contextlib.contextmanager
def atomic_write(path, *, compress_by_name=True):
    """Write a file under a temporary name in its folder, then rename it into place.

    On success the data is flushed and synced before the rename, so the destination is
    replaced whole; on any error the temporary file is removed and the destination is
    untouched. The temporary file has the final permissions from its creation: those of
    the file it replaces, or those a new file gets (``0o666`` less the umask), so a
    private file is never readable by others, not even while it is being written (a
    killed process can leave the temporary file ``.NAME.XXXXXXXXXXXX.tmp`` behind).

    Parameters
    ----------
    path : str or path-like
        Destination.
    compress_by_name : bool, default=True
        Compress the data when the name ends in ``.gz``, ``.bz2`` or ``.xz``.

    Yields
    ------
    binary file object
        Where to write the (uncompressed) data.

    Raises
    ------
    FileNotFoundError
        If the folder of ``path`` does not exist; the message names ``path``.
    IsADirectoryError
        If ``path`` is a folder.
    PermissionError
        If the folder is not writable; the message names ``path``.
    """
    requested = os.fspath(path)
    # Through a symbolic link, replace the file it points to and keep the link.
    target = os.path.realpath(requested)
    folder = os.path.dirname(target)
    base = os.path.basename(target)
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, "cannot write the file: it is a folder",
                                requested)
    kind = _compression_of_name(requested) if compress_by_name else None
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None  # a new file: os.open's 0o666 less the umask, as open() gives
    descriptor, temporary = _create_temporary(folder, base, requested, mode)
    try:
        with open(descriptor, "wb") as raw:
            if kind is None:
                yield raw
            else:
                with _compressing_writer(raw, kind) as stream:
                    yield stream
            raw.flush()
            os.fsync(raw.fileno())
        try:
            os.replace(temporary, target)
        except OSError as error:
            raise type(error)(error.errno, f"cannot write the file: cannot move the "
                              f"finished temporary file into place ({error.strerror})",
                              requested) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def _create_temporary(folder, base, target, mode):
    """Create ``.base.<random>.tmp`` in ``folder`` with ``mode``; return (fd, path)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = os.path.join(folder, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            descriptor = os.open(temporary, flags, 0o666 if mode is None else mode)
            break
        except FileExistsError:
            continue
        except FileNotFoundError:
            raise FileNotFoundError(errno.ENOENT, "cannot write the file: its folder "
                                    f"{folder!r} does not exist", target) from None
        except OSError as error:
            raise type(error)(error.errno, f"cannot write the file: cannot create a "
                              f"temporary file in {folder!r} ({error.strerror})",
                              target) from None
    if mode is not None:
        # The umask may have removed bits the replaced file had: give them back before
        # any data is written (the file was created with fewer, never more).
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(descriptor, mode)
            else:
                os.chmod(temporary, mode)
        except BaseException:
            os.close(descriptor)
            os.unlink(temporary)
            raise
    return descriptor, temporary


def _compressing_writer(raw, kind):
    if kind == "gzip":
        # No name and a fixed time in the header: saving is reproducible.
        return gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                             compresslevel=_GZIP_LEVEL)
    if kind == "bzip2":
        return bz2.BZ2File(raw, mode="wb")
    return lzma.LZMAFile(raw, mode="wb", preset=_XZ_PRESET)


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
