"""GloVe co-occurrence counting: a driver that cuts the rows into ranges for the kernels.

The matrix is never held densely. Rows are cut into contiguous ranges whose working
memory stays under a bound; each range is counted by one kernel call (which releases the
GIL, so ranges run on ``n_threads`` threads) and gives the CSR rows of its range.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._kernels._cooccur import (
    bucket_positions,
    count_dense_rows,
    count_sparse_rows,
    dense_to_sparse,
    row_pair_counts,
)
from ._spill import allocate

# Working memory per range, in 8-byte items: a range is counted either as a dense block of
# rows x vocabulary float64 values or as lists of (column, distance) pairs, whichever is
# smaller, and one of them must fit this bound (a single row always may: O(vocabulary)).
PAIRS_PER_RANGE = 4_000_000


@dataclass(frozen=True)
class CooccurrenceRows:
    """The rows of a co-occurrence matrix, as CSR pieces for consecutive row ranges.

    Attributes
    ----------
    n_tokens : int
        The matrix is ``n_tokens x n_tokens``.
    pieces : list of tuple
        ``(row_start, indptr, indices, data)`` per range, in row order; ``indptr`` is
        local to the range, ``data`` float32.
    """

    n_tokens: int
    pieces: list

    @property
    def nnz(self):
        """Number of non-zero entries."""
        return sum(len(indices) for _, _, indices, _ in self.pieces)

    def to_csr(self):
        """Return the matrix as a ``scipy.sparse.csr_matrix`` of float32."""
        indptr = [np.zeros(1, dtype=np.int64)]
        base = 0
        for _, local_indptr, indices, _ in self.pieces:
            indptr.append(local_indptr[1:] + base)
            base += len(indices)
        indices = np.concatenate([p[2] for p in self.pieces] or [np.zeros(0, np.int32)])
        data = np.concatenate([p[3] for p in self.pieces] or [np.zeros(0, np.float32)])
        indptr = np.concatenate(indptr)
        return sp.csr_matrix((data, indices, indptr), shape=(self.n_tokens, self.n_tokens))


def row_ranges(pair_counts, n_cols, budget=PAIRS_PER_RANGE):
    """Cut rows into consecutive ranges that each fit ``budget`` working items.

    A range fits when its pairs or its dense block (rows x ``n_cols``) do.

    Returns
    -------
    list of (start, stop, dense)
    """
    n_rows = len(pair_counts)
    cumulative = np.concatenate([[0], np.cumsum(pair_counts)])
    ranges = []
    start = 0
    while start < n_rows:
        # Largest stop whose pairs fit, and largest whose dense block fits.
        sparse_stop = int(np.searchsorted(cumulative, cumulative[start] + budget, "right")) - 1
        dense_stop = start + budget // max(n_cols, 1)
        stop = min(n_rows, max(sparse_stop, dense_stop, start + 1))
        pairs = cumulative[stop] - cumulative[start]
        ranges.append((start, stop, (stop - start) * n_cols <= pairs))
        start = stop
    return ranges


def _positions_by_range(ids, occurrences, ranges):
    """Bucket the corpus positions by row range, each bucket in corpus order.

    Parameters
    ----------
    ids : ndarray of int32
        The corpus.
    occurrences : ndarray of int64
        Occurrences of each row's token in ``ids``.
    ranges : list of (start, stop, dense)
        Consecutive row ranges covering every row.

    Returns
    -------
    starts : ndarray of int64, shape (n_ranges + 1,)
        Range ``k``'s positions are ``positions[starts[k]:starts[k + 1]]``.
    positions : ndarray of int32 or int64
        Every position once (memory-mapped, like the corpus, when large).
    """
    range_of_row = np.zeros(len(occurrences), dtype=np.int32)
    for k, (start, stop, _) in enumerate(ranges):
        range_of_row[start:stop] = k
    before_row = np.concatenate([[0], np.cumsum(occurrences)])
    starts = before_row[[start for start, _, _ in ranges] + [len(occurrences)]]
    dtype = np.int32 if len(ids) <= np.iinfo(np.int32).max else np.int64
    positions = allocate(len(ids), dtype)
    bucket_positions(ids, range_of_row, starts, positions)
    return starts, positions


def count_cooccurrences(ids, offsets, n_tokens, *, window, symmetric=True,
                        distance_weighting=True, n_threads=1, budget=PAIRS_PER_RANGE):
    """Count the weighted co-occurrences of an encoded corpus.

    Parameters
    ----------
    ids : ndarray of int32
        Token ids (all known) of the documents, concatenated.
    offsets : ndarray of int64
        Document boundaries; context never crosses a document boundary.
    n_tokens : int
        Vocabulary size.
    window : int
        Largest distance between two tokens counted together.
    symmetric : bool, default=True
        Count context on both sides (a symmetric matrix); if False, entry ``(i, j)`` only
        counts ``j`` after ``i``.
    distance_weighting : bool, default=True
        Weight a pair ``1 / distance`` instead of 1.
    n_threads : int, default=1
        Ranges counted at once. The result does not depend on it.
    budget : int, default=PAIRS_PER_RANGE
        Working items (8 bytes each) per range.

    Returns
    -------
    CooccurrenceRows
    """
    pair_counts, occurrences = row_pair_counts(ids, offsets, n_tokens, window, symmetric)
    ranges = row_ranges(pair_counts, n_tokens, budget)
    starts, positions = _positions_by_range(ids, occurrences, ranges)

    def count(k):
        start, stop, dense = ranges[k]
        mine = positions[starts[k] : starts[k + 1]]
        if dense:
            block = count_dense_rows(ids, offsets, mine, window, symmetric, distance_weighting,
                                     start, stop, n_tokens)
            return (start, *dense_to_sparse(block))
        return (start, *count_sparse_rows(ids, offsets, mine, window, symmetric,
                                          distance_weighting, start, stop, pair_counts,
                                          n_tokens))

    if n_threads > 1 and len(ranges) > 1:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            pieces = list(pool.map(count, range(len(ranges))))
    else:
        pieces = [count(k) for k in range(len(ranges))]
    return CooccurrenceRows(n_tokens=n_tokens, pieces=pieces)
