"""The Doc2Vec kernels (PV-DBOW, PV-DM) against a plain NumPy replay on tiny inputs.

As for the word2vec kernels, randomness is switched off so the replay can follow every
update: no sub-sampling, fixed windows, and a noise table whose every draw is one token.
"""

import numpy as np
import pytest
from test_kernels_word2vec import _hs_reference, _ns_reference, hogbatch_window

from skembed._blocks import make_blocks, sentence_documents
from skembed._kernels._bundles import (
    ContextWindow,
    DocumentLayer,
    OutputLayer,
    block_stats,
    training_corpus,
)
from skembed._kernels._doc2vec import doc2vec_epoch
from skembed._kernels._word2vec import MAX_SENTENCE_LENGTH
from skembed._training import linear_schedule
from skembed._vocab import huffman_tree

DIM = 4
N_TOKENS = 5
NOISE = 4
NEGATIVE = 2
ALPHA = 0.05
WINDOW = 2
# Documents as token ids; the third is empty (it has no sentence and its row never moves).
DOCUMENTS = [[0, 1, 2, 0, 3], [4, 1], [], [2]]


def _tables(hierarchical):
    if hierarchical:
        return huffman_tree(np.array([9, 7, 4, 2, 1]))
    return np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32)


def _weights(hierarchical, seed=0):
    rng = np.random.default_rng(seed)
    W_in = ((rng.random((N_TOKENS, DIM)) - 0.5) / DIM).astype(np.float32)
    W_out = (rng.normal(size=(N_TOKENS - hierarchical, DIM)) * 0.3).astype(np.float32)
    D = ((rng.random((len(DOCUMENTS), DIM)) - 0.5) / DIM).astype(np.float32)
    W_in[3] *= 400  # scores involving token 3 saturate: those updates are skipped
    return W_in, W_out, D


def _predict(h, target, W_out, hierarchical, tables):
    if hierarchical:
        return _hs_reference(h, target, W_out, *tables, ALPHA)
    return _ns_reference(h, target, W_out, NOISE, NEGATIVE, ALPHA)


def _replay(dm, hierarchical, W_in, W_out, D, train_words, learn_words, cbow_mean,
            batch_windows=False):
    """One epoch as gensim's Doc2Vec trains it, written out plainly.

    With ``batch_windows`` a position's word pairs are one HogBatch step (as
    ``_shared_reference_epoch`` of the word2vec kernel tests) before the document's
    prediction.
    """
    tables = _tables(hierarchical)
    loss, examples = 0.0, 0
    for doc, words in enumerate(DOCUMENTS):
        n = len(words)
        for i, target in enumerate(words):
            context = [words[j] for j in range(max(0, i - WINDOW), min(n, i + WINDOW + 1))
                       if j != i]
            if dm:
                h = D[doc] + W_in[context].sum(axis=0)
                scale = np.float32(1.0 / (len(context) + 1))
                if cbow_mean:
                    h = h * scale
                grad, step = _predict(h.astype(np.float32), target, W_out, hierarchical,
                                      tables)
                share = np.float32(1.0) if cbow_mean else scale
                D[doc] += share * grad
                if learn_words:
                    for word in context:
                        W_in[word] += share * grad
                loss, examples = loss + step, examples + 1
                continue
            if train_words and batch_windows and context:
                inputs = W_in if learn_words else W_in.copy()  # frozen: moves are dropped
                step = hogbatch_window(inputs, W_out, target, context, [NOISE] * NEGATIVE,
                                       ALPHA)
                loss, examples = loss + step, examples + len(context)
            elif train_words:
                for word in context:
                    grad, step = _predict(W_in[word].copy(), target, W_out, hierarchical,
                                          tables)
                    if learn_words:
                        W_in[word] += grad
                    loss, examples = loss + step, examples + 1
            grad, step = _predict(D[doc].copy(), target, W_out, hierarchical, tables)
            D[doc] += grad
            loss, examples = loss + step, examples + 1
    return loss, examples


def _kernel(dm, hierarchical, W_in, W_out, D, train_words, learn_words, cbow_mean,
            python=False, batch_windows=False):
    ids = np.concatenate([np.asarray(d, dtype=np.int32) for d in DOCUMENTS])
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in DOCUMENTS])]).astype(np.int64)
    blocks = make_blocks(offsets, MAX_SENTENCE_LENGTH)
    corpus = training_corpus(ids, blocks, np.ones(N_TOKENS))
    codes, points, lengths = _tables(hierarchical)
    # Every column of the alias table sends its draw to the noise token.
    output = OutputLayer(W_out, bool(hierarchical), NEGATIVE, np.zeros(N_TOKENS),
                         np.full(N_TOKENS, NOISE, dtype=np.int32), codes, points, lengths)
    documents = DocumentLayer(D, sentence_documents(blocks, offsets), bool(train_words),
                              bool(learn_words))
    context = ContextWindow(WINDOW, False, bool(cbow_mean), batch_windows)
    seeds = np.full(blocks.n_blocks, 12345, dtype=np.uint64)
    schedule = linear_schedule(ALPHA, ALPHA, 0, 1, seeds, True)  # a constant rate
    stats = block_stats(blocks.n_blocks)
    kernel = doc2vec_epoch.py_func if python else doc2vec_epoch
    kernel(W_in, documents, corpus, output, context, schedule, stats, bool(dm), 0,
           blocks.n_blocks, 1)
    return stats.loss.sum(), stats.examples.sum()


CASES = [
    pytest.param(False, False, True, id="dbow"),
    pytest.param(False, True, True, id="dbow-words"),
    pytest.param(True, False, True, id="dm-mean"),
    pytest.param(True, False, False, id="dm-sum"),
]


@pytest.mark.parametrize("dm,train_words,cbow_mean", CASES)
@pytest.mark.parametrize("hierarchical", [False, True], ids=["ns", "hs"])
def test_kernel_matches_numpy_replay(dm, train_words, cbow_mean, hierarchical):
    W_in, W_out, D = _weights(hierarchical)
    ref = [a.copy() for a in (W_in, W_out, D)]
    ref_loss, ref_examples = _replay(dm, hierarchical, *ref, train_words, True, cbow_mean)
    loss, examples = _kernel(dm, hierarchical, W_in, W_out, D, train_words, True, cbow_mean)
    assert examples == ref_examples
    for got, expected in zip((W_in, W_out, D), ref, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    untouched = _weights(hierarchical)[2][2]
    np.testing.assert_array_equal(D[2], untouched)  # the empty document's row


@pytest.mark.parametrize("learn_words", [True, False], ids=["words-learn", "words-frozen"])
def test_batched_word_pairs_match_numpy_replay(learn_words):
    W_in, W_out, D = _weights(False)
    ref = [a.copy() for a in (W_in, W_out, D)]
    ref_loss, ref_examples = _replay(False, False, *ref, True, learn_words, True,
                                     batch_windows=True)
    loss, examples = _kernel(False, False, W_in, W_out, D, True, learn_words, True,
                             batch_windows=True)
    assert examples == ref_examples
    for got, expected in zip((W_in, W_out, D), ref, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    if not learn_words:
        np.testing.assert_array_equal(W_in, _weights(False)[0])


@pytest.mark.parametrize("dm,train_words,cbow_mean", CASES)
def test_frozen_words_stay_bit_identical(dm, train_words, cbow_mean):
    W_in, W_out, D = _weights(False)
    before_in, before_d = W_in.copy(), D.copy()
    _kernel(dm, False, W_in, W_out, D, train_words, False, cbow_mean)
    np.testing.assert_array_equal(W_in, before_in)
    assert not np.array_equal(D, before_d)  # the document vectors still learn


@pytest.mark.parametrize("cbow_mean", [True, False])
def test_a_word_without_context_is_predicted_by_the_document_alone(cbow_mean):
    # PV-DM on a one-word document: no context word, yet the document vector alone
    # (count 1: the mean and the sum agree) predicts the word, as in gensim. Closed form
    # of that step: target 0, then the noise token 4 twice (scored again after its update).
    global DOCUMENTS
    W_in, W_out, D = _weights(False, seed=5)
    d, before_out, before_in = D[3].copy(), W_out.copy(), W_in.copy()
    saved, DOCUMENTS = DOCUMENTS, [[], [], [], [0]]
    try:
        loss, examples = _kernel(True, False, W_in, W_out, D, False, True, cbow_mean)
    finally:
        DOCUMENTS = saved
    u = before_out.astype(np.float64)
    grad = np.zeros(DIM)
    for row, label in [(0, 1.0), (NOISE, 0.0), (NOISE, 0.0)]:
        g = ALPHA * (label - 1 / (1 + np.exp(-(d @ u[row]))))
        grad += g * u[row]
        u[row] += g * d
    assert examples == 1
    np.testing.assert_allclose(D[3], d + grad, rtol=1e-5)
    np.testing.assert_allclose(W_out, u, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(W_in, before_in)  # no context word to update


def test_compiled_kernel_equals_its_python_function():
    results = []
    for python in (False, True):
        W_in, W_out, D = _weights(False, seed=2)
        _kernel(True, False, W_in, W_out, D, False, True, True, python=python)
        results.append((W_in, W_out, D))
    for compiled, plain in zip(*results, strict=True):
        np.testing.assert_allclose(compiled, plain, rtol=1e-6, atol=1e-8)


def test_sentence_documents_names_the_document_of_every_piece():
    offsets = np.array([0, 0, 7, 7, 9, 30], dtype=np.int64)  # empty documents 0 and 2
    blocks = make_blocks(offsets, 5)  # documents longer than 5 tokens are cut
    owners = sentence_documents(blocks, offsets)
    starts = blocks.sentence_offsets[:-1]
    expected = [int(np.flatnonzero((offsets[:-1] <= s) & (s < offsets[1:]))[0])
                for s in starts]
    np.testing.assert_array_equal(owners, expected)
    assert set(owners) == {1, 3, 4}


def _infer(dm, hierarchical, W_in, W_out, words, epochs, cbow_mean=True, noise_table=None):
    from skembed._kernels._bundles import InferenceSchedule
    from skembed._kernels._doc2vec import infer_documents

    ids = np.asarray(words, dtype=np.int32)
    offsets = np.array([0, len(ids)], dtype=np.int64)
    codes, points, lengths = _tables(hierarchical)
    accept, alias = (np.zeros(N_TOKENS), np.full(N_TOKENS, NOISE, dtype=np.int32)) \
        if noise_table is None else noise_table
    output = OutputLayer(W_out, bool(hierarchical), NEGATIVE, accept, alias, codes, points,
                         lengths)
    inference = InferenceSchedule(ALPHA, 0.001, epochs, np.uint64(99), bool(dm))
    out = np.zeros((1, DIM), dtype=np.float32)
    infer_documents(W_in, output, ContextWindow(WINDOW, False, bool(cbow_mean)),
                    np.ones(N_TOKENS), ids, offsets, inference, out, 0, 1)
    return out[0]


def _frozen_step(h, target, W_out, hierarchical, alpha):
    """The gradient of one prediction with the output layer left as it is."""
    grad = np.zeros(DIM)
    if hierarchical:
        codes, points, lengths = _tables(True)
        steps = [(points[target, k], 1.0 - codes[target, k]) for k in range(lengths[target])]
    else:
        steps = [(target, 1.0)] + [(NOISE, 0.0)] * NEGATIVE
        steps = [steps[0]] + [(row, label) for row, label in steps[1:] if row != target]
    for row, label in steps:
        score = float(h @ W_out[row])
        if abs(score) < 6:
            grad += alpha * (label - 1 / (1 + np.exp(-score))) * W_out[row]
    return grad


@pytest.mark.parametrize("dm,cbow_mean", [(False, True), (True, True), (True, False)],
                         ids=["dbow", "dm-mean", "dm-sum"])
@pytest.mark.parametrize("hierarchical", [False, True], ids=["ns", "hs"])
def test_inference_matches_numpy_replay_and_freezes_the_model(dm, cbow_mean, hierarchical):
    W_in, W_out, _ = _weights(hierarchical, seed=4)
    W_in[3] /= 400  # no saturation here: every step counts
    words = [0, 1, 2, 0, 3, 1]
    before_in, before_out = W_in.copy(), W_out.copy()
    start = _infer(dm, hierarchical, W_in, W_out, words, 0, cbow_mean)  # the initial row
    assert np.all(np.abs(start) < 0.5 / DIM)
    epochs = 3
    got = _infer(dm, hierarchical, W_in, W_out, words, epochs, cbow_mean)
    np.testing.assert_array_equal(W_in, before_in)  # nothing of the model moves
    np.testing.assert_array_equal(W_out, before_out)
    vector = start.astype(np.float64)
    for epoch in range(epochs):
        alpha = max(0.001, ALPHA - (ALPHA - 0.001) * epoch / epochs)  # constant in a pass
        for i, target in enumerate(words):
            if dm:
                context = [words[j] for j in range(max(0, i - WINDOW),
                                                   min(len(words), i + WINDOW + 1)) if j != i]
                h = vector + W_in[context].sum(axis=0)
                count = len(context) + 1
                h = h / count if cbow_mean else h
                share = 1.0 if cbow_mean else 1.0 / count
            else:
                h, share = vector, 1.0
            vector = vector + share * _frozen_step(h, target, W_out, hierarchical, alpha)
    np.testing.assert_allclose(got, vector, rtol=1e-4, atol=1e-6)
    assert not np.allclose(got, start)


def test_inference_draws_the_next_position_noise_ahead_in_a_fixed_order():
    # PV-DBOW inference with a real noise table, replayed from the document's own random
    # state in the documented order: the start vector, then per pass the first
    # position's noise and at each position the next one's.
    from skembed._kernels._common import sample_alias, uniform
    from skembed._kernels._doc2vec import document_state

    rng = np.random.default_rng(9)
    accept = rng.random(N_TOKENS)
    alias = rng.integers(0, N_TOKENS, N_TOKENS).astype(np.int32)
    W_in, W_out, _ = _weights(False, seed=4)
    W_in[3] /= 400
    words, epochs = [0, 1, 2, 0, 3, 1, 4], 3
    got = _infer(False, False, W_in, W_out, words, epochs, noise_table=(accept, alias))
    ids = np.asarray(words, dtype=np.int32)
    state = np.array([document_state(ids, 0, len(ids), np.uint64(99))], dtype=np.uint64)
    vector = np.array([(uniform(state) - 0.5) / DIM for _ in range(DIM)], np.float32)

    def draw():
        return [int(sample_alias(state, accept, alias)) for _ in range(NEGATIVE)]

    for epoch in range(epochs):
        alpha = max(0.001, ALPHA - (ALPHA - 0.001) * epoch / epochs)
        noise = draw()
        for i, target in enumerate(words):
            following = draw() if i + 1 < len(words) else None
            grad = np.zeros(DIM)
            for row, label in [(target, 1.0)] + [(row, 0.0) for row in noise]:
                if label or row != target:
                    score = float(vector @ W_out[row])
                    if abs(score) < 6:
                        grad += alpha * (label - 1 / (1 + np.exp(-score))) * W_out[row]
            vector = vector + grad
            noise = following
    np.testing.assert_allclose(got, vector, rtol=1e-4, atol=1e-6)


def test_a_document_state_depends_on_its_tokens_and_the_seed_only():
    from skembed._kernels._doc2vec import document_state

    ids = np.array([5, 1, 2, 7, 1, 2], dtype=np.int32)
    first = document_state(ids, 1, 3, np.uint64(11))
    assert first == document_state(ids, 4, 6, np.uint64(11))  # the same tokens elsewhere
    assert first != document_state(ids, 1, 3, np.uint64(12))
    assert first != document_state(ids, 1, 4, np.uint64(11))
    assert document_state(ids, 0, 0, np.uint64(0)) != 0


@pytest.mark.parametrize("cbow_mean", [True, False], ids=["mean", "sum"])
def test_inference_context_from_prefix_sums_keeps_its_accuracy_in_long_documents(cbow_mean):
    from skembed._kernels._doc2vec import context_prefix, dm_prefixed_input

    rng = np.random.default_rng(5)
    W_in = (rng.normal(size=(50, DIM)) + 3.0).astype(np.float32)  # sums grow with length
    sentence = rng.integers(0, 50, MAX_SENTENCE_LENGTH).astype(np.int32)
    vector = rng.normal(size=DIM).astype(np.float32)
    prefix = np.empty((len(sentence) + 1, DIM))
    context_prefix(W_in, sentence, len(sentence), prefix)
    hidden = np.empty(DIM, dtype=np.float32)
    for i, lo, hi in [(0, 0, 3), (5000, 4990, 5011), (9998, 9990, 10000), (9999, 9999, 10000)]:
        share = dm_prefixed_input(hidden, vector, W_in, prefix, sentence, i, lo, hi, cbow_mean)
        words = [sentence[j] for j in range(lo, hi) if j != i]
        expected = vector.astype(np.float64) + W_in[words].astype(np.float64).sum(axis=0)
        if cbow_mean:
            expected /= hi - lo
        np.testing.assert_allclose(hidden, expected, rtol=2e-6)
        assert share == pytest.approx(1.0 if cbow_mean else 1.0 / (hi - lo))
