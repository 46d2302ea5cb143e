"""Supervised fastText kernels: document vectors and one epoch of the linear classifier.

A document's hidden vector is the mean of its input rows (each token's own row and
character n-gram rows, and its word n-gram rows, see ``DocumentInputs``). The output
layer scores it (with a bias, if fitted) through a softmax over the classes, a hierarchical softmax
along the class's path in a Huffman tree, or one independent logistic regression per
class (one-vs-all, which also trains multi-label targets). As in fastText, the gradient
of the hidden vector is divided by the number of input rows and added to each of them.

Documents are trained in the order the driver gives (shuffled per epoch) and cut into
blocks; worker ``w`` of ``n_workers`` takes blocks ``w, w + n_workers, ...`` and updates
the input rows without locks (Hogwild). The output layer is small and written by every
document: with several workers each block trains a private copy of it and adds its
change when the block ends, so workers do not fight over its cache lines. With one
worker there is no copy, and a fit is bit-for-bit reproducible.
"""

import numba
import numpy as np

from . import CACHE
from ._common import logistic_loss, prefetch_row

SOFTMAX = 0
HIERARCHICAL = 1
ONE_VS_ALL = 2


@numba.njit(cache=CACHE)
def document_hidden(W_in, inputs, doc, hidden):
    """Set ``hidden[:dim]`` to the mean of document ``doc``'s input rows; return their count.

    ``hidden`` has ``dim + 1`` entries; the last (the bias input) is left alone. A
    document with no input row gets zeros.
    """
    dim = W_in.shape[1]
    for k in range(dim):
        hidden[k] = 0.0
    count = 0
    for t in range(inputs.token_offsets[doc], inputs.token_offsets[doc + 1]):
        token = inputs.tokens[t]
        for r in range(inputs.sub_offsets[token], inputs.sub_offsets[token + 1]):
            row = inputs.sub_rows[r]
            for k in range(dim):
                hidden[k] += W_in[row, k]
            count += 1
    for g in range(inputs.ngram_offsets[doc], inputs.ngram_offsets[doc + 1]):
        row = inputs.ngrams[g]
        for k in range(dim):
            hidden[k] += W_in[row, k]
        count += 1
    if count > 0:
        scale = np.float32(1.0 / count)
        for k in range(dim):
            hidden[k] *= scale
    return count


@numba.njit(cache=CACHE)
def prefetch_document(W_in, inputs, doc):
    """Ask the CPU to start loading every input row of document ``doc``.

    The rows of a document are scattered over a matrix far larger than the caches (the
    word n-gram buckets): fetched one by one when summed, each costs a trip to memory.
    Prefetched while the previous document trains, they arrive in parallel.
    """
    for t in range(inputs.token_offsets[doc], inputs.token_offsets[doc + 1]):
        token = inputs.tokens[t]
        for r in range(inputs.sub_offsets[token], inputs.sub_offsets[token + 1]):
            prefetch_row(W_in, inputs.sub_rows[r])
    for g in range(inputs.ngram_offsets[doc], inputs.ngram_offsets[doc + 1]):
        prefetch_row(W_in, inputs.ngrams[g])


@numba.njit(parallel=True, nogil=True, cache=CACHE)
def document_vectors(W_in, inputs, documents, out):
    """Write the hidden vector of document ``documents[i]`` into ``out[i]``."""
    dim = W_in.shape[1]
    for i in numba.prange(len(documents)):
        if i + 1 < len(documents):
            prefetch_document(W_in, inputs, documents[i + 1])
        hidden = np.empty(dim + 1, dtype=np.float32)
        document_hidden(W_in, inputs, documents[i], hidden)
        for k in range(dim):
            out[i, k] = hidden[k]


@numba.njit(cache=CACHE, fastmath=True)
def _dot(weights, row, hidden):
    """Return ``weights[row] . hidden`` (a float32 reduction, vectorised)."""
    total = np.float32(0.0)
    for k in range(hidden.shape[0]):
        total += weights[row, k] * hidden[k]
    return total


@numba.njit(cache=CACHE)
def _sigmoid(score):
    # exp overflows to inf for very negative scores, giving exactly 0: never NaN.
    return np.float32(1.0) / (np.float32(1.0) + np.exp(-score))


@numba.njit(cache=CACHE)
def _step_row(weights, row, g, hidden, grad, dim):
    """Add ``g`` times the row's weights to ``grad``, then ``g * hidden`` to the row."""
    for k in range(dim):
        grad[k] += g * weights[row, k]
    for k in range(hidden.shape[0]):
        weights[row, k] += g * hidden[k]


@numba.njit(cache=CACHE)
def softmax_update(weights, label, hidden, grad, scale, scores, compute_loss):
    """One softmax step towards ``label``; return ``-log p(label)`` (0 if not computed).

    ``scale`` is the learning rate times the document's weight. Every class row moves by
    ``scale * (1[c == label] - p_c)`` times the hidden vector; ``grad`` gets the same
    combination of the rows as they were before the step.
    """
    n_classes = weights.shape[0]
    dim = hidden.shape[0] - 1
    top = np.float32(-np.inf)
    for c in range(n_classes):
        scores[c] = _dot(weights, c, hidden)
        top = max(top, scores[c])
    label_score = scores[label]
    # Each exponential once, in float32 as fastText computes them: after subtracting
    # the top score they lie in (0, 1], and the sum is at least 1.
    total = np.float32(0.0)
    for c in range(n_classes):
        scores[c] = np.exp(scores[c] - top)
        total += scores[c]
    loss = 0.0
    if compute_loss:
        loss = np.log(np.float64(total)) + top - label_score
    inverse = np.float32(1.0) / total
    for c in range(n_classes):
        target = np.float32(1.0) if c == label else np.float32(0.0)
        _step_row(weights, c, np.float32(scale * (target - scores[c] * inverse)), hidden,
                  grad, dim)
    return loss


@numba.njit(cache=CACHE)
def logistic_update(weights, row, positive, hidden, grad, scale, compute_loss):
    """One logistic-regression step of output row ``row``; return its loss.

    The row predicts ``positive`` (1) or not (0) from the hidden vector.
    """
    dim = hidden.shape[0] - 1
    score = _dot(weights, row, hidden)
    loss = 0.0
    if compute_loss:
        loss = logistic_loss(score if positive else -score)
    target = np.float32(1.0) if positive else np.float32(0.0)
    _step_row(weights, row, np.float32(scale * (target - _sigmoid(score))), hidden, grad, dim)
    return loss


@numba.njit(cache=CACHE)
def output_update(weights, output, targets, doc, hidden, grad, scale, scores, compute_loss):
    """Train the output layer on one document; add the hidden vector's gradient to ``grad``.

    ``weights`` are the output weights to train: ``output.weights`` or a private copy.
    """
    loss = 0.0
    if output.loss == SOFTMAX:
        loss = softmax_update(weights, targets.labels[doc], hidden, grad, scale, scores,
                              compute_loss)
    elif output.loss == HIERARCHICAL:
        label = targets.labels[doc]
        # p = sigmoid(score) is the probability of branch 0 at each node of the path.
        for depth in range(output.lengths[label]):
            branch_zero = output.codes[label, depth] == 0
            loss += logistic_update(weights, output.points[label, depth], branch_zero, hidden,
                                    grad, scale, compute_loss)
    else:
        for c in range(weights.shape[0]):
            if targets.multilabel:
                positive = targets.indicator[doc, c] != 0
            else:
                positive = targets.labels[doc] == c
            loss += logistic_update(weights, c, positive, hidden, grad, scale, compute_loss)
    return loss


@numba.njit(cache=CACHE, nogil=True)
def classifier_block(W_in, trainable, inputs, output, targets, schedule, block):
    """Train on the documents of one block; return (summed loss, documents)."""
    dim = W_in.shape[1]
    shared = output.weights
    if schedule.private_output:
        weights = shared.copy()
        snapshot = weights.copy()
    else:
        weights = shared
        snapshot = np.empty((0, 0), dtype=np.float32)
    hidden = np.empty(dim + 1, dtype=np.float32)
    hidden[dim] = 1.0 if schedule.fit_intercept else 0.0  # the bias input
    grad = np.empty(dim, dtype=np.float32)
    scores = np.empty(weights.shape[0], dtype=np.float32)
    n_docs = len(schedule.order)
    total = max(schedule.epochs * n_docs, 1)
    loss = 0.0
    first, end = schedule.block_bounds[block], schedule.block_bounds[block + 1]
    for position in range(first, end):
        doc = schedule.order[position]
        if position + 1 < end:
            prefetch_document(W_in, inputs, schedule.order[position + 1])
        progress = (schedule.epoch * n_docs + position) / total
        alpha = schedule.alpha * (1.0 - progress)
        count = document_hidden(W_in, inputs, doc, hidden)
        grad[:] = 0.0
        loss += targets.weights[doc] * output_update(
            weights, output, targets, doc, hidden, grad, alpha * targets.weights[doc], scores,
            schedule.compute_loss)
        if count == 0:
            continue
        # fastText divides the gradient by the number of input rows and adds it to each.
        step = np.float32(1.0 / count)
        for t in range(inputs.token_offsets[doc], inputs.token_offsets[doc + 1]):
            token = inputs.tokens[t]
            for r in range(inputs.sub_offsets[token], inputs.sub_offsets[token + 1]):
                row = inputs.sub_rows[r]
                if trainable[row]:
                    for k in range(dim):
                        W_in[row, k] += step * grad[k]
        for g in range(inputs.ngram_offsets[doc], inputs.ngram_offsets[doc + 1]):
            row = inputs.ngrams[g]
            if trainable[row]:
                for k in range(dim):
                    W_in[row, k] += step * grad[k]
    if schedule.private_output:
        for r in range(weights.shape[0]):
            for k in range(weights.shape[1]):
                shared[r, k] += weights[r, k] - snapshot[r, k]
    return loss, end - first


@numba.njit(parallel=True, nogil=True, cache=CACHE)
def classifier_epoch(W_in, trainable, inputs, output, targets, schedule, stats, first_block,
                     end_block, n_workers):
    """Train blocks ``first_block`` to ``end_block - 1`` of one epoch (see the module notes)."""
    # The result arrays are taken out of the bundle before the parallel loop: numba's
    # parfor lowering loses stores into arrays read from a tuple inside the loop body.
    block_loss, block_examples = stats.loss, stats.examples
    for worker in numba.prange(n_workers):
        for block in range(first_block + worker, end_block, n_workers):
            block_loss[block], block_examples[block] = classifier_block(
                W_in, trainable, inputs, output, targets, schedule, block)
