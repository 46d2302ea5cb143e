"""Count weighted word-word co-occurrences over an encoded corpus, a range of rows at a time.

Entry ``(i, j)`` collects every occurrence of token ``j`` within ``window`` tokens after
token ``i`` in the same document (weight ``1 / distance``, or 1), and with symmetric
context also every occurrence of ``j`` before ``i``, as the Stanford GloVe ``cooccur`` tool
counts. Each kernel owns a contiguous range of rows and adds a row's contributions in
corpus order, so the result does not depend on how rows are split or on the thread count.
A kernel visits only the positions of its own rows (bucketed once by
``bucket_positions``), so counting takes time linear in the corpus whatever the number
of ranges.
"""

import numba
import numpy as np

from . import CACHE


@numba.njit(cache=CACHE, nogil=True)
def row_pair_counts(ids, offsets, n_rows, window, symmetric):
    """Return how many (token, context) pairs each row receives, and its occurrences."""
    counts = np.zeros(n_rows, dtype=np.int64)
    occurrences = np.zeros(n_rows, dtype=np.int64)
    for doc in range(len(offsets) - 1):
        start, stop = offsets[doc], offsets[doc + 1]
        for p in range(start, stop):
            n = min(window, stop - 1 - p)
            if symmetric:
                n += min(window, p - start)
            counts[ids[p]] += n
            occurrences[ids[p]] += 1
    return counts, occurrences


@numba.njit(cache=CACHE, nogil=True)
def bucket_positions(ids, range_of_row, range_starts, positions):
    """Write the corpus positions of each range's rows, in corpus order, to ``positions``.

    ``range_starts[k]`` is where range ``k``'s positions begin (a prefix sum of the tokens
    per range) and ``positions`` holds ``len(ids)`` items.
    """
    fill = range_starts[:-1].copy()
    for p in range(len(ids)):
        k = range_of_row[ids[p]]
        positions[fill[k]] = p
        fill[k] += 1


@numba.njit(cache=CACHE, inline="always")
def _document_of(offsets, doc, p):
    """Return the document holding position ``p``, searching forward from ``doc``.

    Positions come in increasing order, so the search gallops from the last answer.
    """
    if offsets[doc + 1] > p:
        return doc
    last = len(offsets) - 2
    lo, step = doc, 1  # offsets[lo + 1] <= p
    hi = min(doc + step, last)
    while offsets[hi + 1] <= p:
        lo = hi
        step *= 2
        hi = min(doc + step, last)
    while hi - lo > 1:  # offsets[lo + 1] <= p < offsets[hi + 1]
        mid = (lo + hi) // 2
        if offsets[mid + 1] <= p:
            lo = mid
        else:
            hi = mid
    return hi


@numba.njit(cache=CACHE, inline="always")
def _pair_weight(distance, distance_weighting):
    if distance_weighting:
        return 1.0 / distance
    return 1.0


@numba.njit(cache=CACHE, nogil=True)
def count_dense_rows(ids, offsets, positions, window, symmetric, distance_weighting, row_lo,
                     row_hi, n_cols):
    """Count rows ``row_lo`` to ``row_hi - 1`` into a dense float64 block of n_cols columns.

    ``positions`` are the corpus positions of those rows, in corpus order. Used for the
    few most frequent rows, which receive most pairs: the block is small while their
    pair lists would be long.
    """
    block = np.zeros((row_hi - row_lo, n_cols), dtype=np.float64)
    doc = 0
    for i in range(len(positions)):
        p = positions[i]
        doc = _document_of(offsets, doc, p)
        start, stop = offsets[doc], offsets[doc + 1]
        r = ids[p] - row_lo
        for q in range(p + 1, min(stop, p + window + 1)):
            block[r, ids[q]] += _pair_weight(q - p, distance_weighting)
        if symmetric:
            for q in range(p - 1, max(start, p - window) - 1, -1):
                block[r, ids[q]] += _pair_weight(p - q, distance_weighting)
    return block


@numba.njit(cache=CACHE, nogil=True)
def dense_to_sparse(block):
    """Return ``(indptr, indices, data)`` (CSR pieces, float32 data) of a dense block."""
    n_rows, n_cols = block.shape
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    for r in range(n_rows):
        nonzero = 0
        for c in range(n_cols):
            if block[r, c] != 0.0:
                nonzero += 1
        indptr[r + 1] = indptr[r] + nonzero
    indices = np.empty(indptr[-1], dtype=np.int32)
    data = np.empty(indptr[-1], dtype=np.float32)
    k = 0
    for r in range(n_rows):
        for c in range(n_cols):
            if block[r, c] != 0.0:
                indices[k] = c
                data[k] = block[r, c]
                k += 1
    return indptr, indices, data


@numba.njit(cache=CACHE, nogil=True)
def count_sparse_rows(ids, offsets, positions, window, symmetric, distance_weighting, row_lo,
                      row_hi, pair_counts, n_cols):
    """Count rows ``row_lo`` to ``row_hi - 1`` (at ``positions``) through per-row pair lists.

    Every pair is first written to its row's slot (column and distance), then each row is
    reduced in a dense scratch row and its distinct columns are written back, sorted, in
    place of its pairs. Memory: 8 bytes per pair of the range plus one float64 row.

    Returns
    -------
    indptr, indices, data
        CSR pieces for the range (float32 data).
    """
    n_rows = row_hi - row_lo
    slot = np.zeros(n_rows + 1, dtype=np.int64)
    for r in range(n_rows):
        slot[r + 1] = slot[r] + pair_counts[row_lo + r]
    columns = np.empty(slot[-1], dtype=np.int32)
    distances = np.empty(slot[-1], dtype=np.int32)
    fill = slot[:-1].copy()
    doc = 0
    for i in range(len(positions)):
        p = positions[i]
        doc = _document_of(offsets, doc, p)
        start, stop = offsets[doc], offsets[doc + 1]
        r = ids[p] - row_lo
        k = fill[r]
        for q in range(p + 1, min(stop, p + window + 1)):
            columns[k] = ids[q]
            distances[k] = q - p
            k += 1
        if symmetric:
            for q in range(p - 1, max(start, p - window) - 1, -1):
                columns[k] = ids[q]
                distances[k] = p - q
                k += 1
        fill[r] = k

    # Reduce each row; its output never overtakes its own pairs, so reuse the arrays.
    scratch = np.zeros(n_cols, dtype=np.float64)
    values = distances.view(np.float32)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    out = 0
    for r in range(n_rows):
        first = out
        for k in range(slot[r], slot[r + 1]):
            c = columns[k]
            if scratch[c] == 0.0:
                # Record the column at out (<= k: already read), then accumulate.
                columns[out] = c
                out += 1
            scratch[c] += _pair_weight(distances[k], distance_weighting)
        columns[first:out].sort()
        for k in range(first, out):
            c = columns[k]
            values[k] = scratch[c]
            scratch[c] = 0.0
        indptr[r + 1] = out
    return indptr, columns[:out].copy(), values[:out].copy()
