"""Cut an encoded corpus into sentences and work blocks for the parallel kernels.

The cut depends only on the corpus, never on the thread count, so one-thread fits are
reproducible and multi-thread fits differ only by update order.
"""

from dataclasses import dataclass

import numpy as np

from ._kernels._corpus import count_sentences, cut_sentences, first_sentences
from ._spill import allocate

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
        Sentence boundaries (every document boundary, plus cuts inside long documents);
        memory-mapped when large, like the corpus itself.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    starts = allocate(count_sentences(offsets, max_length) + 1, np.int64)
    cut_sentences(offsets, max_length, starts)
    return starts


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
    n_tokens = int(sentence_offsets[-1] - sentence_offsets[0])
    # A sentence starts a new block when it crosses a multiple of block_tokens.
    first = first_sentences(sentence_offsets, block_tokens)
    return WorkBlocks(
        sentence_offsets=sentence_offsets,
        block_bounds=np.append(first, len(sentence_offsets) - 1),
        block_token_starts=sentence_offsets[first] - sentence_offsets[0],
        n_tokens=n_tokens,
    )


def sentence_documents(blocks, offsets):
    """Return the document of each sentence of ``blocks`` (cut from ``offsets``).

    Parameters
    ----------
    blocks : WorkBlocks
        Sentences cut from the documents by ``make_blocks``.
    offsets : ndarray of int64
        The document boundaries they were cut from.

    Returns
    -------
    ndarray of int64 of shape (n_sentences,)
        A long document's pieces all name it; empty documents have no sentence.
    """
    starts = np.asarray(blocks.sentence_offsets[:-1])
    # side="right": a sentence starting where empty documents also start belongs to the
    # last document starting there, the one that holds tokens.
    return (np.searchsorted(np.asarray(offsets), starts, side="right") - 1).astype(np.int64)

