"""The word2vec kernels against a plain NumPy reference on tiny inputs.

Randomness is switched off so the reference can replay every update: no sub-sampling
(keep probability 1), fixed windows, and a noise table whose every draw is one token.
"""

import numpy as np
import pytest

from skembed._blocks import make_blocks
from skembed._kernels._bundles import ContextWindow, OutputLayer, block_stats, training_corpus
from skembed._kernels._word2vec import (
    MAX_SENTENCE_LENGTH,
    cbow_epoch,
    hierarchical_softmax_update,
    negative_sampling_update,
    skipgram_epoch,
)
from skembed._training import linear_schedule
from skembed._vocab import huffman_tree

DIM = 4


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _loss(margin):
    return float(np.logaddexp(0.0, -margin))  # -log sigmoid(margin)


def _ns_reference(h, target, W_out, noise, negative, alpha):
    """One prediction against ``negative`` draws of the noise token ``noise``."""
    return _ns_reference_rows(h, target, W_out, [noise] * negative, alpha)


def _ns_reference_rows(h, target, W_out, noise_rows, alpha):
    """One prediction against the noise tokens ``noise_rows``, one output row at a time."""
    grad = np.zeros_like(h)
    loss = 0.0
    for draw, noise in enumerate([None, *noise_rows]):
        row, label = (target, 1.0) if draw == 0 else (noise, 0.0)
        if draw and row == target:
            continue
        score = np.float32(h @ W_out[row])
        loss += _loss(score if label else -score)
        if abs(score) >= 6:
            continue  # saturated: no update, as in gensim
        g = np.float32((label - _sigmoid(score)) * alpha)
        grad += g * W_out[row]
        W_out[row] += g * h
    return grad, loss


def _hs_reference(h, target, W_out, codes, points, lengths, alpha):
    grad = np.zeros_like(h)
    loss = 0.0
    for depth in range(lengths[target]):
        node, code = points[target, depth], codes[target, depth]
        score = np.float32(h @ W_out[node])
        loss += _loss(-score if code else score)
        if abs(score) >= 6:
            continue
        g = np.float32((1.0 - code - _sigmoid(score)) * alpha)
        grad += g * W_out[node]
        W_out[node] += g * h
    return grad, loss


def _reference_epoch(arch, hierarchical, W_in, W_out, sentences, window, noise, negative,
                     tables, alpha, cbow_mean=True):
    loss = 0.0
    examples = 0
    for sentence in sentences:
        n = len(sentence)
        for i, center in enumerate(sentence):
            lo, hi = max(0, i - window), min(n, i + window + 1)
            context = [sentence[j] for j in range(lo, hi) if j != i]
            if arch == "skipgram":
                for word in context:
                    h = W_in[word].copy()
                    if hierarchical:
                        grad, step = _hs_reference(h, center, W_out, *tables, alpha)
                    else:
                        grad, step = _ns_reference(h, center, W_out, noise, negative, alpha)
                    W_in[word] += grad
                    loss += step
                    examples += 1
            else:
                if not context:
                    continue
                h = W_in[context].sum(axis=0)
                if cbow_mean:
                    h = h * np.float32(1.0 / len(context))
                if hierarchical:
                    grad, step = _hs_reference(h, center, W_out, *tables, alpha)
                else:
                    grad, step = _ns_reference(h, center, W_out, noise, negative, alpha)
                share = np.float32(1.0) if cbow_mean else np.float32(1.0 / len(context))
                for word in context:
                    W_in[word] += share * grad
                loss += step
                examples += 1
    return loss, examples


def _run_kernel(arch, hierarchical, W_in, W_out, sentences, window, noise, negative, tables,
                alpha, n_tokens, cbow_mean=True, python=False, batch_windows=False,
                noise_table=None, shrink=False):
    ids = np.concatenate([np.asarray(s, dtype=np.int32) for s in sentences])
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sentences])]).astype(np.int64)
    blocks = make_blocks(offsets, MAX_SENTENCE_LENGTH)
    keep = np.ones(n_tokens)
    accept = np.zeros(n_tokens)  # every column sends its draw to the alias: the noise token
    alias = np.full(n_tokens, noise, dtype=np.int32)
    if noise_table is not None:
        accept, alias = noise_table
    codes, points, lengths = tables
    corpus = training_corpus(ids, blocks, keep)
    output = OutputLayer(W_out, bool(hierarchical), negative, accept, alias, codes, points,
                         lengths)
    context = ContextWindow(window, shrink, cbow_mean, batch_windows)
    seeds = np.full(blocks.n_blocks, 12345, dtype=np.uint64)
    # alpha_end == alpha_start: the rate is constant, as in the reference.
    schedule = linear_schedule(alpha, alpha, 0, 1, seeds, True)
    stats = block_stats(blocks.n_blocks)
    kernel = skipgram_epoch if arch == "skipgram" else cbow_epoch
    if python:
        kernel = kernel.py_func
    kernel(W_in, corpus, output, context, schedule, stats, 0, blocks.n_blocks, 1)
    loss, examples = stats
    return loss.sum(), examples.sum()


# Hierarchical softmax's tables, unused by negative sampling.
NO_TABLES = (np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32))


def assert_replayed(trained, replayed):
    """Assert (W_in, W_out, loss, examples) of the kernel equal those of the replay."""
    W_in, W_out, loss, examples = trained
    ref_in, ref_out, ref_loss, ref_examples = replayed
    assert examples == ref_examples
    np.testing.assert_allclose(W_in, ref_in, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(W_out, ref_out, rtol=1e-5, atol=1e-7)
    assert loss == pytest.approx(ref_loss, rel=1e-5)


@pytest.mark.parametrize("arch", ["skipgram", "cbow"])
@pytest.mark.parametrize("hierarchical", [False, True])
@pytest.mark.parametrize("cbow_mean", [True, False])
def test_kernel_matches_numpy_reference(arch, hierarchical, cbow_mean):
    if arch == "skipgram" and not cbow_mean:
        pytest.skip("cbow_mean only matters for CBOW")
    rng = np.random.default_rng(0)
    n_tokens = 5
    counts = np.array([9, 7, 4, 2, 1])
    tables = huffman_tree(counts) if hierarchical else (
        np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32))
    W_in = ((rng.random((n_tokens, DIM)) - 0.5) / DIM).astype(np.float32)
    W_out = (rng.normal(size=(n_tokens - hierarchical, DIM)) * 0.3).astype(np.float32)
    W_in[3] *= 400  # scores involving token 3 saturate: those updates are skipped
    sentences = [[0, 1, 2, 0, 3], [4, 1], [2]]
    ref_in, ref_out = W_in.copy(), W_out.copy()
    ref_loss, ref_examples = _reference_epoch(
        arch, hierarchical, ref_in, ref_out, sentences, 2, 4, 2, tables, 0.05, cbow_mean)
    loss, examples = _run_kernel(arch, hierarchical, W_in, W_out, sentences, 2, 4, 2, tables,
                                 0.05, n_tokens, cbow_mean)
    assert_replayed((W_in, W_out, loss, examples), (ref_in, ref_out, ref_loss, ref_examples))


def windows(sentences, window):
    """Yield (center, context tokens) for every position with a context, fixed windows."""
    for sentence in sentences:
        n = len(sentence)
        for i, center in enumerate(sentence):
            context = [sentence[j] for j in range(max(0, i - window), min(n, i + window + 1))
                       if j != i]
            if context:
                yield center, context


def hogbatch_window(W_in, W_out, center, context, noise_rows, alpha):
    """One HogBatch step: the context tokens predict the center, sharing ``noise_rows``.

    Every step comes from the rows as they were; returns the loss of the window's pairs.
    """
    rows = [(center, 1.0)] + [(row, 0.0) for row in noise_rows]
    gains = np.zeros((len(context), len(rows)), np.float32)
    loss = 0.0
    for m, word in enumerate(context):
        for k, (row, label) in enumerate(rows):
            if k and row == center:
                continue
            score = np.float32(W_in[word] @ W_out[row])
            loss += _loss(score if label else -score)
            if abs(score) < 6:
                gains[m, k] = np.float32((label - _sigmoid(score)) * alpha)
    inputs, outputs = W_in[context].copy(), W_out[[row for row, _ in rows]].copy()
    for m, word in enumerate(context):
        W_in[word] += gains[m] @ outputs
    for k, (row, _) in enumerate(rows):
        W_out[row] += gains[:, k] @ inputs
    return loss


def _shared_reference_epoch(W_in, W_out, sentences, window, noise, negative, alpha):
    """Skip-gram with shared negatives: one minibatch step per window (HogBatch)."""
    loss = 0.0
    examples = 0
    for center, context in windows(sentences, window):
        loss += hogbatch_window(W_in, W_out, center, context, [noise] * negative, alpha)
        examples += len(context)
    return loss, examples


REPLAY_SENTENCES = [[0, 1, 2, 3, 4, 5, 1, 2], [3, 4], [5]]


def _real_noise_replay(seed, n_tokens, negative):
    """A real noise table, weights, and a draw of noise from the kernel's own random state.

    Returns ``(noise_table, W_in, W_out, state, draw)``: ``state`` starts where the
    block of ``_run_kernel`` starts, and ``draw()`` takes ``negative`` noise tokens from it.
    """
    from skembed._kernels._common import sample_alias

    rng = np.random.default_rng(seed)
    accept = rng.random(n_tokens)
    alias = rng.integers(0, n_tokens, n_tokens).astype(np.int32)
    W_in = ((rng.random((n_tokens, DIM)) - 0.5) / DIM).astype(np.float32)
    W_out = (rng.normal(size=(n_tokens, DIM)) * 0.3).astype(np.float32)
    state = np.array([12345], dtype=np.uint64)  # the block's seed in _run_kernel

    def draw():
        return [int(sample_alias(state, accept, alias)) for _ in range(negative)]

    return (accept, alias), W_in, W_out, state, draw


def test_shared_negatives_draw_each_window_noise_a_window_ahead():
    # A real noise table: the replay draws from the same random state as the kernel, in
    # the documented order (a sentence's first window, then at each position the next
    # window's), so scoring a window with the wrong half of the buffer would show.
    n_tokens, window, negative, alpha = 6, 2, 3, 0.05
    noise_table, W_in, W_out, _, draw = _real_noise_replay(8, n_tokens, negative)
    sentences = REPLAY_SENTENCES
    ref_in, ref_out = W_in.copy(), W_out.copy()
    ref_loss, ref_examples = 0.0, 0
    for sentence in sentences:
        noise = draw()
        for i, center in enumerate(sentence):
            following = draw() if i + 1 < len(sentence) else None
            context = [sentence[j] for j in range(max(0, i - window),
                                                  min(len(sentence), i + window + 1)) if j != i]
            if context:
                ref_loss += hogbatch_window(ref_in, ref_out, center, context, noise, alpha)
                ref_examples += len(context)
            noise = following
    loss, examples = _run_kernel("skipgram", False, W_in, W_out, sentences, window, 0,
                                 negative, NO_TABLES, alpha, n_tokens, batch_windows=True,
                                 noise_table=noise_table)
    assert_replayed((W_in, W_out, loss, examples), (ref_in, ref_out, ref_loss, ref_examples))


@pytest.mark.parametrize("cbow_mean", [True, False])
def test_cbow_draws_each_center_noise_a_center_ahead(cbow_mean):
    # A real noise table (with repeats among a center's draws) and windows drawn from 1 to
    # ``window``: the replay draws from the kernel's random state in the documented order
    # (a sentence's first center's noise; then at each center its window, then the next
    # center's noise), so training a center on the wrong half of the noise buffer, or
    # drawing in another order, would show.
    from skembed._kernels._common import below

    n_tokens, window, negative, alpha = 6, 2, 4, 0.05
    noise_table, W_in, W_out, state, draw = _real_noise_replay(9, n_tokens, negative)
    sentences = REPLAY_SENTENCES
    ref_in, ref_out = W_in.copy(), W_out.copy()
    ref_loss, ref_examples, repeats = 0.0, 0, 0
    for sentence in sentences:
        n = len(sentence)
        noise = draw() if n > 1 else None
        for i, center in enumerate(sentence):
            span = window - int(below(state, window))
            context = [sentence[j] for j in range(max(0, i - span), min(n, i + span + 1))
                       if j != i]
            if not context:
                continue
            following = draw() if i + 1 < n else None
            h = ref_in[context].sum(axis=0)
            if cbow_mean:
                h = h * np.float32(1.0 / len(context))
            grad, step = _ns_reference_rows(h, center, ref_out, noise, alpha)
            share = np.float32(1.0) if cbow_mean else np.float32(1.0 / len(context))
            for word in context:
                ref_in[word] += share * grad
            ref_loss += step
            ref_examples += 1
            repeats += len(set(noise)) < negative
            noise = following
    assert repeats > 0  # the case where a row is scored again after its own update
    loss, examples = _run_kernel("cbow", False, W_in, W_out, sentences, window, 0, negative,
                                 NO_TABLES, alpha, n_tokens, cbow_mean,
                                 noise_table=noise_table, shrink=True)
    assert_replayed((W_in, W_out, loss, examples), (ref_in, ref_out, ref_loss, ref_examples))


def pairs_with_noise_ahead(sentences, window, state, draw):
    """Yield (center, context token, noise) of skip-gram's pairs in the kernels' draw order.

    Windows are drawn from 1 to ``window`` with ``state``; a sentence's first pair's noise
    is drawn first, then per center its window, and before each pair trains the noise of
    the sentence's next pair (``draw()``).
    """
    from skembed._kernels._common import below

    for sentence in sentences:
        n = len(sentence)
        noise = draw() if n > 1 else None
        for i, center in enumerate(sentence):
            span = window - int(below(state, window))
            pairs = [j for j in range(max(0, i - span), min(n, i + span + 1)) if j != i]
            for k, j in enumerate(pairs):
                following = draw() if k + 1 < len(pairs) or i + 1 < n else None
                yield center, sentence[j], noise
                noise = following


def test_skipgram_draws_each_pair_noise_a_pair_ahead():
    # As for CBOW: a real noise table and drawn windows; the replay follows the documented
    # order (a sentence's first pair's noise; then per center its window, and before each
    # pair trains, the noise of the sentence's next pair).
    n_tokens, window, negative, alpha = 6, 2, 3, 0.05
    noise_table, W_in, W_out, state, draw = _real_noise_replay(10, n_tokens, negative)
    ref_in, ref_out = W_in.copy(), W_out.copy()
    ref_loss, ref_examples = 0.0, 0
    for center, context, noise in pairs_with_noise_ahead(REPLAY_SENTENCES, window, state,
                                                         draw):
        grad, step = _ns_reference_rows(ref_in[context].copy(), center, ref_out, noise, alpha)
        ref_in[context] += grad
        ref_loss += step
        ref_examples += 1
    loss, examples = _run_kernel("skipgram", False, W_in, W_out, REPLAY_SENTENCES, window, 0,
                                 negative, NO_TABLES, alpha, n_tokens,
                                 noise_table=noise_table, shrink=True)
    assert_replayed((W_in, W_out, loss, examples), (ref_in, ref_out, ref_loss, ref_examples))


@pytest.mark.parametrize("noise", [4, 0], ids=["noise-other", "noise-sometimes-target"])
def test_shared_negatives_kernel_matches_numpy_minibatch_reference(noise):
    rng = np.random.default_rng(6)
    n_tokens = 5
    W_in = ((rng.random((n_tokens, DIM)) - 0.5) / DIM).astype(np.float32)
    W_out = (rng.normal(size=(n_tokens, DIM)) * 0.3).astype(np.float32)
    W_in[3] *= 400  # scores involving token 3 saturate: those pairs are skipped
    sentences = [[0, 1, 2, 0, 3, 1, 1], [4, 1], [2]]  # 1 twice in a window, a lone token
    ref_in, ref_out = W_in.copy(), W_out.copy()
    ref_loss, ref_examples = _shared_reference_epoch(ref_in, ref_out, sentences, 2, noise, 2,
                                                     0.05)
    loss, examples = _run_kernel("skipgram", False, W_in, W_out, sentences, 2, noise, 2,
                                 NO_TABLES, 0.05, n_tokens, batch_windows=True)
    assert_replayed((W_in, W_out, loss, examples), (ref_in, ref_out, ref_loss, ref_examples))


def test_one_negative_sampling_step_is_the_closed_form_update():
    # Input vector v predicts target 0 against noise token 2: the textbook SGNS step.
    v = np.array([0.3, -0.1, 0.2, 0.1], np.float32)
    W_out = np.array([[0.2, 0.1, -0.3, 0.0], [0, 0, 0, 0], [-0.1, 0.4, 0.1, 0.2]], np.float32)
    u_pos, u_neg = W_out[0].copy(), W_out[2].copy()
    alpha = 0.1
    g_pos = alpha * (1 - _sigmoid(v @ u_pos))
    g_neg = alpha * (0 - _sigmoid(v @ u_neg))
    grad = np.zeros(4, np.float32)
    state = np.array([7], dtype=np.uint64)
    accept, alias = np.zeros(3), np.full(3, 2, dtype=np.int32)
    rows = np.empty(2, dtype=np.int64)
    loss = negative_sampling_update(v, grad, 0, W_out, accept, alias, 1, alpha, state, True,
                                    rows, np.empty(2, np.float32))
    np.testing.assert_allclose(W_out[0], u_pos + g_pos * v, rtol=1e-6)
    np.testing.assert_allclose(W_out[2], u_neg + g_neg * v, rtol=1e-6)
    np.testing.assert_allclose(grad, g_pos * u_pos + g_neg * u_neg, rtol=1e-5)
    expected = -np.log(_sigmoid(v @ u_pos)) - np.log(1 - _sigmoid(v @ u_neg))
    assert loss == pytest.approx(expected, rel=1e-6)
    assert np.all(W_out[1] == 0)


def test_one_hierarchical_softmax_step_is_the_closed_form_update():
    # Token 2 of counts [5, 3, 2, 1] has path nodes [2, 1, 0] and codes [1, 0, 1].
    codes, points, lengths = huffman_tree([5, 3, 2, 1])
    h = np.array([0.2, -0.3, 0.1, 0.4], np.float32)
    W_out = np.random.default_rng(1).normal(size=(3, 4)).astype(np.float32)
    before = W_out.copy()
    grad = np.zeros(4, np.float32)
    scores = np.empty(codes.shape[1], np.float32)
    no_hot = np.zeros((0, 4), np.float32)
    loss = hierarchical_softmax_update(h, grad, 2, W_out, no_hot, 3, codes, points, lengths,
                                       0.05, True, scores)
    expected_grad = np.zeros(4)
    expected_loss = 0.0
    for node, code in zip([2, 1, 0], [1, 0, 1], strict=True):
        p = _sigmoid(h @ before[node])
        g = 0.05 * (1 - code - p)
        expected_grad += g * before[node]
        np.testing.assert_allclose(W_out[node], before[node] + g * h, rtol=1e-5)
        expected_loss += -np.log(1 - p if code else p)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-5)
    assert loss == pytest.approx(expected_loss, rel=1e-6)


def test_the_loss_of_a_long_prediction_does_not_underflow():
    # The kernels take one log of the product of a step's probabilities. 400 decisions
    # of probability sigmoid(-5) ~ 0.0067 multiply to about 1e-870, far below float64's
    # range: the product must be folded into the loss on the way.
    depth = 400
    codes = np.zeros((1, depth), np.uint8)
    points = np.arange(depth, dtype=np.int32)[None, :]
    lengths = np.array([depth], np.int32)
    h = np.ones(DIM, np.float32)
    W_out = np.full((depth, DIM), -5.0 / DIM, np.float32)  # every score is -5
    grad = np.zeros(DIM, np.float32)
    no_hot = np.zeros((0, DIM), np.float32)
    loss = hierarchical_softmax_update(h, grad, 0, W_out, no_hot, depth, codes, points,
                                       lengths, 0.0, True, np.empty(depth, np.float32))
    assert loss == pytest.approx(depth * _loss(-5.0), rel=1e-6)


@pytest.mark.parametrize("arch", ["skipgram", "cbow"])
def test_compiled_kernel_equals_its_python_function(arch):
    rng = np.random.default_rng(3)
    n_tokens = 6
    tables = (np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32))
    W_in = ((rng.random((n_tokens, DIM)) - 0.5) / DIM).astype(np.float32)
    W_out = (rng.normal(size=(n_tokens, DIM)) * 0.3).astype(np.float32)
    sentences = [list(rng.integers(0, n_tokens, size=12)) for _ in range(3)]
    a_in, a_out, b_in, b_out = W_in.copy(), W_out.copy(), W_in.copy(), W_out.copy()
    _run_kernel(arch, False, a_in, a_out, sentences, 3, 5, 3, tables, 0.05, n_tokens)
    _run_kernel(arch, False, b_in, b_out, sentences, 3, 5, 3, tables, 0.05, n_tokens,
                python=True)
    np.testing.assert_allclose(a_in, b_in, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(a_out, b_out, rtol=1e-5, atol=1e-7)
