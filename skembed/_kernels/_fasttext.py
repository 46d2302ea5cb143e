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
from ._common import add_scaled_row, add_scaled_to_row, prefetch_row
from ._word2vec import (
    block_rate,
    block_scratch,
    draw_window_noise,
    hierarchical_softmax_update,
    hot_rows,
    last_context_position,
    merge_hot_rows,
    negative_sampling_update,
    predict_against_noise,
    subsample,
    window_minibatch_step,
    window_span,
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
def add_to_rows(W_in, rows, start, stop, scale, grad):
    """Add ``scale * grad`` to every row ``W_in[rows[start:stop]]``."""
    for r in range(start, stop):
        add_scaled_to_row(W_in, rows[r], scale, grad)


@numba.njit(cache=CACHE, inline="always")
def prefetch_word_rows(W_in, subwords, word):
    """Start loading the input rows of ``word`` (its own row and its n-gram rows)."""
    for r in range(subwords.offsets[word], subwords.offsets[word + 1]):
        prefetch_row(W_in, subwords.rows[r])


@numba.njit(cache=CACHE, nogil=True)
def skipgram_block(W_in, subwords, corpus, output, context, schedule, block):
    """Train fastText skip-gram on the sentences of one block; return (loss, examples).

    As in fastText, the center's subword mean predicts each context token in turn. After
    each prediction every input row of the center moves by the same gradient, so their
    mean moves by ``mean_shift[center]`` times it (1 unless a bucket repeats in the
    word): the hidden vector is updated in place, exactly, instead of re-averaged. With
    ``context.batch_windows`` (negative sampling only) a window's pairs are one minibatch
    step (``window_minibatch_step``) and the center's rows move once a window. The next
    center's rows, and pair by pair the next pair's noise, are fetched (drawn) ahead, in
    the order of the word2vec skip-gram kernel.
    """
    dim = W_in.shape[1]
    W_out, hierarchical, negative = output.weights, output.hierarchical, output.negative
    compute_loss = schedule.compute_loss
    sub_offsets, sub_rows = subwords.offsets, subwords.rows
    state, grad, hidden, sentence, rows, scores = block_scratch(
        schedule.seeds[block], dim, negative, output.codes)
    hot, snapshot, hot_first = hot_rows(W_out, hierarchical)
    batched = context.batch_windows and not hierarchical
    window_size = 2 * context.window * (negative + 1) if batched else 0
    window_rows = np.empty(window_size, dtype=np.int64)
    window_steps = np.empty(window_size, dtype=np.float32)
    ahead = not hierarchical and not batched
    noise = np.empty(2 * negative if ahead else 0, dtype=np.int64)  # this pair, the next
    tokens_before = corpus.block_token_starts[block]
    loss = 0.0
    examples = 0
    for s in range(corpus.block_bounds[block], corpus.block_bounds[block + 1]):
        start, stop = corpus.sentence_offsets[s], corpus.sentence_offsets[s + 1]
        alpha = block_rate(schedule, corpus, tokens_before)
        tokens_before += stop - start
        n = subsample(corpus.ids, start, stop, corpus.keep_prob, state, sentence)
        current = 0
        if ahead and n > 1:
            draw_window_noise(state, output.accept, output.alias, W_out, negative, noise, 0)
        for i in range(n):
            center = sentence[i]
            first, last = sub_offsets[center], sub_offsets[center + 1]
            span = window_span(context, state)
            lo, hi = max(0, i - span), min(n, i + span + 1)
            if hi - lo < 2:
                continue
            if i + 1 < n:
                # The next center's n-gram rows are scattered over the buckets: fetching
                # them while this window trains hides most of their memory latency.
                prefetch_word_rows(W_in, subwords, sentence[i + 1])
            hidden[:] = 0.0
            add_mean_of_rows(hidden, W_in, sub_rows, first, last)
            if batched:
                grad[:] = 0.0
                loss += window_minibatch_step(
                    hidden, grad, sentence, lo, hi, i, W_out, output.accept, output.alias,
                    negative, alpha, state, compute_loss, window_rows, window_steps)
                add_to_rows(W_in, sub_rows, first, last, np.float32(1.0), grad)
                examples += hi - lo - 1
                continue
            # As in word2vec's skip-gram, the next pair's noise is drawn (and its rows and
            # target fetched) while a pair trains.
            last_pair = last_context_position(i, hi)
            for j in range(lo, hi):
                if j == i:
                    continue
                grad[:] = 0.0
                if hierarchical:
                    loss += hierarchical_softmax_update(
                        hidden, grad, sentence[j], W_out, hot, hot_first, output.codes,
                        output.points, output.lengths, alpha, compute_loss, scores)
                else:
                    following = negative - current
                    if j != last_pair or i + 1 < n:
                        draw_window_noise(state, output.accept, output.alias, W_out,
                                          negative, noise, following)
                        if j + 1 < n and j + 1 != i:
                            prefetch_row(W_out, sentence[j + 1])
                    loss += predict_against_noise(hidden, grad, sentence[j], W_out, noise,
                                                  current, negative, alpha, compute_loss,
                                                  scores)
                    current = following
                add_to_rows(W_in, sub_rows, first, last, np.float32(1.0), grad)
                shift = subwords.mean_shift[center]
                for k in range(dim):
                    hidden[k] += shift * grad[k]
                examples += 1
    merge_hot_rows(W_out, hot, snapshot, hot_first)
    return loss, examples


@numba.njit(cache=CACHE, nogil=True)
def cbow_block(W_in, subwords, corpus, output, context, schedule, block):
    """Train fastText CBOW on the sentences of one block; return (loss, examples).

    All input rows of all context tokens predict the center: with ``cbow_mean`` their
    mean, whose gradient goes, whole, to each of those rows (fastText); otherwise their
    sum, whose gradient is shared out over the rows (gensim's ``cbow_mean=0``).
    """
    W_out, hierarchical, negative = output.weights, output.hierarchical, output.negative
    compute_loss, cbow_mean = schedule.compute_loss, context.cbow_mean
    sub_offsets, sub_rows = subwords.offsets, subwords.rows
    state, grad, hidden, sentence, rows, scores = block_scratch(
        schedule.seeds[block], W_in.shape[1], negative, output.codes)
    hot, snapshot, hot_first = hot_rows(W_out, hierarchical)
    tokens_before = corpus.block_token_starts[block]
    loss = 0.0
    examples = 0
    for s in range(corpus.block_bounds[block], corpus.block_bounds[block + 1]):
        start, stop = corpus.sentence_offsets[s], corpus.sentence_offsets[s + 1]
        alpha = block_rate(schedule, corpus, tokens_before)
        tokens_before += stop - start
        n = subsample(corpus.ids, start, stop, corpus.keep_prob, state, sentence)
        for i in range(n):
            center = sentence[i]
            span = window_span(context, state)
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
            scale = np.float32(1.0 / n_rows)
            if cbow_mean:
                hidden *= scale
            grad[:] = 0.0
            if hierarchical:
                loss += hierarchical_softmax_update(
                    hidden, grad, center, W_out, hot, hot_first, output.codes, output.points,
                    output.lengths, alpha, compute_loss, scores)
            else:
                loss += negative_sampling_update(
                    hidden, grad, center, W_out, output.accept, output.alias, negative, alpha,
                    state, compute_loss, rows, scores)
            share = np.float32(1.0) if cbow_mean else scale
            for j in range(lo, hi):
                if j != i:
                    word = sentence[j]
                    add_to_rows(W_in, sub_rows, sub_offsets[word], sub_offsets[word + 1], share,
                                grad)
            examples += 1
    merge_hot_rows(W_out, hot, snapshot, hot_first)
    return loss, examples


@numba.njit(parallel=True, nogil=True, cache=CACHE)
def fasttext_epoch(W_in, subwords, corpus, output, context, schedule, stats, skipgram,
                   first_block, end_block, n_workers):
    """Train fastText on blocks ``first_block`` to ``end_block - 1`` of one epoch.

    Workers share blocks as the word2vec kernels do (see
    ``skembed._kernels._word2vec.skipgram_epoch``).
    """
    # The result arrays are taken out of the bundle before the parallel loop: numba's
    # parfor lowering loses stores into arrays read from a tuple inside the loop body.
    block_loss, block_examples = stats.loss, stats.examples
    for worker in numba.prange(n_workers):
        for block in range(first_block + worker, end_block, n_workers):
            if skipgram:
                block_loss[block], block_examples[block] = skipgram_block(
                    W_in, subwords, corpus, output, context, schedule, block)
            else:
                block_loss[block], block_examples[block] = cbow_block(
                    W_in, subwords, corpus, output, context, schedule, block)

