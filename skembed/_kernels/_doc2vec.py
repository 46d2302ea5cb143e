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
from ._common import (
    MAX_EXP,
    add_scaled_row,
    add_scaled_to_row,
    dot_row,
    sample_alias,
    sigmoid,
    uniform,
)
from ._word2vec import (
    MAX_SENTENCE_LENGTH,
    block_rate,
    block_scratch,
    hierarchical_softmax_update,
    hot_rows,
    learning_rate,
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


@numba.njit(cache=CACHE)
def dm_input(hidden, document, W_in, sentence, i, lo, hi, cbow_mean):
    """Set ``hidden`` to PV-DM's input at position ``i``; return each input's gradient share.

    The document's vector and the context words ``sentence[lo:hi]`` but ``i``: their mean
    (each input then gets the whole gradient) or their sum (each gets ``1 / count`` of it).
    The document vector counts as one input, as in gensim.
    """
    hidden[:] = document
    for j in range(lo, hi):
        if j != i:
            add_scaled_row(hidden, np.float32(1.0), W_in, sentence[j])
    scale = np.float32(1.0 / (hi - lo))
    if cbow_mean:
        hidden *= scale
        return np.float32(1.0)
    return scale


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
            share = dm_input(hidden, D[doc], W_in, sentence, i, lo, hi, context.cbow_mean)
            grad[:] = 0.0
            loss += _predict(hidden, grad, sentence[i], output, hot, hot_first, alpha, state,
                             compute_loss, rows, scores)
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


# ------------------------------------------------------------------------------ inference
# A new document's vector is trained against frozen word vectors and a frozen output
# layer: the gradients below read the output rows and never write them, so documents are
# independent and can be inferred in parallel, each from its own random state.


@numba.njit(cache=CACHE)
def frozen_negative_sampling(h, grad, target, output, alpha, state, rows):
    """Add to ``grad`` the step that makes ``h`` predict ``target`` (output frozen).

    The same draws, saturation rule and loss as ``negative_sampling_update``; as nothing
    moves, a noise token drawn twice simply counts twice.
    """
    W_out = output.weights
    rows[0] = target
    for draw in range(1, output.negative + 1):
        rows[draw] = sample_alias(state, output.accept, output.alias)
    for draw in range(output.negative + 1):
        row = rows[draw]
        if draw > 0 and row == target:
            continue
        score = dot_row(h, W_out, row)
        if score <= -MAX_EXP or score >= MAX_EXP:
            continue
        label = np.float32(1.0) if draw == 0 else np.float32(0.0)
        add_scaled_row(grad, np.float32((label - sigmoid(score)) * alpha), W_out, row)


@numba.njit(cache=CACHE)
def frozen_hierarchical_softmax(h, grad, target, output, alpha):
    """Add to ``grad`` the step that makes ``h`` follow ``target``'s path (output frozen)."""
    W_out = output.weights
    for depth in range(output.lengths[target]):
        node = output.points[target, depth]
        score = dot_row(h, W_out, node)
        if score <= -MAX_EXP or score >= MAX_EXP:
            continue
        g = np.float32((np.float32(1.0) - output.codes[target, depth] - sigmoid(score)) * alpha)
        add_scaled_row(grad, g, W_out, node)


@numba.njit(cache=CACHE)
def document_state(ids, start, stop, seed):
    """Return a non-zero random state from a document's token ids and a seed.

    FNV-1a over the ids and the length, mixed with ``seed`` by splitmix64: the same
    document always gets the same state, whatever else is inferred with it.
    """
    h = np.uint64(14695981039346656037)
    for i in range(start, stop):
        h = (h ^ np.uint64(np.int64(ids[i]) & 0xFFFFFFFF)) * np.uint64(1099511628211)
    h = (h ^ np.uint64(stop - start)) * np.uint64(1099511628211)
    z = h ^ np.uint64(seed)
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return z if z != 0 else np.uint64(1)


@numba.njit(cache=CACHE)
def infer_document(W_in, output, context, keep_prob, ids, start, stop, inference, vector):
    """Train ``vector`` (a new document's row, set here) on ``ids[start:stop]``.

    ``inference`` holds the rate schedule (``alpha`` down to ``min_alpha`` linearly over
    all epochs' tokens), the epochs, the seed and the mode (``dm``). The word vectors and
    the output layer are read, never written.
    """
    dim = W_in.shape[1]
    state = np.empty(1, dtype=np.uint64)
    state[0] = document_state(ids, start, stop, inference.seed)
    for k in range(dim):  # as gensim starts inferred vectors: uniform in [-0.5/d, 0.5/d)
        vector[k] = np.float32((uniform(state) - 0.5) / dim)
    grad = np.empty(dim, dtype=np.float32)
    hidden = np.empty(dim, dtype=np.float32)
    rows = np.empty(output.negative + 1, dtype=np.int64)
    sentence = np.empty(min(stop - start, MAX_SENTENCE_LENGTH), dtype=np.int32)
    length = stop - start
    for epoch in range(inference.epochs):
        for piece in range(start, stop, MAX_SENTENCE_LENGTH):
            end = min(piece + MAX_SENTENCE_LENGTH, stop)
            alpha = learning_rate(inference.alpha, inference.min_alpha, epoch,
                                  inference.epochs, piece - start, length)
            n = subsample(ids, piece, end, keep_prob, state, sentence)
            for i in range(n):
                if inference.dm:
                    span = window_span(context, state)
                    lo, hi = max(0, i - span), min(n, i + span + 1)
                    share = dm_input(hidden, vector, W_in, sentence, i, lo, hi,
                                     context.cbow_mean)
                else:
                    hidden[:] = vector
                    share = np.float32(1.0)
                grad[:] = 0.0
                if output.hierarchical:
                    frozen_hierarchical_softmax(hidden, grad, sentence[i], output, alpha)
                else:
                    frozen_negative_sampling(hidden, grad, sentence[i], output, alpha, state,
                                             rows)
                for k in range(dim):
                    vector[k] += share * grad[k]


@numba.njit(parallel=True, nogil=True, cache=CACHE)
def infer_documents(W_in, output, context, keep_prob, ids, offsets, inference, out,
                    first_document, end_document):
    """Infer the rows ``out[d]`` of documents ``first_document`` to ``end_document - 1``.

    Documents are independent (nothing shared is written), so the rows do not depend on
    the number of threads, the order or the batching of the documents.
    """
    for d in numba.prange(first_document, end_document):
        if offsets[d + 1] > offsets[d]:
            infer_document(W_in, output, context, keep_prob, ids, offsets[d],
                           offsets[d + 1], inference, out[d])
