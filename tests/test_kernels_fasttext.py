"""The fastText kernels against a plain NumPy replay on tiny inputs.

As for the word2vec kernels, randomness is switched off so the replay can follow every
update: no sub-sampling, fixed windows, and a noise table whose every draw is one token.
Each word's input is the mean (or, for CBOW with ``cbow_mean=False``, the sum) of its
rows: its own row and its n-gram rows, one of which repeats inside a word and several of
which are shared between words.
"""

import numpy as np
import pytest
from test_kernels_word2vec import (
    DIM,
    _hs_reference,
    _ns_reference,
    _ns_reference_rows,
    assert_replayed,
    pairs_with_noise_ahead,
    windows,
)

from skembed._blocks import make_blocks
from skembed._kernels._bundles import (
    ContextWindow,
    OutputLayer,
    Subwords,
    block_stats,
    training_corpus,
)
from skembed._kernels._fasttext import fasttext_epoch
from skembed._kernels._word2vec import MAX_SENTENCE_LENGTH
from skembed._training import linear_schedule
from skembed._vocab import huffman_tree

N_WORDS = 5
# Word w's rows: its own row w, then n-gram rows (5..9); row 7 is listed twice in word 2.
WORD_ROWS = [[0, 5, 6], [1, 6, 7], [2, 7, 7, 8], [3, 9], [4, 5, 8, 9]]
N_ROWS = 10
SENTENCES = [[0, 1, 2, 0, 3], [4, 1, 2], [2]]
NOISE = 4


def _subwords():
    offsets = np.concatenate([[0], np.cumsum([len(r) for r in WORD_ROWS])]).astype(np.int64)
    rows = np.concatenate(WORD_ROWS).astype(np.int32)
    squares = [sum(r.count(x) ** 2 for x in set(r)) / len(r) for r in WORD_ROWS]
    return Subwords(offsets, rows, np.array(squares, dtype=np.float32))


def _update(h, target, W_out, hierarchical, tables, alpha):
    if hierarchical:
        return _hs_reference(h, target, W_out, *tables, alpha)
    return _ns_reference(h, target, W_out, NOISE, 2, alpha)


def _replay(arch, hierarchical, W_in, W_out, window, tables, alpha, cbow_mean):
    """Replay one epoch in NumPy, recomputing every mean from the rows."""
    loss = 0.0
    examples = 0
    for sentence in SENTENCES:
        n = len(sentence)
        for i, center in enumerate(sentence):
            lo, hi = max(0, i - window), min(n, i + window + 1)
            context = [sentence[j] for j in range(lo, hi) if j != i]
            if not context:
                continue
            if arch == "skipgram":
                for word in context:
                    h = W_in[WORD_ROWS[center]].mean(axis=0)
                    grad, step = _update(h, word, W_out, hierarchical, tables, alpha)
                    for row in WORD_ROWS[center]:
                        W_in[row] += grad
                    loss += step
                    examples += 1
            else:
                rows = [row for word in context for row in WORD_ROWS[word]]
                h = W_in[rows].sum(axis=0)
                if cbow_mean:
                    h = h * np.float32(1.0 / len(rows))
                grad, step = _update(h, center, W_out, hierarchical, tables, alpha)
                share = np.float32(1.0) if cbow_mean else np.float32(1.0 / len(rows))
                for row in rows:
                    W_in[row] += share * grad
                loss += step
                examples += 1
    return loss, examples


def _run_kernel(arch, hierarchical, W_in, W_out, window, tables, alpha, cbow_mean,
                batch_windows=False, noise=NOISE, noise_table=None, shrink=False):
    ids = np.concatenate([np.asarray(s, dtype=np.int32) for s in SENTENCES])
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in SENTENCES])]).astype(np.int64)
    blocks = make_blocks(offsets, MAX_SENTENCE_LENGTH)
    corpus = training_corpus(ids, blocks, np.ones(N_WORDS))
    accept, alias = noise_table or (np.zeros(N_WORDS), np.full(N_WORDS, noise, dtype=np.int32))
    output = OutputLayer(W_out, bool(hierarchical), 2, accept, alias, *tables)
    schedule = linear_schedule(alpha, alpha, 0, 1,
                               np.full(blocks.n_blocks, 7, dtype=np.uint64), True)
    stats = block_stats(blocks.n_blocks)
    context = ContextWindow(window, shrink, cbow_mean, batch_windows)
    fasttext_epoch(W_in, _subwords(), corpus, output, context, schedule, stats,
                   arch == "skipgram", 0, blocks.n_blocks, 1)
    return stats.loss.sum(), stats.examples.sum()


def _tables(hierarchical):
    if hierarchical:
        return huffman_tree(np.array([9, 7, 4, 2, 1]))
    return np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32)


def _weights(hierarchical, seed=0):
    rng = np.random.default_rng(seed)
    W_in = ((rng.random((N_ROWS, DIM)) - 0.5) * 0.6).astype(np.float32)
    W_out = (rng.normal(size=(N_WORDS - hierarchical, DIM)) * 0.3).astype(np.float32)
    return W_in, W_out


@pytest.mark.parametrize("arch,cbow_mean", [("skipgram", True), ("cbow", True),
                                            ("cbow", False)])
@pytest.mark.parametrize("hierarchical", [False, True])
def test_kernel_matches_numpy_replay(arch, cbow_mean, hierarchical):
    tables = _tables(hierarchical)
    W_in, W_out = _weights(hierarchical)
    ref_in, ref_out = W_in.copy(), W_out.copy()
    ref_loss, ref_examples = _replay(arch, hierarchical, ref_in, ref_out, 2, tables, 0.05,
                                     cbow_mean)
    loss, examples = _run_kernel(arch, hierarchical, W_in, W_out, 2, tables, 0.05, cbow_mean)
    assert examples == ref_examples
    np.testing.assert_allclose(W_in, ref_in, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(W_out, ref_out, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(ref_loss, rel=1e-5)


def test_skipgram_draws_each_pair_noise_a_pair_ahead():
    # A real noise table and drawn windows, replayed in the documented order (a sentence's
    # first pair's noise; then per center its window, and before each pair trains, the
    # noise of the sentence's next pair), from the kernel's own random state.
    from skembed._kernels._common import sample_alias

    rng = np.random.default_rng(3)
    accept = rng.random(N_WORDS)
    alias = rng.integers(0, N_WORDS, N_WORDS).astype(np.int32)
    state = np.array([7], dtype=np.uint64)  # the block's seed in _run_kernel
    window, alpha = 2, 0.05
    W_in, W_out = _weights(False, seed=4)
    ref_in, ref_out = W_in.copy(), W_out.copy()

    def draw():
        return [int(sample_alias(state, accept, alias)) for _ in range(2)]

    ref_loss, ref_examples = 0.0, 0
    for center, word, noise in pairs_with_noise_ahead(SENTENCES, window, state, draw):
        h = ref_in[WORD_ROWS[center]].mean(axis=0)  # fastText: the center predicts the word
        grad, step = _ns_reference_rows(h, word, ref_out, noise, alpha)
        for row in WORD_ROWS[center]:
            ref_in[row] += grad
        ref_loss += step
        ref_examples += 1
    loss, examples = _run_kernel("skipgram", False, W_in, W_out, window, _tables(False), alpha,
                                 True, noise_table=(accept, alias), shrink=True)
    assert_replayed((W_in, W_out, loss, examples), (ref_in, ref_out, ref_loss, ref_examples))


def _window_minibatch_replay(W_in, W_out, window, noise, negative, alpha):
    """fastText skip-gram with each window's pairs as one minibatch step."""
    loss = 0.0
    examples = 0
    for center, context in windows(SENTENCES, window):
        h = W_in[WORD_ROWS[center]].mean(axis=0)
        before = W_out.copy()
        grad = np.zeros(DIM, np.float32)
        for word in context:  # every pair's steps from the rows as they were
            for row, label in [(word, 1.0)] + [(noise, 0.0)] * negative:
                if not label and row == word:
                    continue
                score = np.float32(h @ before[row])
                loss += float(np.logaddexp(0.0, -score if label else score))
                if abs(score) < 6:
                    g = np.float32((label - 1 / (1 + np.exp(-score))) * alpha)
                    grad += g * before[row]
                    W_out[row] += g * h
            examples += 1
        for row in WORD_ROWS[center]:
            W_in[row] += grad
    return loss, examples


@pytest.mark.parametrize("noise", [NOISE, 1], ids=["noise-other", "noise-sometimes-target"])
def test_batched_windows_match_numpy_minibatch_replay(noise):
    tables = _tables(False)
    W_in, W_out = _weights(False, seed=2)
    W_in[3] *= 400  # word 3's mean saturates its scores: those steps are skipped
    ref_in, ref_out = W_in.copy(), W_out.copy()
    ref_loss, ref_examples = _window_minibatch_replay(ref_in, ref_out, 2, noise, 2, 0.05)
    loss, examples = _run_kernel("skipgram", False, W_in, W_out, 2, tables, 0.05, True,
                                 batch_windows=True, noise=noise)
    assert examples == ref_examples
    np.testing.assert_allclose(W_in, ref_in, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(W_out, ref_out, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(ref_loss, rel=1e-5)


def test_cbow_sum_and_mean_train_differently():
    tables = _tables(False)
    mean_in, mean_out = _weights(False)
    sum_in, sum_out = mean_in.copy(), mean_out.copy()
    _run_kernel("cbow", False, mean_in, mean_out, 2, tables, 0.05, True)
    _run_kernel("cbow", False, sum_in, sum_out, 2, tables, 0.05, False)
    assert np.abs(mean_in - sum_in).max() > 1e-3
    assert np.abs(mean_out - sum_out).max() > 1e-3
