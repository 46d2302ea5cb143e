"""word2vec training kernels: one epoch of skip-gram or CBOW over the encoded corpus.

The corpus arrives as token ids (known tokens only) cut into sentences of at most
``MAX_SENTENCE_LENGTH`` tokens, and sentences grouped into work blocks. ``prange`` runs
one worker per thread; worker ``w`` takes blocks ``w, w + n_workers, ...``, so workers
stay near each other in the corpus, and they update the shared weights without locks
(Hogwild), as the word2vec C tool and gensim do. With one worker the blocks run in order
and a fit is bit-for-bit reproducible. Each block has its own random state, derived by
the Python driver; the blocks do not depend on the number of workers.

The output layer is either negative sampling (``W_out`` has one row per token) or
hierarchical softmax (``W_out`` has one row per inner node of the Huffman tree).
"""

import numba
import numpy as np

from . import CACHE
from ._common import (
    MAX_EXP,
    add_scaled_row,
    add_scaled_to_row,
    below,
    dot_row,
    logistic_loss,
    multiply_likelihood,
    output_row_step,
    prefetch_row,
    sample_alias,
    sigmoid,
    uniform,
)

MAX_SENTENCE_LENGTH = 10_000
# Hierarchical softmax: the inner nodes nearest the root are on almost every path. Each
# block trains a private copy of the top HOT_NODES of them and adds its change to the
# shared rows when the block ends, so threads do not fight over those cache lines on every
# prediction. With one thread this is the plain algorithm (up to float rounding).
HOT_NODES = 4096


@numba.njit(cache=CACHE)
def negative_sampling_update(h, grad, target, W_out, accept, alias, negative, alpha, state,
                             compute_loss, rows, scores):
    """Train ``h`` to predict ``target`` against ``negative`` noise tokens drawn now.

    Updates the output rows in place and accumulates the gradient for ``h`` into
    ``grad``. ``rows`` (``negative`` ids) and ``scores`` (``negative + 1``) are scratch
    space. Returns the loss, as ``predict_against_noise``.
    """
    prefetch_row(W_out, target)
    draw_window_noise(state, accept, alias, W_out, negative, rows, 0)
    return predict_against_noise(h, grad, target, W_out, rows, 0, negative, alpha,
                                 compute_loss, scores)


@numba.njit(cache=CACHE, inline="always")
def draw_window_noise(state, accept, alias, W_out, negative, noise, first):
    """Draw ``negative`` noise tokens into ``noise[first:]`` and prefetch their rows."""
    for draw in range(negative):
        row = sample_alias(state, accept, alias)
        noise[first + draw] = row
        prefetch_row(W_out, row)


@numba.njit(cache=CACHE)
def predict_against_noise(h, grad, target, W_out, noise, first, negative, alpha, compute_loss,
                          scores):
    """Train ``h`` to predict ``target`` against the noise ``noise[first:first + negative]``.

    Updates the output rows in place and accumulates the gradient for ``h`` into
    ``grad``; ``scores`` is scratch for ``negative + 1`` scores. A prediction whose score
    is saturated (``|u.h| >= MAX_EXP``) is left alone, as gensim does, and so is a noise
    token equal to the target. Returns the loss ``-log s(u.h) - sum log s(-u_k.h)`` (0 if
    not computed).
    """
    # Every score is computed before any update (independent dot products pipeline
    # well). A row drawn twice is scored again when its turn comes, so the result equals
    # the one-by-one algorithm exactly.
    scores[0] = dot_row(h, W_out, target)
    for draw in range(negative):
        scores[draw + 1] = dot_row(h, W_out, noise[first + draw])
    loss = 0.0
    likelihood = 1.0
    for draw in range(negative + 1):
        row = target if draw == 0 else noise[first + draw - 1]
        if draw > 0 and row == target:
            continue
        score = scores[draw]
        for earlier in range(draw - 1):
            if noise[first + earlier] == row:
                score = dot_row(h, W_out, row)
                break
        if score <= -MAX_EXP or score >= MAX_EXP:
            if compute_loss:
                loss += logistic_loss(score if draw == 0 else -score)
            continue
        p = sigmoid(score)
        if compute_loss:
            likelihood, loss = multiply_likelihood(
                likelihood, loss, p if draw == 0 else np.float32(1.0) - p)
        label = np.float32(1.0) if draw == 0 else np.float32(0.0)
        g = np.float32((label - p) * alpha)
        output_row_step(grad, g, W_out, row, h)
    return loss - np.log(likelihood) if compute_loss else loss


@numba.njit(cache=CACHE)
def shared_negatives_update(W_in, sentence, lo, hi, center, W_out, noise, first, negative,
                            alpha, compute_loss, gains, output_grad, grad, learn_inputs):
    """Train every context word of one window to predict its center against shared noise.

    The HogBatch step of Ji et al. (2016, "Parallelizing Word2Vec in Multi-Core and
    Many-Core Architectures"): the context words of ``sentence[lo:hi]`` (but ``center``)
    share the noise tokens ``noise[first:first + negative]``, drawn once for the window
    (each context word still meets ``negative`` of them, as one by one); the score of
    every (context word, output row) pair comes from the rows as they are, then each input
    row and each output row moves once, by the sum of its pairs' steps. Saturated pairs
    and noise equal to the center are skipped as one by one. The input rows stay as they
    are unless ``learn_inputs`` (False: frozen pretrained words in Doc2Vec). ``gains``
    (2 * window x negative + 1), ``output_grad`` (negative + 1 x dim) and ``grad`` (dim)
    are scratch. Returns the loss of the window's pairs.
    """
    target = sentence[center]
    output_grad[:negative + 1] = 0.0
    loss = 0.0
    likelihood = 1.0
    pair = 0
    for j in range(lo, hi):
        if j == center:
            continue
        word = sentence[j]
        for draw in range(negative + 1):
            row = target if draw == 0 else noise[first + draw - 1]
            g = np.float32(0.0)
            if draw == 0 or row != target:
                score = dot_row(W_in[word], W_out, row)
                if score <= -MAX_EXP or score >= MAX_EXP:
                    if compute_loss:
                        loss += logistic_loss(score if draw == 0 else -score)
                else:
                    p = sigmoid(score)
                    if compute_loss:
                        likelihood, loss = multiply_likelihood(
                            likelihood, loss, p if draw == 0 else np.float32(1.0) - p)
                    label = np.float32(1.0) if draw == 0 else np.float32(0.0)
                    g = np.float32((label - p) * alpha)
                    add_scaled_row(output_grad[draw], g, W_in, word)
            gains[pair, draw] = g
        pair += 1
    # The input rows move by steps from the output rows as they were (outputs move last).
    pair = 0
    for j in range(lo, hi):
        if j == center or not learn_inputs:
            continue
        grad[:] = 0.0
        for draw in range(negative + 1):
            if gains[pair, draw] != 0.0:
                row = target if draw == 0 else noise[first + draw - 1]
                add_scaled_row(grad, gains[pair, draw], W_out, row)
        add_scaled_to_row(W_in, sentence[j], np.float32(1.0), grad)
        pair += 1
    add_scaled_to_row(W_out, target, np.float32(1.0), output_grad[0])
    for draw in range(negative):
        add_scaled_to_row(W_out, noise[first + draw], np.float32(1.0), output_grad[draw + 1])
    return loss - np.log(likelihood) if compute_loss else loss


@numba.njit(cache=CACHE, inline="always")
def last_context_position(center, hi):
    """Return the last position of a window ending before ``hi`` that is not ``center``."""
    return hi - 1 if hi - 1 != center else hi - 2


@numba.njit(cache=CACHE)
def window_minibatch_step(hidden, grad, sentence, lo, hi, center, W_out, accept, alias,
                          negative, alpha, state, compute_loss, rows, steps):
    """One input predicts every context token of a window, as one minibatch step.

    fastText's skip-gram orientation: ``hidden`` (the center's input) predicts each token
    of ``sentence[lo:hi]`` but ``center``, each against ``negative`` noise tokens of its
    own (a noise token equal to its pair's target is skipped). Every score comes from
    ``hidden`` and the output rows as they are; the output rows move right after, and the
    gradient for ``hidden`` is summed into ``grad``, for the caller to apply once a window
    instead of once a pair. ``rows`` and ``steps`` hold ``2 * window * (negative + 1)``
    entries. Returns the loss of the window's pairs.
    """
    n_targets = 0
    for j in range(lo, hi):
        if j != center:
            rows[n_targets] = sentence[j]
            prefetch_row(W_out, sentence[j])
            n_targets += 1
    n_rows = n_targets * (negative + 1)
    for r in range(n_targets, n_rows):  # pair t's noise: rows[n_targets + t * negative:]
        rows[r] = sample_alias(state, accept, alias)
        prefetch_row(W_out, rows[r])
    for r in range(n_rows):
        steps[r] = dot_row(hidden, W_out, rows[r])
    loss = 0.0
    likelihood = 1.0
    for r in range(n_rows):
        row = rows[r]
        positive = r < n_targets
        if not positive and row == rows[(r - n_targets) // negative]:
            steps[r] = 0.0
            continue
        score = steps[r]
        steps[r] = 0.0
        if score <= -MAX_EXP or score >= MAX_EXP:
            if compute_loss:
                loss += logistic_loss(score if positive else -score)
            continue
        p = sigmoid(score)
        if compute_loss:
            likelihood, loss = multiply_likelihood(
                likelihood, loss, p if positive else np.float32(1.0) - p)
        label = np.float32(1.0) if positive else np.float32(0.0)
        steps[r] = np.float32((label - p) * alpha)
        add_scaled_row(grad, steps[r], W_out, row)
    for r in range(n_rows):
        if steps[r] != 0.0:
            add_scaled_to_row(W_out, rows[r], steps[r], hidden)
    return loss - np.log(likelihood) if compute_loss else loss


@numba.njit(cache=CACHE)
def hierarchical_softmax_update(h, grad, target, W_out, hot, hot_first, codes, points,
                                lengths, alpha, compute_loss, scores):
    """Train ``h`` to follow the Huffman path of ``target``, one binary decision a node.

    Saturated decisions (``|u.h| >= MAX_EXP``) are left alone, as in the word2vec C tool
    and gensim. Returns the loss: the sum over the path of ``-log`` of the probability of
    the branch taken (0 if not computed).
    """
    # The path's nodes are distinct and h does not change during the path, so every
    # score can be computed before any update: independent dot products pipeline well.
    length = lengths[target]
    for depth in range(length):
        node = points[target, depth]
        if node >= hot_first:
            scores[depth] = dot_row(h, hot, node - hot_first)
        else:
            scores[depth] = dot_row(h, W_out, node)
    loss = 0.0
    likelihood = 1.0
    for depth in range(length):
        node = points[target, depth]
        code = codes[target, depth]
        score = scores[depth]
        if score <= -MAX_EXP or score >= MAX_EXP:
            if compute_loss:
                loss += logistic_loss(-score if code else score)
            continue
        p = sigmoid(score)
        if compute_loss:
            likelihood, loss = multiply_likelihood(
                likelihood, loss, np.float32(1.0) - p if code else p)
        g = np.float32((np.float32(1.0) - code - p) * alpha)
        if node >= hot_first:
            output_row_step(grad, g, hot, node - hot_first, h)
        else:
            output_row_step(grad, g, W_out, node, h)
    return loss - np.log(likelihood) if compute_loss else loss


@numba.njit(cache=CACHE)
def hot_rows(W_out, hierarchical):
    """Private copies of the rows nearest the Huffman root: (rows, snapshot, first row)."""
    first = max(0, W_out.shape[0] - HOT_NODES) if hierarchical else W_out.shape[0]
    hot = W_out[first:].copy()
    return hot, hot.copy(), first


@numba.njit(cache=CACHE)
def merge_hot_rows(W_out, hot, snapshot, first):
    """Add what a block changed in its private rows to the shared rows."""
    for r in range(hot.shape[0]):
        for k in range(hot.shape[1]):
            W_out[first + r, k] += hot[r, k] - snapshot[r, k]


@numba.njit(cache=CACHE)
def subsample(ids, start, stop, keep_prob, state, out):
    """Copy ids[start:stop] into out, dropping each token with 1 - keep_prob[token]."""
    n = 0
    for i in range(start, stop):
        token = ids[i]
        keep = keep_prob[token]
        if keep < 1.0 and keep < uniform(state):
            continue
        out[n] = token
        n += 1
    return n


# The blocks below spell out "hierarchical softmax or negative sampling" at each call:
# routing it through one more compiled function cost ~5 % of a skip-gram epoch.


@numba.njit(cache=CACHE)
def block_scratch(seed, dim, negative, codes):
    """Per-block work arrays: (random state, gradient, hidden vector, sentence, rows, scores)."""
    state = np.empty(1, dtype=np.uint64)
    state[0] = seed
    return (state, np.empty(dim, dtype=np.float32), np.empty(dim, dtype=np.float32),
            np.empty(MAX_SENTENCE_LENGTH, dtype=np.int32),
            np.empty(negative + 1, dtype=np.int64),
            np.empty(max(codes.shape[1], negative + 1), dtype=np.float32))


@numba.njit(cache=CACHE)
def learning_rate(alpha_start, alpha_end, epoch, epochs, tokens_before, total_tokens):
    """Linear decay from alpha_start to alpha_end over all epochs' tokens."""
    progress = (epoch * total_tokens + tokens_before) / max(epochs * total_tokens, 1)
    return max(alpha_end, alpha_start - (alpha_start - alpha_end) * progress)


@numba.njit(cache=CACHE)
def block_rate(schedule, corpus, tokens_before):
    """Return the learning rate of a sentence ``tokens_before`` tokens into the corpus."""
    return learning_rate(schedule.alpha_start, schedule.alpha_end, schedule.epoch,
                         schedule.epochs, tokens_before, corpus.n_tokens)


@numba.njit(cache=CACHE)
def window_span(context, state):
    """Return the context reach of one center: ``window``, or drawn from 1 to it."""
    if context.shrink:
        return context.window - below(state, context.window)
    return context.window


@numba.njit(cache=CACHE, nogil=True)
def skipgram_block(W_in, W_out, ids, sentence_offsets, first_sentence, end_sentence,
                   tokens_before, total_tokens, keep_prob, accept, alias, codes, points,
                   lengths, hierarchical, window, negative, shrink_windows, batch_windows,
                   alpha_start, alpha_end, epoch, epochs, seed, compute_loss):
    """Train skip-gram on sentences [first_sentence, end_sentence); return (loss, examples).

    As in the C tool and gensim, each context token's input vector predicts the center;
    with ``batch_windows`` (negative sampling only) a center's context tokens share
    one noise draw and train as one minibatch (``shared_negatives_update``). With negative
    sampling the noise of the next pair (or window) is drawn, and its rows fetched, while
    the current one trains.
    """
    state, grad, hidden, sentence, rows, scores = block_scratch(
        seed, W_in.shape[1], negative, codes)
    hot, snapshot, hot_first = hot_rows(W_out, hierarchical)
    batched = batch_windows and not hierarchical
    gains = np.empty((2 * window if batched else 0, negative + 1), dtype=np.float32)
    output_grad = np.empty((negative + 1 if batched else 0, W_in.shape[1]), dtype=np.float32)
    # Noise of this window (batched) or pair, and of the next.
    noise = np.empty(0 if hierarchical else 2 * negative, dtype=np.int64)
    loss = 0.0
    examples = 0
    for s in range(first_sentence, end_sentence):
        start, stop = sentence_offsets[s], sentence_offsets[s + 1]
        alpha = learning_rate(alpha_start, alpha_end, epoch, epochs, tokens_before,
                              total_tokens)
        tokens_before += stop - start
        n = subsample(ids, start, stop, keep_prob, state, sentence)
        current = 0
        if (batched and n > 0) or (not hierarchical and n > 1):
            draw_window_noise(state, accept, alias, W_out, negative, noise, current)
        for i in range(n):
            center = sentence[i]
            span = window - below(state, window) if shrink_windows else window
            lo, hi = max(0, i - span), min(n, i + span + 1)
            if batched:
                # The next window's noise is drawn, and its rows fetched, ahead of time.
                # (Doc2Vec's dbow_block does the same: a shared wrapper for these lines
                # made this loop 3-4 % slower.)
                following = negative - current
                if i + 1 < n:
                    draw_window_noise(state, accept, alias, W_out, negative, noise, following)
                    prefetch_row(W_out, sentence[i + 1])
                if hi - lo > 1:
                    loss += shared_negatives_update(
                        W_in, sentence, lo, hi, i, W_out, noise, current, negative, alpha,
                        compute_loss, gains, output_grad, grad, True)
                    examples += hi - lo - 1
                current = following
                continue
            # Pair by pair, the next pair's noise is drawn (and its rows fetched) while a
            # pair trains; with two tokens or more every window has a pair.
            last = last_context_position(i, hi)
            for j in range(lo, hi):
                if j == i:
                    continue
                context = sentence[j]
                h = W_in[context]
                grad[:] = 0.0
                if hierarchical:
                    loss += hierarchical_softmax_update(
                        h, grad, center, W_out, hot, hot_first, codes, points, lengths, alpha,
                        compute_loss, scores)
                else:
                    following = negative - current
                    if j != last or i + 1 < n:
                        draw_window_noise(state, accept, alias, W_out, negative, noise,
                                          following)
                        if j == last:  # the next pair predicts the next center
                            prefetch_row(W_out, sentence[i + 1])
                    loss += predict_against_noise(h, grad, center, W_out, noise, current,
                                                  negative, alpha, compute_loss, scores)
                    current = following
                add_scaled_to_row(W_in, context, np.float32(1.0), grad)
                examples += 1
    merge_hot_rows(W_out, hot, snapshot, hot_first)
    return loss, examples


@numba.njit(cache=CACHE, nogil=True)
def cbow_block(W_in, W_out, ids, sentence_offsets, first_sentence, end_sentence,
               tokens_before, total_tokens, keep_prob, accept, alias, codes, points, lengths,
               hierarchical, window, negative, shrink_windows, cbow_mean, alpha_start,
               alpha_end, epoch, epochs, seed, compute_loss):
    """Train CBOW on sentences [first_sentence, end_sentence); return (loss, examples).

    The mean (or sum) of the context vectors predicts the center; the gradient of the
    mean goes, whole, to every context token, and that of the sum is shared out over them,
    as in gensim. With negative sampling each center's noise is drawn (and its rows and
    the center's output row fetched) while the center before it trains: the order of the
    random draws is a sentence's first noise, then per center its window and the next
    center's noise.
    """
    state, grad, hidden, sentence, rows, scores = block_scratch(
        seed, W_in.shape[1], negative, codes)
    hot, snapshot, hot_first = hot_rows(W_out, hierarchical)
    noise = np.empty(0 if hierarchical else 2 * negative, dtype=np.int64)  # this center, the next
    loss = 0.0
    examples = 0
    for s in range(first_sentence, end_sentence):
        start, stop = sentence_offsets[s], sentence_offsets[s + 1]
        alpha = learning_rate(alpha_start, alpha_end, epoch, epochs, tokens_before,
                              total_tokens)
        tokens_before += stop - start
        n = subsample(ids, start, stop, keep_prob, state, sentence)
        # Every center of a sentence of two tokens or more has a context. Its noise is drawn,
        # and the rows it needs fetched, while the center before it trains.
        current = 0
        if not hierarchical and n > 1:
            draw_window_noise(state, accept, alias, W_out, negative, noise, current)
        for i in range(n):
            center = sentence[i]
            span = window - below(state, window) if shrink_windows else window
            lo, hi = max(0, i - span), min(n, i + span + 1)
            if hi - lo < 2:
                continue
            if not hierarchical and i + 1 < n:
                draw_window_noise(state, accept, alias, W_out, negative, noise,
                                  negative - current)
                prefetch_row(W_out, sentence[i + 1])
                if i + 1 + window < n:
                    prefetch_row(W_in, sentence[i + 1 + window])
            hidden[:] = 0.0
            for j in range(lo, hi):
                if j != i:
                    add_scaled_row(hidden, np.float32(1.0), W_in, sentence[j])
            scale = np.float32(1.0 / (hi - lo - 1))
            if cbow_mean:
                hidden *= scale
            grad[:] = 0.0
            if hierarchical:
                loss += hierarchical_softmax_update(
                    hidden, grad, center, W_out, hot, hot_first, codes, points, lengths, alpha,
                    compute_loss, scores)
            else:
                loss += predict_against_noise(hidden, grad, center, W_out, noise, current,
                                              negative, alpha, compute_loss, scores)
                current = negative - current
            # The mean's gradient goes whole to every context token (word2vec, gensim);
            # with a sum, gensim shares it out over the context tokens.
            share = np.float32(1.0) if cbow_mean else scale
            for j in range(lo, hi):
                if j != i:
                    add_scaled_to_row(W_in, sentence[j], share, grad)
            examples += 1
    merge_hot_rows(W_out, hot, snapshot, hot_first)
    return loss, examples


# The epoch kernels take the bundles and hand the block functions plain arrays and
# scalars: the hot loops ran 10-25 % slower when the block functions read the fields of
# the named tuples themselves, and a one-thread kernel without ``parallel=True`` ran about
# 10 % slower than this one with one worker (measured one epoch at a time, back to back).


@numba.njit(parallel=True, nogil=True, cache=CACHE)
def skipgram_epoch(W_in, corpus, output, context, schedule, stats, first_block, end_block,
                   n_workers):
    """Train skip-gram on blocks ``first_block`` to ``end_block - 1`` of one epoch.

    Per-block loss and example counts go to ``stats``. Worker ``w`` trains blocks
    ``first_block + w``, ``first_block + w + n_workers``, ... in order, so the workers move
    through the corpus side by side (as gensim's job queue does) and one worker replays the
    corpus order exactly. The driver calls this over consecutive ranges of blocks, so an
    interrupt is seen between ranges rather than at the end of the epoch.
    """
    # The result arrays are taken out of the bundle before the parallel loop: numba's
    # parfor lowering loses stores into arrays read from a tuple inside the loop body.
    block_loss, block_examples = stats.loss, stats.examples
    for worker in numba.prange(n_workers):
        for block in range(first_block + worker, end_block, n_workers):
            block_loss[block], block_examples[block] = skipgram_block(
                W_in, output.weights, corpus.ids, corpus.sentence_offsets,
                corpus.block_bounds[block], corpus.block_bounds[block + 1],
                corpus.block_token_starts[block], corpus.n_tokens, corpus.keep_prob,
                output.accept, output.alias, output.codes, output.points, output.lengths,
                output.hierarchical, context.window, output.negative, context.shrink,
                context.batch_windows, schedule.alpha_start, schedule.alpha_end,
                schedule.epoch, schedule.epochs, schedule.seeds[block], schedule.compute_loss)


@numba.njit(parallel=True, nogil=True, cache=CACHE)
def cbow_epoch(W_in, corpus, output, context, schedule, stats, first_block, end_block,
               n_workers):
    """Train CBOW on blocks ``first_block`` to ``end_block - 1`` of one epoch.

    Blocks are shared among workers as in ``skipgram_epoch``.
    """
    block_loss, block_examples = stats.loss, stats.examples
    for worker in numba.prange(n_workers):
        for block in range(first_block + worker, end_block, n_workers):
            block_loss[block], block_examples[block] = cbow_block(
                W_in, output.weights, corpus.ids, corpus.sentence_offsets,
                corpus.block_bounds[block], corpus.block_bounds[block + 1],
                corpus.block_token_starts[block], corpus.n_tokens, corpus.keep_prob,
                output.accept, output.alias, output.codes, output.points, output.lengths,
                output.hierarchical, context.window, output.negative, context.shrink,
                context.cbow_mean, schedule.alpha_start, schedule.alpha_end, schedule.epoch,
                schedule.epochs, schedule.seeds[block], schedule.compute_loss)
