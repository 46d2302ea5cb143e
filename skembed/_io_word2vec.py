"""The word2vec family of vector files: word2vec text and binary, GloVe, fastText ``.vec``.

Readers take a file name and return ``(tokens, float32 matrix)``; writers take tokens and
a float32 matrix. Text lines are ``word v1 ... vd`` (after a header line ``n_words
vector_size`` for word2vec and fastText); binary records are the word's bytes, one space
and ``d`` little-endian float32 values. [`skembed.io`][skembed.io] documents the formats and the
detection of text and binary records.

Nothing read is trusted: the header's numbers are checked against the size of the file
before anything is allocated, memory grows with the rows actually read (compressed files
have no size to check against), and every value must be a finite number.
"""

import codecs
import re

import numpy as np

from ._files import (
    atomic_write,
    format_suffix,
    is_ascii_compatible,
    open_bytes,
    uncompressed_size,
)
from ._io_checks import first_nonfinite, refuse_other_tools

_BLOCK = 4096  # rows parsed or formatted at once
_CHUNK = 1 << 20  # bytes read at once from a binary file
_MAX_READ = 1 << 26  # most bytes asked of a stream at once, whatever a record claims
_GROW_BYTES = 1 << 24  # a matrix of unknown final size first grows to this many bytes
_MAX_WORD = 1 << 16  # a binary word longer than this means the file is not word2vec
_SNIFF = 1 << 16  # bytes looked at to tell binary from text
_HEADER_MAX = 1024
_FLOAT_FORMAT = "%.9g"  # 9 significant digits: the fewest that always give the float32 back
_NUMBER_BYTES = frozenset(b"0123456789+-.eEinfatyINFATY \t\r")
_PRINTABLE_BYTES = frozenset(range(0x20, 0x7F)) | frozenset(b"\t\r")
# A field that is meant as a number, even one that is not a float (0x10, 0,5, 1e-3f).
_NUMBERISH = re.compile(rb"[-+]?\.?[0-9][0-9A-Za-z_.,+-]*")
_TEXT_FORBIDDEN = re.compile(r"\s")
_BINARY_FORBIDDEN = re.compile(r"[ \n]")
_BOM = codecs.BOM_UTF8


# ------------------------------------------------------------------------------ reading


def read_word2vec(source, *, binary, limit, encoding, errors):
    """Read a word2vec text or binary file; ``binary`` None tells from the contents."""
    _check_encoding(encoding, source)
    with open_bytes(source) as stream:
        count, dim, offset = _read_header(stream, source)
        wanted = count if limit is None else min(count, limit)
        initial = _rows_the_file_holds(stream, source, dim, wanted, offset)
        sample = b""
        if binary is None:
            sample = stream.read(_SNIFF + min(4 * dim, _SNIFF))
            binary = _looks_binary(sample, dim, source)
        if binary:
            return _parse_binary(stream, source, dim=dim, count=count, limit=limit,
                                 encoding=encoding, errors=errors, offset=offset,
                                 prefix=sample, initial=initial)
        return _parse_text(_lines(sample, stream), source, dim=dim, count=count,
                           limit=limit, encoding=encoding, errors=errors, first_lineno=2,
                           initial=initial)


def read_glove(source, *, limit, encoding):
    """Read GloVe text: ``word v1 ... vd`` lines, no header."""
    _check_encoding(encoding, source)
    with open_bytes(source) as stream:
        first = stream.readline(_HEADER_MAX)
        refuse_other_tools(first, source)
        return _parse_text(_lines(first, stream), source, dim=None, count=None,
                           limit=limit, encoding=encoding, errors="strict", first_lineno=1)


def has_word2vec_header(source):
    """Whether the first line of a file is two integers (word2vec), else GloVe."""
    with open_bytes(source) as stream:
        first = stream.readline(_HEADER_MAX)
    parts = first.removeprefix(_BOM).split()
    return len(parts) == 2 and all(part.isdigit() for part in parts)


def _check_encoding(encoding, source):
    if not is_ascii_compatible(encoding):
        raise ValueError(f"{source}: encoding={encoding!r} cannot be read: vector files are "
                         "read in an encoding that writes ASCII as single bytes (UTF-8, "
                         "Latin-1, ...); convert the file to UTF-8 first, for example with "
                         f"iconv -f {encoding} -t UTF-8")


def _read_header(stream, source):
    """Parse the ``n_words vector_size`` line; return both and the bytes it took."""
    line = stream.readline(_HEADER_MAX)
    refuse_other_tools(line, source)
    parts = line.removeprefix(_BOM).split()
    complete = line.endswith(b"\n") or len(line) < _HEADER_MAX
    if complete and len(parts) == 2 and all(part.isdigit() for part in parts):
        count, dim = int(parts[0]), int(parts[1])
        if dim > 0:
            return count, dim, len(line)
    raise ValueError(f"{source}, line 1: the header must be two integers 'n_words "
                     f"vector_size' with vector_size > 0, got {line[:80]!r}")


def _rows_the_file_holds(stream, source, dim, wanted, offset):
    """Check the header against the file's size; return how many rows to allocate at once.

    The shortest record of ``dim`` values is a text line ``w 0 ... 0`` of ``1 + 2 * dim``
    bytes (a binary one takes ``2 + 4 * dim``), so a plain file of ``size`` bytes holds at
    most ``size // (1 + 2 * dim)`` of them. A decompressed stream has no size to check: its
    matrix grows with the rows actually read.
    """
    size = uncompressed_size(stream)
    if size is None:
        return 0
    remaining = size - offset
    shortest = 1 + 2 * dim
    if wanted and shortest > remaining:
        raise ValueError(f"{source}: the header announces vectors of {dim:,} values, but the "
                         f"file has {remaining:,} bytes after the header line and one such "
                         f"vector takes at least {shortest:,}: the header is wrong or the "
                         "file is truncated")
    return min(wanted, remaining // shortest)


def _looks_binary(sample, dim, source):
    """Tell binary records from text lines by the bytes after the first word (see Notes).

    The rules are those of [`load_word2vec`][skembed.io.load_word2vec]'s Notes.
    """
    record = sample.lstrip(b"\n")
    space = record.find(b" ")
    if space <= 0:  # no word in the sample: let the name decide
        return format_suffix(source) == ".bin"
    after = record[space + 1: space + 1 + 4 * dim]
    newline = after.find(b"\n")
    row = after if newline < 0 else after[:newline]
    if not row:
        return True
    if _NUMBER_BYTES.issuperset(row):
        if (newline < 0 and len(after) == 4 * dim) or len(row.split()) == dim:
            return False
        return format_suffix(source) == ".bin"
    # A text line whose numbers skembed cannot read (0x10, 0,5): printable ASCII fields
    # that all start like numbers, then a newline. Float32 data almost never looks like
    # that (one negative value already has a byte above 0x7f), so read it as text and let
    # the parser say which value is wrong.
    end = record.find(b"\n", space + 1)
    line = record[space + 1: end]
    fields = line.split()
    if (end >= 0 and fields and _PRINTABLE_BYTES.issuperset(line)
            and all(_NUMBERISH.fullmatch(field) for field in fields)):
        return False if len(fields) == dim else format_suffix(source) == ".bin"
    return True


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
    """A float32 matrix that grows with the rows stored, up to a known final size.

    ``initial`` rows are allocated at once (the rows a file can hold, when its size is
    known); later growth at least doubles the matrix and never exceeds ``final``, so
    memory follows the rows actually read, never a row count a header claims.
    """

    def __init__(self, dim, final, initial=0):
        self.final = final
        self.data = np.empty((initial, dim), dtype=np.float32)
        self.n = 0

    def reserve(self, extra):
        need = self.n + extra
        if need > len(self.data):
            dim = self.data.shape[1]
            first = max(1, _GROW_BYTES // (4 * dim))
            capacity = max(need, 2 * len(self.data), first)
            if self.final is not None:
                capacity = max(min(capacity, self.final), need)
            grown = np.empty((capacity, dim), dtype=np.float32)
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


def _parse_text(lines, source, *, dim, count, limit, encoding, errors, first_lineno,
                initial=0):
    """Read ``word v1 ... vd`` lines; ``dim`` None takes it from the first (GloVe)."""
    wanted = count if limit is None else (limit if count is None else min(count, limit))
    stop_at_limit = limit is not None and (count is None or limit < count)
    strip_bom = first_lineno == 1 and codecs.lookup(encoding).name == "utf-8"
    tokens, index, line_of = [], {}, []
    rows = None if dim is None else _Rows(dim, wanted, initial)
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
        word = _new_word(parts[0], encoding, errors, index, f"{source}, line {lineno}",
                         lambda first: f"on line {line_of[first]}")
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
    bad = first_nonfinite(block)
    if bad is not None:
        row, column = bad
        value = values[row * dim + column].decode("ascii", "replace")
        raise ValueError(f"{source}, line {line_of[start + row]}: value {value!r} of word "
                         f"{tokens[start + row]!r} is not finite (nan, inf or beyond float32)")
    return block


class _Chunks:
    """Bytes of a stream read by large chunks, with the file offset of each position."""

    def __init__(self, stream, offset, prefix):
        self.stream = stream
        self.buf = prefix
        self.pos = 0
        self.base = offset  # file offset of buf[0]

    def fill(self, size):
        """Make ``size`` bytes available from ``pos``; False at the end of the stream.

        The stream is asked for bounded reads, so a record that claims more bytes than
        the stream holds costs the memory of what the stream holds, not of the claim.
        """
        available = len(self.buf) - self.pos
        if available >= size:
            return True
        pieces = [self.buf[self.pos:]]
        while available < size:
            chunk = self.stream.read(max(_CHUNK, min(size - available, _MAX_READ)))
            if not chunk:
                break
            pieces.append(chunk)
            available += len(chunk)
        self.base += self.pos
        self.buf = b"".join(pieces)
        self.pos = 0
        return available >= size


def _parse_binary(stream, source, *, dim, count, limit, encoding, errors, offset, prefix,
                  initial):
    """Read binary records: word, space, ``dim`` little-endian float32, optional newline."""
    wanted = count if limit is None else min(count, limit)
    width = 4 * dim
    reader = _Chunks(stream, offset, prefix)
    rows = _Rows(dim, wanted, initial)
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
        word = _new_word(raw, encoding, errors, index, f"{source}, byte offset {start}",
                         lambda first: f"at byte offset {where[first]}")
        reader.pos = space + 1
        if not reader.fill(width):
            raise ValueError(f"{source}, byte offset {reader.base + reader.pos}: truncated "
                             f"vector of word {word!r}: {len(reader.buf) - reader.pos} of "
                             f"{width} bytes")
        if rows.n == len(rows.data):
            rows.reserve(1)
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
    bad = first_nonfinite(matrix)
    if bad is not None:
        row = bad[0]
        raise ValueError(f"{source}, byte offset {where[row]}: the vector of word "
                         f"{tokens[row]!r} has a non-finite value (nan or inf)")
    return tokens, matrix


# ------------------------------------------------------------------------------ writing


def write_text(tokens, matrix, path, *, header, line_end):
    """Write ``word v1 ... vd`` lines (after an ``n dim`` header line if ``header``)."""
    n, dim = matrix.shape
    row_format = "%s " + " ".join([_FLOAT_FORMAT] * dim) + line_end
    with atomic_write(path) as out:
        if header:
            out.write(f"{n} {dim}\n".encode("ascii"))
        for start in range(0, n, _BLOCK):
            block_tokens = tokens[start: start + _BLOCK]
            block = matrix[start: start + _BLOCK]
            _check_block(block_tokens, block, start, _TEXT_FORBIDDEN, "a text format")
            text = "".join([row_format % (token, *row)
                            for token, row in zip(block_tokens, block.tolist(), strict=True)])
            out.write(_encode(text, block_tokens, start))


def write_binary(tokens, matrix, path):
    """Write the word2vec binary format: header line, then word, space, float32s, newline."""
    n, dim = matrix.shape
    little = matrix.astype("<f4", copy=False)
    width = 4 * dim
    with atomic_write(path) as out:
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
    bad = first_nonfinite(matrix)
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


def _new_word(raw, encoding, errors, index, place, first_place):
    """Decode a word's bytes; refuse undecodable and duplicate words, naming ``place``.

    ``first_place(row)`` says where the word of ``row`` was first seen.
    """
    try:
        word = raw.decode(encoding, errors)
    except UnicodeDecodeError as error:
        raise ValueError(f"{place}: cannot decode the word {raw!r} as {encoding} "
                         f"({error.reason})") from None
    if word in index:
        raise ValueError(f"{place}: duplicate word {word!r} (first {first_place(index[word])})")
    return word
