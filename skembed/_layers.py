"""The layers every word2vec-style trainer starts from: input rows and the output layer."""

import numpy as np

from ._kernels._bundles import OutputLayer
from ._vocab import alias_table, huffman_tree, noise_distribution


def uniform_rows(generator, n_rows, dim):
    """Return rows uniform in [-1/dim, 1/dim), as gensim 4 initialises input vectors.

    Parameters
    ----------
    generator : numpy.random.Generator
        Where the values come from.
    n_rows, dim : int
        Shape of the result.

    Returns
    -------
    ndarray of float32 of shape (n_rows, dim)
    """
    rows = generator.random((n_rows, dim), dtype=np.float32)
    rows *= np.float32(2.0)
    rows -= np.float32(1.0)
    rows /= np.float32(dim)
    return rows


def output_layer(counts, dim, *, objective, negative, ns_exponent):
    """Return the zeroed output layer and the tables its objective samples from.

    Parameters
    ----------
    counts : ndarray of int64
        Token counts in vocabulary order.
    dim : int
        Vector dimension.
    objective : {"negative_sampling", "hierarchical_softmax"}
        One output row per token (and a noise table of counts**ns_exponent), or one per
        inner node of the Huffman tree of the counts.
    negative : int
        Noise tokens per prediction.
    ns_exponent : float
        Exponent of the noise distribution.

    Returns
    -------
    OutputLayer
    """
    n_tokens = len(counts)
    negative = int(negative)
    if objective == "hierarchical_softmax":
        if n_tokens < 2:
            raise ValueError(
                "hierarchical_softmax needs at least 2 tokens in the vocabulary, got "
                f"{n_tokens}; lower min_count or use objective='negative_sampling'"
            )
        codes, points, lengths = huffman_tree(counts)
        return OutputLayer(np.zeros((n_tokens - 1, dim), dtype=np.float32), True, negative,
                           np.zeros(1), np.zeros(1, dtype=np.int32), codes, points, lengths)
    accept, alias = alias_table(noise_distribution(counts, ns_exponent))
    return OutputLayer(np.zeros((n_tokens, dim), dtype=np.float32), False, negative, accept,
                       alias, np.zeros((1, 1), dtype=np.uint8),
                       np.zeros((1, 1), dtype=np.int32), np.zeros(1, dtype=np.int32))
