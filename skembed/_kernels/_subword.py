"""fastText character n-grams and their hash buckets, on UTF-8 bytes.

fastText wraps a word as ``<word>``, takes every run of ``min_n`` to ``max_n`` characters
(characters, not bytes: a UTF-8 continuation byte never starts or ends an n-gram), leaves
out the lone ``<`` and ``>``, and hashes each n-gram's bytes with 32-bit FNV-1a in which
each byte is XOR-ed in as a *signed* char widened to 32 bits (so bytes >= 0x80 flip the
high bits too). The bucket is ``hash % bucket``. Reproducing all of this exactly is what
makes skembed's n-gram ids equal fastText's and gensim's.
"""

import numba
import numpy as np

from . import CACHE

FNV_OFFSET_BASIS = 2166136261
FNV_PRIME = 16777619


@numba.njit(cache=CACHE)
def fasttext_hash(data, start, stop):
    """Return fastText's 32-bit FNV-1a hash of ``data[start:stop]`` (uint8 bytes)."""
    h = np.uint32(FNV_OFFSET_BASIS)
    for i in range(start, stop):
        byte = np.uint32(data[i])
        if byte >= 128:
            byte = byte | np.uint32(0xFFFFFF00)  # sign extension of a negative char
        h = np.uint32(h ^ byte)
        h = np.uint32(np.uint64(h) * np.uint64(FNV_PRIME))
    return h


@numba.njit(cache=CACHE)
def _is_continuation(byte):
    return (byte & 0xC0) == 0x80


@numba.njit(cache=CACHE)
def _scan_word(data, start, stop, min_n, max_n, bucket, out, position):
    """Write the n-gram buckets of the wrapped word ``data[start:stop]`` into ``out``.

    Writing starts at ``position``; an empty ``out`` only counts. Returns the next
    position.
    """
    for i in range(start, stop):
        if _is_continuation(data[i]):
            continue
        j = i
        n = 1
        while j < stop and n <= max_n:
            j += 1
            while j < stop and _is_continuation(data[j]):
                j += 1
            if n >= min_n and not (n == 1 and (i == start or j == stop)):
                if len(out):
                    out[position] = np.int64(fasttext_hash(data, i, j) % np.uint32(bucket))
                position += 1
            n += 1
    return position


@numba.njit(cache=CACHE)
def ngram_buckets(data, word_offsets, min_n, max_n, bucket):
    """Return ``(offsets, buckets)``: the n-gram buckets of each wrapped word, as CSR.

    ``data[word_offsets[w]:word_offsets[w + 1]]`` holds the UTF-8 bytes of ``<word>``.
    Buckets are listed in fastText's order, duplicates kept (fastText keeps them too).
    """
    n_words = len(word_offsets) - 1
    offsets = np.zeros(n_words + 1, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    for w in range(n_words):
        count = _scan_word(data, word_offsets[w], word_offsets[w + 1], min_n, max_n, bucket,
                           empty, 0)
        offsets[w + 1] = offsets[w] + count
    buckets = np.empty(offsets[-1], dtype=np.int64)
    for w in range(n_words):
        _scan_word(data, word_offsets[w], word_offsets[w + 1], min_n, max_n, bucket, buckets,
                   offsets[w])
    return offsets, buckets


@numba.njit(cache=CACHE)
def word_hashes(data, word_offsets):
    """Return fastText's hash of each word ``data[word_offsets[w]:word_offsets[w + 1]]``."""
    n_words = len(word_offsets) - 1
    out = np.empty(n_words, dtype=np.uint32)
    for w in range(n_words):
        out[w] = fasttext_hash(data, word_offsets[w], word_offsets[w + 1])
    return out


# fastText's multiplier for chaining word hashes into a word n-gram hash.
WORD_NGRAM_MULTIPLIER = 116049371


@numba.njit(cache=CACHE)
def _word_ngram_hash_step(h, word_hash):
    # fastText holds word hashes as int32, so a hash >= 2**31 is sign-extended when it
    # joins the 64-bit n-gram hash.
    extended = np.uint64(np.int64(np.int32(word_hash)))
    return h * np.uint64(WORD_NGRAM_MULTIPLIER) + extended


@numba.njit(cache=CACHE)
def word_ngram_buckets(hashes, offsets, n, bucket):
    """Return the hash buckets of the word n-grams (2 to ``n`` words) of each document.

    Document ``d`` is ``hashes[offsets[d]:offsets[d + 1]]``, the fastText hash of each of
    its words. As in fastText, the n-gram starting at word ``i`` and ending at word ``j``
    hashes as ``h = h * 116049371 + hash[k]`` over its words (from ``h = hash[i]``), in
    64 bits, and falls in bucket ``h % bucket``. Returns ``(doc_offsets, buckets)`` as
    CSR, n-grams in fastText's order (by start word, then by length).
    """
    n_docs = len(offsets) - 1
    doc_offsets = np.zeros(n_docs + 1, dtype=np.int64)
    for d in range(n_docs):
        length = offsets[d + 1] - offsets[d]
        count = 0
        for span in range(2, n + 1):
            count += max(0, length - span + 1)
        doc_offsets[d + 1] = doc_offsets[d] + count
    buckets = np.empty(doc_offsets[-1], dtype=np.int64)
    modulus = np.uint64(bucket)
    position = 0
    for d in range(n_docs):
        start, stop = offsets[d], offsets[d + 1]
        for i in range(start, stop):
            h = np.uint64(np.int64(np.int32(hashes[i])))
            for j in range(i + 1, min(stop, i + n)):
                h = _word_ngram_hash_step(h, hashes[j])
                buckets[position] = np.int64(h % modulus)
                position += 1
    return doc_offsets, buckets
