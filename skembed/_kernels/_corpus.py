"""Small passes over an encoded corpus (flat ids plus document offsets).

Each pass writes into arrays its caller allocates, so the caller decides whether they
live in memory or in a memory-mapped temporary file (see ``skembed._spill``).
"""

import numba
import numpy as np

from . import CACHE


@numba.njit(cache=CACHE)
def add_counts(ids, counts):
    """Add one to ``counts[i]`` for every non-negative id ``i`` in ``ids``."""
    for i in range(len(ids)):
        if ids[i] >= 0:
            counts[ids[i]] += 1


@numba.njit(cache=CACHE)
def remap_ids(ids, remap):
    """Replace every id ``i`` in ``ids`` by ``remap[i]``, in place."""
    for i in range(len(ids)):
        ids[i] = remap[ids[i]]


@numba.njit(cache=CACHE)
def count_known(ids):
    """Count the non-negative ids."""
    kept = 0
    for i in range(len(ids)):
        if ids[i] >= 0:
            kept += 1
    return kept


@numba.njit(cache=CACHE)
def copy_known(ids, offsets, new_ids, new_offsets):
    """Copy the documents without their negative ids into ``new_ids``/``new_offsets``.

    ``new_ids`` holds ``count_known(ids)`` items and ``new_offsets`` ``len(offsets)``.
    """
    position = 0
    new_offsets[0] = 0
    for doc in range(len(offsets) - 1):
        for i in range(offsets[doc], offsets[doc + 1]):
            if ids[i] >= 0:
                new_ids[position] = ids[i]
                position += 1
        new_offsets[doc + 1] = position


@numba.njit(cache=CACHE)
def count_sentences(offsets, max_length):
    """Count the sentences when documents are cut every ``max_length`` tokens."""
    n = 0
    for doc in range(len(offsets) - 1):
        n += (offsets[doc + 1] - offsets[doc] + max_length - 1) // max_length
    return n


@numba.njit(cache=CACHE)
def cut_sentences(offsets, max_length, starts):
    """Write the sentence boundaries: every cut of every non-empty document, then the end.

    ``starts`` holds ``count_sentences(offsets, max_length) + 1`` items.
    """
    n = 0
    for doc in range(len(offsets) - 1):
        for start in range(offsets[doc], offsets[doc + 1], max_length):
            starts[n] = start
            n += 1
    starts[n] = offsets[len(offsets) - 1]


@numba.njit(cache=CACHE)
def first_sentences(sentence_offsets, block_tokens):
    """Sentences that open a block: those crossing into a new multiple of block_tokens."""
    n_sentences = len(sentence_offsets) - 1
    origin = sentence_offsets[0]
    n_blocks = 0
    previous = -1
    for s in range(n_sentences):
        block = (sentence_offsets[s] - origin) // block_tokens
        if block != previous:
            n_blocks += 1
            previous = block
    first = np.empty(n_blocks, dtype=np.int64)
    n_blocks = 0
    previous = -1
    for s in range(n_sentences):
        block = (sentence_offsets[s] - origin) // block_tokens
        if block != previous:
            first[n_blocks] = s
            n_blocks += 1
            previous = block
    return first
