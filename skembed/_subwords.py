"""fastText subwords for Python callers: n-gram strings, hashes and bucket tables."""

import numpy as np

from ._kernels._subword import fasttext_hash, ngram_buckets
from ._kernels._subword import word_hashes as _word_hashes

BEGIN_OF_WORD = "<"
END_OF_WORD = ">"


def _wrapped_bytes(words, begin=BEGIN_OF_WORD, end=END_OF_WORD):
    """Concatenate the UTF-8 bytes of ``<word>`` for each word; return (data, offsets)."""
    encoded = [(begin + word + end).encode("utf-8") for word in words]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return data, offsets


def word_ngram_buckets(words, min_n, max_n, bucket):
    """Bucket ids of the character n-grams of each word, as fastText computes them.

    Parameters
    ----------
    words : sequence of str
        Words (without the ``<`` and ``>`` markers).
    min_n, max_n : int
        Shortest and longest n-gram in characters; ``max_n < min_n`` gives none.
    bucket : int
        Number of hash buckets.

    Returns
    -------
    offsets : ndarray of int64, shape (n_words + 1,)
    buckets : ndarray of int64
        The buckets of word ``w`` are ``buckets[offsets[w]:offsets[w + 1]]``.
    """
    if max_n < min_n or max_n == 0:
        return np.zeros(len(words) + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    data, word_offsets = _wrapped_bytes(words)
    return ngram_buckets(data, word_offsets, min_n, max_n, bucket)


def checked_max_n(min_n, max_n):
    """Return ``max_n`` (0: no character n-grams), refusing ``0 < max_n < min_n``.

    Parameters
    ----------
    min_n, max_n : int
        The ``min_n`` and ``max_n`` parameters of an estimator.

    Returns
    -------
    int
    """
    if max_n and max_n < min_n:
        raise ValueError(
            f"max_n={max_n} is smaller than min_n={min_n}, which leaves no character "
            "n-gram; set max_n >= min_n, or max_n=0 to train without n-grams"
        )
    return max_n


def word_hashes(words):
    """Return fastText's 32-bit hash of each word (no markers), as its word n-grams use.

    Parameters
    ----------
    words : sequence of str
        Words.

    Returns
    -------
    ndarray of uint32 of shape (n_words,)
    """
    data, offsets = _wrapped_bytes(words, begin="", end="")
    return _word_hashes(data, offsets)


def char_ngrams(word, min_n, max_n):
    """Return the character n-grams of ``<word>`` in fastText's order (for inspection).

    Parameters
    ----------
    word : str
        A word, without markers.
    min_n, max_n : int
        Shortest and longest n-gram in characters.

    Returns
    -------
    list of str
    """
    wrapped = BEGIN_OF_WORD + word + END_OF_WORD
    grams = []
    for i in range(len(wrapped)):
        for n in range(min_n, max_n + 1):
            if i + n > len(wrapped):
                break
            if n == 1 and (i == 0 or i + n == len(wrapped)):
                continue
            grams.append(wrapped[i : i + n])
    return grams


def hash_bytes(data):
    """Return fastText's 32-bit FNV-1a hash of a bytes object."""
    array = np.frombuffer(bytes(data), dtype=np.uint8)
    return int(fasttext_hash(array, 0, len(array)))
