"""fastText training kernels: skip-gram and CBOW whose inputs are subword averages.

A word's input vector is the mean of its rows in ``W_in``: its own row and one row per
character n-gram bucket (``sub_rows[sub_offsets[w]:sub_offsets[w + 1]]``). As in
fastText, the gradient of that mean is added, whole, to every one of those rows. The
output layer, sub-sampling, windows, learning-rate schedule and work sharing are those
of the word2vec kernels.
"""

import numba
import numpy as np

from . import CACHE
from ._common import add_scaled_row, add_scaled_to_row, below
from ._word2vec import (
    block_scratch,
    hierarchical_softmax_update,
    hot_rows,
    learning_rate,
    merge_hot_rows,
    negative_sampling_update,
    subsample,
)


@numba.njit(cache=CACHE)
def add_mean_of_rows(out, W_in, rows, start, stop):
    """Add the mean of ``W_in[rows[start:stop]]`` to ``out``."""
    scale = np.float32(1.0 / (stop - start))
    for r in range(start, stop):
        add_scaled_row(out, scale, W_in, rows[r])


@numba.njit(cache=CACHE)
def mean_rows(W_in, offsets, rows):
    """Return, for each word, the mean of its rows ``W_in[rows[offsets[w]:offsets[w+1]]]``."""
    n_words = len(offsets) - 1
    out = np.zeros((n_words, W_in.shape[1]), dtype=np.float32)
    for w in range(n_words):
        if offsets[w + 1] > offsets[w]:
            add_mean_of_rows(out[w], W_in, rows, offsets[w], offsets[w + 1])
    return out


@numba.njit(cache=CACHE)
def add_to_rows(W_in, rows, start, stop, grad):
    """Add ``grad`` to every row ``W_in[rows[start:stop]]``."""
    for r in range(start, stop):
        add_scaled_to_row(W_in, rows[r], np.float32(1.0), grad)


@numba.njit(cache=CACHE, nogil=True)
def skipgram_block(W_in, W_out, sub_offsets, sub_rows, mean_shift, ids, sentence_offsets,
                   first_sentence, end_sentence, tokens_before, total_tokens, keep_prob,
                   accept, alias, codes, points, lengths, hierarchical, window, negative,
                   shrink_windows, alpha_start, alpha_end, epoch, epochs, seed, compute_loss):
    """Train fastText skip-gram on sentences [first_sentence, end_sentence).

    As in fastText, the center's subword mean predicts each context token in turn. After
    each prediction every input row of the center moves by the same gradient, so their
    mean moves by ``mean_shift[center]`` times it (1 unless a bucket repeats in the
    word): the hidden vector is updated in place, exactly, instead of re-averaged.
    Returns (loss, examples).
    """
    dim = W_in.shape[1]
    state, grad, hidden, sentence, rows, scores = block_scratch(
        seed, W_in.shape[1], negative, codes)
    hot, snapshot, hot_first = hot_rows(W_out, hierarchical)
    loss = 0.0
    examples = 0
    for s in range(first_sentence, end_sentence):
        start, stop = sentence_offsets[s], sentence_offsets[s + 1]
        alpha = learning_rate(alpha_start, alpha_end, epoch, epochs, tokens_before,
                              total_tokens)
        tokens_before += stop - start
        n = subsample(ids, start, stop, keep_prob, state, sentence)
        for i in range(n):
            center = sentence[i]
            first, last = sub_offsets[center], sub_offsets[center + 1]
            span = window - below(state, window) if shrink_windows else window
            lo, hi = max(0, i - span), min(n, i + span + 1)
            if hi - lo < 2:
                continue
            hidden[:] = 0.0
            add_mean_of_rows(hidden, W_in, sub_rows, first, last)
            for j in range(lo, hi):
                if j == i:
                    continue
                grad[:] = 0.0
                if hierarchical:
                    loss += hierarchical_softmax_update(
                        hidden, grad, sentence[j], W_out, hot, hot_first, codes, points, lengths,
                        alpha, compute_loss, scores)
                else:
                    loss += negative_sampling_update(
                        hidden, grad, sentence[j], W_out, accept, alias, negative, alpha, state,
                        compute_loss, rows, scores)
                add_to_rows(W_in, sub_rows, first, last, grad)
                shift = mean_shift[center]
                for k in range(dim):
                    hidden[k] += shift * grad[k]
                examples += 1
    merge_hot_rows(W_out, hot, snapshot, hot_first)
    return loss, examples


@numba.njit(cache=CACHE, nogil=True)
def cbow_block(W_in, W_out, sub_offsets, sub_rows, ids, sentence_offsets, first_sentence,
               end_sentence, tokens_before, total_tokens, keep_prob, accept, alias, codes,
               points, lengths, hierarchical, window, negative, shrink_windows, alpha_start,
               alpha_end, epoch, epochs, seed, compute_loss):
    """Train fastText CBOW on sentences [first_sentence, end_sentence).

    The mean of all input rows of all context tokens predicts the center, and the
    gradient goes, whole, to each of those rows (fastText). Returns (loss, examples).
    """
    state, grad, hidden, sentence, rows, scores = block_scratch(
        seed, W_in.shape[1], negative, codes)
    hot, snapshot, hot_first = hot_rows(W_out, hierarchical)
    loss = 0.0
    examples = 0
    for s in range(first_sentence, end_sentence):
        start, stop = sentence_offsets[s], sentence_offsets[s + 1]
        alpha = learning_rate(alpha_start, alpha_end, epoch, epochs, tokens_before,
                              total_tokens)
        tokens_before += stop - start
        n = subsample(ids, start, stop, keep_prob, state, sentence)
        for i in range(n):
            center = sentence[i]
            span = window - below(state, window) if shrink_windows else window
            lo, hi = max(0, i - span), min(n, i + span + 1)
            if hi - lo < 2:
                continue
            hidden[:] = 0.0
            n_rows = 0
            for j in range(lo, hi):
                if j != i:
                    word = sentence[j]
                    for r in range(sub_offsets[word], sub_offsets[word + 1]):
                        add_scaled_row(hidden, np.float32(1.0), W_in, sub_rows[r])
                    n_rows += sub_offsets[word + 1] - sub_offsets[word]
            hidden *= np.float32(1.0 / n_rows)
            grad[:] = 0.0
            if hierarchical:
                loss += hierarchical_softmax_update(
                    hidden, grad, center, W_out, hot, hot_first, codes, points, lengths, alpha,
                    compute_loss, scores)
            else:
                loss += negative_sampling_update(
                    hidden, grad, center, W_out, accept, alias, negative, alpha, state,
                    compute_loss, rows, scores)
            for j in range(lo, hi):
                if j != i:
                    word = sentence[j]
                    add_to_rows(W_in, sub_rows, sub_offsets[word], sub_offsets[word + 1], grad)
            examples += 1
    merge_hot_rows(W_out, hot, snapshot, hot_first)
    return loss, examples


@numba.njit(parallel=True, nogil=True, cache=CACHE)
def fasttext_epoch(W_in, W_out, sub_offsets, sub_rows, mean_shift, ids, sentence_offsets,
                   block_bounds, block_token_starts, total_tokens, keep_prob, accept, alias,
                   codes, points, lengths, hierarchical, skipgram, window, negative,
                   shrink_windows,
                   alpha_start, alpha_end, epoch, epochs, seeds, compute_loss, block_loss,
                   block_examples, n_workers):
    """Run one fastText epoch; workers share blocks as the word2vec kernels do."""
    n_blocks = len(block_bounds) - 1
    for worker in numba.prange(n_workers):
        for block in range(worker, n_blocks, n_workers):
            if skipgram:
                block_loss[block], block_examples[block] = skipgram_block(
                    W_in, W_out, sub_offsets, sub_rows, mean_shift, ids, sentence_offsets,
                    block_bounds[block], block_bounds[block + 1], block_token_starts[block],
                    total_tokens, keep_prob, accept, alias, codes, points, lengths,
                    hierarchical, window, negative, shrink_windows, alpha_start, alpha_end,
                    epoch, epochs, seeds[block], compute_loss)
            else:
                block_loss[block], block_examples[block] = cbow_block(
                    W_in, W_out, sub_offsets, sub_rows, ids, sentence_offsets,
                    block_bounds[block], block_bounds[block + 1], block_token_starts[block],
                    total_tokens, keep_prob, accept, alias, codes, points, lengths,
                    hierarchical, window, negative, shrink_windows, alpha_start, alpha_end,
                    epoch, epochs, seeds[block], compute_loss)
