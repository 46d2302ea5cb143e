"""Cut an encoded corpus into sentences and work blocks for the parallel kernels.

The cut depends only on the corpus, never on the thread count, so one-thread fits are
reproducible and multi-thread fits differ only by update order.
"""

from dataclasses import dataclass

import numpy as np

BLOCK_TOKENS = 10_000  # about gensim's batch_words: enough work per block to amortise


@dataclass(frozen=True)
class WorkBlocks:
    """Sentences and blocks over a flat id array.

    Attributes
    ----------
    sentence_offsets : ndarray of int64
        Sentence ``s`` is ``ids[sentence_offsets[s]:sentence_offsets[s + 1]]``.
    block_bounds : ndarray of int64
        Block ``b`` holds sentences ``block_bounds[b]`` to ``block_bounds[b + 1] - 1``.
    block_token_starts : ndarray of int64
        Tokens before each block (for the learning-rate schedule).
    n_tokens : int
        Total tokens.
    """

    sentence_offsets: np.ndarray
    block_bounds: np.ndarray
    block_token_starts: np.ndarray
    n_tokens: int

    @property
    def n_blocks(self):
        """Number of work blocks."""
        return len(self.block_bounds) - 1


def split_sentences(offsets, max_length):
    """Split documents longer than ``max_length`` into consecutive pieces; drop empty ones.

    Parameters
    ----------
    offsets : ndarray of int64
        Document boundaries.
    max_length : int
        Longest sentence allowed.

    Returns
    -------
    ndarray of int64
        Sentence boundaries (every document boundary, plus cuts inside long documents).
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    pieces = -(-lengths // max_length)  # ceil; 0 for empty documents
    starts = np.repeat(offsets[:-1], pieces)
    within = np.arange(len(starts)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    starts = starts + within * max_length
    return np.append(starts, offsets[-1]).astype(np.int64)


def make_blocks(offsets, max_sentence_length, block_tokens=BLOCK_TOKENS):
    """Group sentences into blocks of about ``block_tokens`` tokens.

    Parameters
    ----------
    offsets : ndarray of int64
        Document boundaries over the ids the kernels will read.
    max_sentence_length : int
        Longest sentence the kernels accept.
    block_tokens : int, default=BLOCK_TOKENS
        Target tokens per block.

    Returns
    -------
    WorkBlocks
    """
    sentence_offsets = split_sentences(offsets, max_sentence_length)
    n_tokens = int(sentence_offsets[-1] - sentence_offsets[0]) if len(sentence_offsets) else 0
    # A sentence starts a new block when it crosses a multiple of block_tokens.
    starts = sentence_offsets[:-1] - sentence_offsets[0]
    block_of = starts // block_tokens
    first = np.flatnonzero(np.diff(block_of, prepend=-1))
    block_bounds = np.append(first, len(starts)).astype(np.int64)
    return WorkBlocks(
        sentence_offsets=sentence_offsets,
        block_bounds=block_bounds,
        block_token_starts=starts[first].astype(np.int64),
        n_tokens=n_tokens,
    )
