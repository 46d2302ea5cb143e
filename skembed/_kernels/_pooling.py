"""Pool token vectors into one row per document."""

import numba
import numpy as np

from . import CACHE

WEIGHTED_MEAN = 0  # sum of w * v over the sum of w ("mean" with unit weights, "tfidf")
WEIGHTED_SUM = 1  # sum of w * v ("sum" with unit weights)
MAX = 2  # coordinate-wise maximum
SIF = 3  # sum of w * v over the number of tokens (Arora et al., 2017)


@numba.njit(cache=CACHE)
def pool_documents(vectors, ids, offsets, weights, mode, out):
    """Pool the vectors of each document's known tokens (ids >= 0) into ``out``.

    A document with no known token keeps a zero row. Accumulates in float64.
    """
    dim = vectors.shape[1]
    acc = np.empty(dim, dtype=np.float64)
    for doc in range(len(offsets) - 1):
        n_known = 0
        weight_sum = 0.0
        if mode == MAX:
            acc[:] = -np.inf
        else:
            acc[:] = 0.0
        for i in range(offsets[doc], offsets[doc + 1]):
            token = ids[i]
            if token < 0:
                continue
            n_known += 1
            if mode == MAX:
                for k in range(dim):
                    if vectors[token, k] > acc[k]:
                        acc[k] = vectors[token, k]
            else:
                w = weights[token]
                weight_sum += w
                for k in range(dim):
                    acc[k] += w * vectors[token, k]
        if n_known == 0:
            out[doc, :] = 0.0
            continue
        if mode == WEIGHTED_MEAN:
            scale = 1.0 / weight_sum if weight_sum > 0 else 0.0
        elif mode == SIF:
            scale = 1.0 / n_known
        else:
            scale = 1.0
        for k in range(dim):
            out[doc, k] = acc[k] * scale


@numba.njit(cache=CACHE)
def document_frequencies(ids, offsets, n_tokens):
    """Count, for each token id, the documents it occurs in (unknown ids < 0 ignored)."""
    frequency = np.zeros(n_tokens, dtype=np.int64)
    last_document = np.full(n_tokens, -1, dtype=np.int64)
    for doc in range(len(offsets) - 1):
        for i in range(offsets[doc], offsets[doc + 1]):
            token = ids[i]
            if token >= 0 and last_document[token] != doc:
                last_document[token] = doc
                frequency[token] += 1
    return frequency
