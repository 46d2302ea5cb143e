"""Arrays that move to a memory-mapped temporary file once they outgrow a memory budget.

Fitting records the whole encoded corpus (4 bytes a token and 8 a document) before it
trains. Past ``SPILL_BYTES`` an array lives in a temporary file instead of in memory,
so the memory a fit needs is bounded by the vocabulary and the model, not by the size of
the corpus; the operating system pages the file in and out as the kernels sweep over it.

The files are created in ``tempfile.gettempdir`` (set ``TMPDIR`` to move them) and are
unlinked from the start: nothing is left on disk once the arrays are gone, even when the
process is killed.
"""

import contextlib
import os
import tempfile

import numpy as np

SPILL_BYTES = 1 << 27  # arrays above 128 MB go to a temporary file


def _space_error(error, n_bytes, reserving=True):
    doing = "reserve" if reserving else "write"
    return OSError(
        error.errno,
        f"cannot {doing} {n_bytes / 2**30:.2f} GiB in the temporary directory "
        f"{tempfile.gettempdir()!r} for the encoded corpus ({error.strerror}); set the "
        "TMPDIR environment variable to a directory with more free space",
    )


def _temporary_file():
    return tempfile.TemporaryFile(prefix="skembed-")


def _map(file, dtype, n):
    """Memory-map the first ``n`` items (at least one) of ``file`` for reading and writing."""
    return np.memmap(file, dtype=dtype, mode="r+", shape=(n,))


def allocate(n, dtype):
    """Return an uninitialised 1-D array, memory-mapped when larger than SPILL_BYTES.

    The file's blocks are reserved up front, so a full disk raises a clear ``OSError``
    here rather than a bus error when the mapping is written.

    Parameters
    ----------
    n : int
        Number of items.
    dtype : dtype
        Item type.

    Returns
    -------
    ndarray or numpy.memmap
    """
    dtype = np.dtype(dtype)
    n_bytes = n * dtype.itemsize
    if n_bytes <= SPILL_BYTES:
        return np.empty(n, dtype=dtype)
    with _temporary_file() as file:
        try:
            _reserve(file, n_bytes)
        except OSError as error:
            raise _space_error(error, n_bytes) from error
        # The mapping holds its own handle: closing the file keeps the data alive.
        return _map(file, dtype, n)


def _reserve(file, n_bytes):
    if hasattr(os, "posix_fallocate"):
        os.posix_fallocate(file.fileno(), 0, n_bytes)
    else:  # pragma: no cover - not on Linux
        file.truncate(n_bytes)


def is_spilled(array):
    """Tell whether ``array`` lives in a memory-mapped file."""
    return isinstance(array, np.memmap) or isinstance(getattr(array, "base", None), np.memmap)


class SpillableArray:
    """An append-only 1-D array, held in memory until it passes SPILL_BYTES.

    Parameters
    ----------
    dtype : dtype
        Item type.
    """

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)
        self._chunks = []
        self._file = None
        self._n = 0

    def __len__(self):
        return self._n

    @property
    def spilled(self):
        """Whether the values have moved to a temporary file."""
        return self._file is not None

    def append(self, values):
        """Append the items of a 1-D array."""
        values = np.ascontiguousarray(values, dtype=self.dtype)
        self._n += len(values)
        if self._file is None:
            self._chunks.append(values)
            if self._n * self.dtype.itemsize > SPILL_BYTES:
                self._spill()
        else:
            self._write(values)

    def _spill(self):
        self._file = _temporary_file()
        chunks, self._chunks = self._chunks, []
        for chunk in chunks:
            self._write(chunk)

    def _write(self, values):
        try:
            self._file.write(memoryview(values).cast("B"))
        except OSError as error:
            raise _space_error(error, self._n * self.dtype.itemsize, False) from error

    def to_array(self):
        """Return every item as one array and empty the buffer.

        Returns
        -------
        ndarray or numpy.memmap
            An ordinary array when the items fit in memory; otherwise a writable map of
            the temporary file, which disappears with the last reference to it.
        """
        n, self._n = self._n, 0
        if self._file is None:
            out = np.empty(n, dtype=self.dtype)
            position = 0
            chunks, self._chunks = self._chunks, []
            while chunks:  # free each chunk once copied: the values are never held twice
                chunk = chunks.pop(0)
                out[position : position + len(chunk)] = chunk
                position += len(chunk)
            return out
        file, self._file = self._file, None
        try:
            file.flush()  # buffered appends may only meet a full disk here
        except OSError as error:
            with contextlib.suppress(OSError):
                file.close()  # flushes (and fails) again, but closes the descriptor
            raise _space_error(error, n * self.dtype.itemsize, False) from error
        with file:
            return _map(file, self.dtype, n)

    def close(self):
        """Drop the items (and the temporary file)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._chunks = []
        self._n = 0
