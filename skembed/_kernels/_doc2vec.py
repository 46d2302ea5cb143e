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
    prefetch_row,
    sigmoid,
    uniform,
)
from ._word2vec import (
    MAX_SENTENCE_LENGTH,
    block_rate,
    block_scratch,
    draw_window_noise,
    hierarchical_softmax_update,
    hot_rows,
    learning_rate,
    merge_hot_rows,
    negative_sampling_update,
    shared_negatives_update,
    subsample,
    window_span,
)


@numba.njit(cache=CACHE, nogil=True)
def dbow_block(W_in, documents, corpus, output, context, schedule, block):
    """Train PV-DBOW on the sentences of one block; return (loss, examples)."""
    # The bundles' fields are read once, into locals: the hot loop below ran ~15 % slower
    # reading them from the named tuples (the word2vec kernels take plain arguments).
    D, sentence_documents = documents.weights, documents.sentence_documents
    train_words, learn_words = documents.train_words, documents.learn_words
    W_out, hierarchical, negative = output.weights, output.hierarchical, output.negative
    accept, alias = output.accept, output.alias
    codes, points, lengths = output.codes, output.points, output.lengths
    ids, offsets, keep_prob = corpus.ids, corpus.sentence_offsets, corpus.keep_prob
    window = context.window
    compute_loss = schedule.compute_loss
    state, grad, hidden, sentence, rows, scores = block_scratch(
        schedule.seeds[block], W_in.shape[1], negative, codes)
    hot, snapshot, hot_first = hot_rows(W_out, hierarchical)
    # batch_windows: the word pairs of each window as one HogBatch step (word2vec's).
    batched = train_words and context.batch_windows and not hierarchical
    gains = np.empty((2 * window if batched else 0, negative + 1), dtype=np.float32)
    output_grad = np.empty((negative + 1 if batched else 0, W_in.shape[1]), dtype=np.float32)
    noise = np.empty(2 * negative if batched else 0, dtype=np.int64)
    tokens_before = corpus.block_token_starts[block]
    loss = 0.0
    examples = 0
    for s in range(corpus.block_bounds[block], corpus.block_bounds[block + 1]):
        start, stop = offsets[s], offsets[s + 1]
        alpha = block_rate(schedule, corpus, tokens_before)
        tokens_before += stop - start
        n = subsample(ids, start, stop, keep_prob, state, sentence)
        doc = sentence_documents[s]
        current = 0
        if batched and n > 0:
            draw_window_noise(state, accept, alias, W_out, negative, noise, current)
        for i in range(n):
            target = sentence[i]
            if batched:
                span = window_span(context, state)
                lo, hi = max(0, i - span), min(n, i + span + 1)
                following = negative - current
                if i + 1 < n:
                    draw_window_noise(state, accept, alias, W_out, negative, noise, following)
                if hi - lo > 1:
                    loss += shared_negatives_update(
                        W_in, sentence, lo, hi, i, W_out, noise, current, negative, alpha,
                        compute_loss, gains, output_grad, grad, learn_words)
                    examples += hi - lo - 1
                current = following
            elif train_words:
                span = window_span(context, state)
                for j in range(max(0, i - span), min(n, i + span + 1)):
                    if j == i:
                        continue
                    word = sentence[j]
                    grad[:] = 0.0
                    if hierarchical:
                        loss += hierarchical_softmax_update(
                            W_in[word], grad, target, W_out, hot, hot_first, codes, points,
                            lengths, alpha, compute_loss, scores)
                    else:
                        loss += negative_sampling_update(
                            W_in[word], grad, target, W_out, accept, alias, negative, alpha,
                            state, compute_loss, rows, scores)
                    if learn_words:
                        add_scaled_to_row(W_in, word, np.float32(1.0), grad)
                    examples += 1
            grad[:] = 0.0
            if hierarchical:
                loss += hierarchical_softmax_update(
                    D[doc], grad, target, W_out, hot, hot_first, codes, points, lengths,
                    alpha, compute_loss, scores)
            else:
                loss += negative_sampling_update(
                    D[doc], grad, target, W_out, accept, alias, negative, alpha, state,
                    compute_loss, rows, scores)
            add_scaled_to_row(D, doc, np.float32(1.0), grad)
            examples += 1
    merge_hot_rows(W_out, hot, snapshot, hot_first)
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
    D, sentence_documents = documents.weights, documents.sentence_documents
    learn_words = documents.learn_words
    W_out, hierarchical, negative = output.weights, output.hierarchical, output.negative
    accept, alias = output.accept, output.alias
    codes, points, lengths = output.codes, output.points, output.lengths
    ids, offsets, keep_prob = corpus.ids, corpus.sentence_offsets, corpus.keep_prob
    cbow_mean = context.cbow_mean
    compute_loss = schedule.compute_loss
    state, grad, hidden, sentence, rows, scores = block_scratch(
        schedule.seeds[block], W_in.shape[1], negative, codes)
    hot, snapshot, hot_first = hot_rows(W_out, hierarchical)
    tokens_before = corpus.block_token_starts[block]
    loss = 0.0
    examples = 0
    for s in range(corpus.block_bounds[block], corpus.block_bounds[block + 1]):
        start, stop = offsets[s], offsets[s + 1]
        alpha = block_rate(schedule, corpus, tokens_before)
        tokens_before += stop - start
        n = subsample(ids, start, stop, keep_prob, state, sentence)
        doc = sentence_documents[s]
        for i in range(n):
            span = window_span(context, state)
            lo, hi = max(0, i - span), min(n, i + span + 1)
            share = dm_input(hidden, D[doc], W_in, sentence, i, lo, hi, cbow_mean)
            grad[:] = 0.0
            if hierarchical:
                loss += hierarchical_softmax_update(
                    hidden, grad, sentence[i], W_out, hot, hot_first, codes, points, lengths,
                    alpha, compute_loss, scores)
            else:
                loss += negative_sampling_update(
                    hidden, grad, sentence[i], W_out, accept, alias, negative, alpha, state,
                    compute_loss, rows, scores)
            add_scaled_to_row(D, doc, share, grad)
            if learn_words:
                for j in range(lo, hi):
                    if j != i:
                        add_scaled_to_row(W_in, sentence[j], share, grad)
            examples += 1
    merge_hot_rows(W_out, hot, snapshot, hot_first)
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
# layer: the steps below read the output rows and never write them, so documents are
# independent and can be inferred in parallel, each from its own random state.
#
# Inference is bound by fetching output rows, so the noise tokens of the next position are
# drawn, and their rows prefetched, before the current position is computed; and PV-DM's
# context sums come from prefix sums of the (frozen) word rows instead of a row each.


@numba.njit(cache=CACHE, inline="always")
def frozen_negative_step(h, vector, share, target, output, alpha, noise, first, scores):
    """Add ``share`` times the step that makes ``h`` predict ``target`` to ``vector``.

    The noise tokens are ``noise[first:first + negative]``; the output layer is frozen, so
    a token drawn twice simply counts twice. Every score is computed before ``vector``
    moves (``h`` may be ``vector`` itself). Saturated scores and a noise token equal to the
    target are skipped, as in training. Inlined: a call per prediction costs a fifth of
    the time.
    """
    W_out = output.weights
    negative = output.negative
    scores[0] = dot_row(h, W_out, target)
    for draw in range(negative):
        scores[draw + 1] = dot_row(h, W_out, noise[first + draw])
    for draw in range(negative + 1):
        row = target if draw == 0 else noise[first + draw - 1]
        if draw > 0 and row == target:
            continue
        score = scores[draw]
        if score <= -MAX_EXP or score >= MAX_EXP:
            continue
        label = np.float32(1.0) if draw == 0 else np.float32(0.0)
        add_scaled_row(vector, np.float32(share * (label - sigmoid(score)) * alpha), W_out,
                       row)


@numba.njit(cache=CACHE, inline="always")
def frozen_hierarchical_step(h, vector, share, target, output, alpha, scores):
    """Add ``share`` times the step that makes ``h`` follow ``target``'s path to ``vector``.

    The path's nodes are distinct; every score is computed before ``vector`` moves.
    """
    W_out = output.weights
    length = output.lengths[target]
    for depth in range(length):
        scores[depth] = dot_row(h, W_out, output.points[target, depth])
    for depth in range(length):
        score = scores[depth]
        if score <= -MAX_EXP or score >= MAX_EXP:
            continue
        g = (np.float32(1.0) - output.codes[target, depth] - sigmoid(score)) * alpha
        add_scaled_row(vector, np.float32(share * g), W_out, output.points[target, depth])


@numba.njit(cache=CACHE)
def context_prefix(W_in, sentence, n, prefix):
    """Set ``prefix[j]`` to the sum of the word rows of ``sentence[:j]``, for j <= n.

    float64, so a window's sum as a difference of two prefixes keeps float32 accuracy
    in documents of thousands of words.
    """
    prefix[0, :] = 0.0
    for j in range(n):
        word = sentence[j]
        for k in range(W_in.shape[1]):
            prefix[j + 1, k] = prefix[j, k] + W_in[word, k]


@numba.njit(cache=CACHE)
def dm_prefixed_input(hidden, vector, W_in, prefix, sentence, i, lo, hi, cbow_mean):
    """``dm_input`` from prefix sums: the words of ``sentence[lo:hi]`` but ``i``, and ``vector``."""
    word = sentence[i]
    scale = 1.0 / (hi - lo)
    for k in range(hidden.shape[0]):
        total = prefix[hi, k] - prefix[lo, k] - W_in[word, k] + vector[k]
        hidden[k] = np.float32(total * scale) if cbow_mean else np.float32(total)
    return np.float32(1.0) if cbow_mean else np.float32(scale)


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
    the output layer are read, never written. Random draws, in order: the start vector,
    then in each piece of each epoch the sub-sampling, the first position's noise tokens,
    and at every position its window (PV-DM) and the next position's noise tokens.
    """
    dim = W_in.shape[1]
    W_out = output.weights
    negative = output.negative
    state = np.empty(1, dtype=np.uint64)
    state[0] = document_state(ids, start, stop, inference.seed)
    for k in range(dim):  # as gensim starts inferred vectors: uniform in [-0.5/d, 0.5/d)
        vector[k] = np.float32((uniform(state) - 0.5) / dim)
    longest = min(stop - start, MAX_SENTENCE_LENGTH)
    hidden = np.empty(dim, dtype=np.float32)
    noise = np.empty(2 * negative, dtype=np.int64)  # this position's and the next one's
    scores = np.empty(max(negative + 1, output.codes.shape[1]), dtype=np.float32)
    sentence = np.empty(longest, dtype=np.int32)
    prefix = np.empty((longest + 1 if inference.dm else 1, dim), dtype=np.float64)
    length = stop - start
    for epoch in range(inference.epochs):
        for piece in range(start, stop, MAX_SENTENCE_LENGTH):
            end = min(piece + MAX_SENTENCE_LENGTH, stop)
            alpha = learning_rate(inference.alpha, inference.min_alpha, epoch,
                                  inference.epochs, piece - start, length)
            n = subsample(ids, piece, end, keep_prob, state, sentence)
            if n == 0:
                continue
            if inference.dm:
                context_prefix(W_in, sentence, n, prefix)
            if not output.hierarchical:
                draw_window_noise(state, output.accept, output.alias, W_out, negative, noise,
                                  0)
                prefetch_row(W_out, sentence[0])
            current = 0
            for i in range(n):
                h = vector
                share = np.float32(1.0)
                if inference.dm:
                    span = window_span(context, state)
                    share = dm_prefixed_input(hidden, vector, W_in, prefix, sentence, i,
                                              max(0, i - span), min(n, i + span + 1),
                                              context.cbow_mean)
                    h = hidden
                if output.hierarchical:
                    frozen_hierarchical_step(h, vector, share, sentence[i], output, alpha,
                                             scores)
                    continue
                following = negative - current
                if i + 1 < n:
                    draw_window_noise(state, output.accept, output.alias, W_out, negative,
                                      noise, following)
                    prefetch_row(W_out, sentence[i + 1])
                frozen_negative_step(h, vector, share, sentence[i], output, alpha, noise,
                                     current, scores)
                current = following


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
