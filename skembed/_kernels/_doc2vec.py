"""Doc2Vec training kernels: paragraph vectors, PV-DBOW and PV-DM, as gensim trains them.

PV-DBOW: each document's vector predicts every kept word of the document through the
output layer the words share; with ``train_words`` the skip-gram word pairs of each
position are trained first (each context word's input predicts the word), then the
document's prediction of it. PV-DM: the document's vector and the vectors of the context
words, averaged (``cbow_mean``) or summed, predict the center word; the gradient goes,
whole (mean) or shared out (sum), to the document row and to every context row. A word
with no context word is still predicted by the document vector alone.

Sub-sampling, windows, the learning-rate schedule, the output layers and the work
sharing are those of the word2vec kernels (``skembed._kernels._word2vec``): workers
stride over blocks of sentences and update the shared rows without locks; one worker
replays the corpus order, bit for bit.
"""

import numba
import numpy as np

from . import CACHE
from ._common import add_scaled_row, add_scaled_to_row
from ._word2vec import (
    block_rate,
    block_scratch,
    hierarchical_softmax_update,
    hot_rows,
    merge_hot_rows,
    negative_sampling_update,
    subsample,
    window_span,
)


@numba.njit(cache=CACHE)
def _predict(h, grad, target, output, hot, hot_first, alpha, state, compute_loss, rows,
             scores):
    """Train ``h`` to predict ``target`` with the output layer's objective; return the loss."""
    if output.hierarchical:
        return hierarchical_softmax_update(
            h, grad, target, output.weights, hot, hot_first, output.codes, output.points,
            output.lengths, alpha, compute_loss, scores)
    return negative_sampling_update(
        h, grad, target, output.weights, output.accept, output.alias, output.negative, alpha,
        state, compute_loss, rows, scores)


@numba.njit(cache=CACHE, nogil=True)
def dbow_block(W_in, documents, corpus, output, context, schedule, block):
    """Train PV-DBOW on the sentences of one block; return (loss, examples)."""
    D = documents.weights
    state, grad, hidden, sentence, rows, scores = block_scratch(
        schedule.seeds[block], W_in.shape[1], output.negative, output.codes)
    hot, snapshot, hot_first = hot_rows(output.weights, output.hierarchical)
    compute_loss = schedule.compute_loss
    tokens_before = corpus.block_token_starts[block]
    loss = 0.0
    examples = 0
    for s in range(corpus.block_bounds[block], corpus.block_bounds[block + 1]):
        start, stop = corpus.sentence_offsets[s], corpus.sentence_offsets[s + 1]
        alpha = block_rate(schedule, corpus, tokens_before)
        tokens_before += stop - start
        n = subsample(corpus.ids, start, stop, corpus.keep_prob, state, sentence)
        doc = documents.sentence_documents[s]
        for i in range(n):
            target = sentence[i]
            if documents.train_words:
                span = window_span(context, state)
                for j in range(max(0, i - span), min(n, i + span + 1)):
                    if j == i:
                        continue
                    word = sentence[j]
                    grad[:] = 0.0
                    loss += _predict(W_in[word], grad, target, output, hot, hot_first, alpha,
                                     state, compute_loss, rows, scores)
                    if documents.learn_words:
                        add_scaled_to_row(W_in, word, np.float32(1.0), grad)
                    examples += 1
            grad[:] = 0.0
            loss += _predict(D[doc], grad, target, output, hot, hot_first, alpha, state,
                             compute_loss, rows, scores)
            add_scaled_to_row(D, doc, np.float32(1.0), grad)
            examples += 1
    merge_hot_rows(output.weights, hot, snapshot, hot_first)
    return loss, examples


@numba.njit(cache=CACHE, nogil=True)
def dm_block(W_in, documents, corpus, output, context, schedule, block):
    """Train PV-DM on the sentences of one block; return (loss, examples)."""
    D = documents.weights
    state, grad, hidden, sentence, rows, scores = block_scratch(
        schedule.seeds[block], W_in.shape[1], output.negative, output.codes)
    hot, snapshot, hot_first = hot_rows(output.weights, output.hierarchical)
    compute_loss = schedule.compute_loss
    tokens_before = corpus.block_token_starts[block]
    loss = 0.0
    examples = 0
    for s in range(corpus.block_bounds[block], corpus.block_bounds[block + 1]):
        start, stop = corpus.sentence_offsets[s], corpus.sentence_offsets[s + 1]
        alpha = block_rate(schedule, corpus, tokens_before)
        tokens_before += stop - start
        n = subsample(corpus.ids, start, stop, corpus.keep_prob, state, sentence)
        doc = documents.sentence_documents[s]
        for i in range(n):
            span = window_span(context, state)
            lo, hi = max(0, i - span), min(n, i + span + 1)
            hidden[:] = D[doc]
            for j in range(lo, hi):
                if j != i:
                    add_scaled_row(hidden, np.float32(1.0), W_in, sentence[j])
            # The document vector counts as one more input, as in gensim.
            scale = np.float32(1.0 / (hi - lo))
            if context.cbow_mean:
                hidden *= scale
            grad[:] = 0.0
            loss += _predict(hidden, grad, sentence[i], output, hot, hot_first, alpha, state,
                             compute_loss, rows, scores)
            share = np.float32(1.0) if context.cbow_mean else scale
            add_scaled_to_row(D, doc, share, grad)
            if documents.learn_words:
                for j in range(lo, hi):
                    if j != i:
                        add_scaled_to_row(W_in, sentence[j], share, grad)
            examples += 1
    merge_hot_rows(output.weights, hot, snapshot, hot_first)
    return loss, examples


@numba.njit(parallel=True, nogil=True, cache=CACHE)
def doc2vec_epoch(W_in, documents, corpus, output, context, schedule, stats, dm,
                  first_block, end_block, n_workers):
    """Train PV-DM (``dm``) or PV-DBOW on blocks ``first_block`` to ``end_block - 1``.

    Blocks are shared among workers as in ``skembed._kernels._word2vec.skipgram_epoch``.
    """
    # The result arrays are taken out of the bundle before the parallel loop: numba's
    # parfor lowering loses stores into arrays read from a tuple inside the loop body.
    block_loss, block_examples = stats.loss, stats.examples
    for worker in numba.prange(n_workers):
        for block in range(first_block + worker, end_block, n_workers):
            if dm:
                block_loss[block], block_examples[block] = dm_block(
                    W_in, documents, corpus, output, context, schedule, block)
            else:
                block_loss[block], block_examples[block] = dbow_block(
                    W_in, documents, corpus, output, context, schedule, block)
