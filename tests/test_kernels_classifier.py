"""The supervised fastText kernels and input layout against plain Python and NumPy.

The epoch kernel is replayed document by document in NumPy (one worker, the same order,
the same learning-rate schedule); single steps are checked against their closed forms;
the word n-gram hash and the input layout against a pure-Python reading of fastText's
rules. The last tests fit the estimator: bit-identical single-thread fits, close
two-thread fits and no NaN at large learning rates.
"""

import math

import numpy as np
import pytest

from skembed import FastTextClassifier
from skembed._kernels._bundles import (
    ClassifierOutput,
    ClassTargets,
    DocumentInputs,
    DocumentSchedule,
    block_stats,
)
from skembed._kernels._classifier import (
    HIERARCHICAL,
    ONE_VS_ALL,
    SOFTMAX,
    classifier_epoch,
    document_vectors,
    softmax_update,
)
from skembed._kernels._subword import word_ngram_buckets
from skembed._labels import class_tree
from skembed._subwords import char_ngrams, hash_bytes, word_hashes
from skembed._supervised_inputs import END_OF_DOCUMENT, InputLayout
from skembed._vocab import EncodedCorpus
from skembed.datasets import load_fortunes

DIM = 6
VOCAB = ["the", "cat", "sat", "on", "mat", "dog", "log", "barks"]
# Training documents, as token strings; "a", "zebra" and "purrs" are not in VOCAB.
DOCS = [
    ["the", "cat", "sat", "on", "the", "mat"],
    ["the", "dog", "barks"],
    ["a", "cat", "on", "a", "log"],
    [],
    ["zebra"],
    ["dog", "dog", "purrs", "sat"],
]
LABELS = np.array([0, 1, 0, 2, 1, 2], dtype=np.int32)
INDICATOR = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0], [0, 1, 1], [1, 0, 1]],
                     dtype=np.uint8)
DOC_WEIGHTS = np.array([1.0, 0.5, 2.0, 1.0, 1.5, 0.75], dtype=np.float32)
ORDER = np.array([2, 0, 5, 4, 1, 3], dtype=np.int64)
BOUNDS = np.array([0, 2, 4, 6], dtype=np.int64)  # three blocks, trained in order


def _encode(docs, vocab=VOCAB, dropped=()):
    """Encode token lists as the vocabulary builder does (-2 - k for unknown token k).

    Tokens in ``dropped`` become ``-1`` (a token whose text was not kept).
    """
    index = {token: i for i, token in enumerate(vocab)}
    unknown = {}
    ids = []
    for doc in docs:
        for token in doc:
            if token in dropped:
                ids.append(-1)
            elif token in index:
                ids.append(index[token])
            else:
                ids.append(-2 - unknown.setdefault(token, len(unknown)))
    offsets = np.concatenate([[0], np.cumsum([len(doc) for doc in docs])]).astype(np.int64)
    return EncodedCorpus(np.asarray(ids, dtype=np.int32), offsets, tuple(unknown))


# ----------------------------------------------------------- pure-Python references

def _fnv1a_signed(data):
    """fastText's 32-bit FNV-1a, each byte XOR-ed in as a sign-extended char."""
    h = 2166136261
    for byte in data:
        h ^= byte | 0xFFFFFF00 if byte >= 128 else byte
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def _as_int32_in_uint64(h32):
    """fastText stores a word hash as int32_t; widening it to uint64_t sign-extends."""
    signed = h32 - (1 << 32) if h32 >= (1 << 31) else h32
    return signed % (1 << 64)


def _python_word_ngram_buckets(hashes, n, bucket):
    """fastText's Dictionary::addWordNgrams on one document's word hashes."""
    out = []
    for i in range(len(hashes)):
        h = _as_int32_in_uint64(int(hashes[i]))
        for j in range(i + 1, min(len(hashes), i + n)):
            h = (h * 116049371 + _as_int32_in_uint64(int(hashes[j]))) % (1 << 64)
            out.append(h % bucket)
    return out


def _python_char_buckets(word, min_n, max_n, bucket):
    return [_fnv1a_signed(gram.encode("utf-8")) % bucket
            for gram in char_ngrams(word, min_n, max_n)]


# ------------------------------------------------------------------ word n-grams

def test_fnv1a_matches_the_python_reference():
    assert hash_bytes(b"a") == 0xE40C292C  # the published FNV-1a 32-bit test vector
    for word in ["", "a", "the", "</s>", "café", "naïve", "東京", "zebra"]:
        data = word.encode("utf-8")
        assert hash_bytes(data) == _fnv1a_signed(data), word


def test_word_hashes_equal_hash_bytes_of_each_word():
    words = ["the", "cat", "</s>", "café", "東京", "", "x" * 40]
    hashes = word_hashes(words)
    assert hashes.dtype == np.uint32
    assert hashes.tolist() == [hash_bytes(word.encode("utf-8")) for word in words]


@pytest.mark.parametrize("n", [2, 3, 5])
def test_word_ngram_buckets_follow_fasttexts_formula(n):
    words = ["the", "cat", "sat", "on", "the", "mat", "</s>", "café", "dog", "東京", "x"]
    hashes = word_hashes(words)
    # About half of all words hash at or above 2**31: fastText sign-extends those.
    assert (hashes >= 2**31).any() and (hashes < 2**31).any()
    extreme = np.array([2**32 - 1, 2**31, 2**31 - 1, 0, 1], dtype=np.uint32)
    all_hashes = np.concatenate([hashes, extreme, hashes[:1]])
    docs = [all_hashes[:len(words)], all_hashes[len(words):len(words) + 5], all_hashes[:0],
            all_hashes[-1:]]
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in docs])]).astype(np.int64)
    for bucket in (2_000_000, 97, 2**31 - 1):
        doc_offsets, buckets = word_ngram_buckets(all_hashes[: offsets[-1]], offsets, n,
                                                  bucket)
        for d, doc in enumerate(docs):
            got = buckets[doc_offsets[d]:doc_offsets[d + 1]].tolist()
            assert got == _python_word_ngram_buckets(doc, n, bucket), (n, bucket, d)


def test_sign_extension_changes_the_bucket():
    # With the hash read as unsigned the bucket differs: the test above would catch it.
    hashes = np.array([2**32 - 1, 5], dtype=np.uint32)
    (_, got) = word_ngram_buckets(hashes, np.array([0, 2], dtype=np.int64), 2, 2_000_000)
    unsigned = ((2**32 - 1) * 116049371 + 5) % (1 << 64) % 2_000_000
    assert got.tolist() == _python_word_ngram_buckets(hashes, 2, 2_000_000)
    assert got[0] != unsigned


# ------------------------------------------------------------------- input layout
#
# A bucket not seen in training has no row of its own: it reads one shared row
# (``unseen_bucket``, between the end-of-document row and the buckets), which the
# estimator keeps at zero.

def _layout(word_ngrams=2, min_n=3, max_n=4, bucket=2_000_000, docs=DOCS):
    corpus = _encode(docs)
    return InputLayout(VOCAB, corpus, word_ngrams=word_ngrams, min_n=min_n, max_n=max_n,
                       bucket=bucket), corpus


def _bucket_rows(layout, buckets):
    """The rows the layout should give these buckets, in order."""
    row_of = {int(b): layout.first_bucket_row + k for k, b in enumerate(layout.buckets)}
    return [row_of.get(b, layout.unseen_bucket) for b in buckets]


def _doc_rows(inputs, d):
    """The input rows of document ``d``: its tokens' rows, then its word n-gram rows."""
    tokens = inputs.tokens[inputs.token_offsets[d]:inputs.token_offsets[d + 1]]
    token_rows = [inputs.sub_rows[inputs.sub_offsets[t]:inputs.sub_offsets[t + 1]].tolist()
                  for t in tokens]
    return tokens, token_rows, inputs.ngrams[inputs.ngram_offsets[d]:
                                             inputs.ngram_offsets[d + 1]].tolist()


def _expected_buckets(docs, word_ngrams, min_n, max_n, bucket):
    char = [b for word in VOCAB for b in _python_char_buckets(word, min_n, max_n, bucket)]
    ngram = [b for doc in docs for b in _python_word_ngram_buckets(
        word_hashes([*doc, END_OF_DOCUMENT]), word_ngrams, bucket)]
    return sorted(set(char) | set(ngram))


def test_layout_rows_are_words_end_of_document_then_buckets_in_use():
    layout, corpus = _layout()
    assert layout.n_words == len(VOCAB)
    assert layout.end_of_document == len(VOCAB)
    assert layout.unseen_bucket == len(VOCAB) + 1
    assert layout.first_bucket_row == len(VOCAB) + 2
    assert layout.buckets.tolist() == _expected_buckets(DOCS, 2, 3, 4, 2_000_000)
    assert layout.n_rows == layout.first_bucket_row + len(layout.buckets)


def test_encode_matches_the_python_rules():
    layout, corpus = _layout()
    inputs = layout.encode(corpus)
    assert isinstance(inputs, DocumentInputs)
    for d, doc in enumerate(DOCS):
        tokens, token_rows, ngram_rows = _doc_rows(inputs, d)
        # Every document ends with the end-of-document token, whose only row is its own.
        assert len(tokens) == len(doc) + 1
        assert tokens[-1] == layout.end_of_document
        assert token_rows[-1] == [layout.end_of_document]
        for word, rows in zip(doc, token_rows[:-1], strict=True):
            char = _bucket_rows(layout, _python_char_buckets(word, 3, 4, 2_000_000))
            if word in VOCAB:
                assert rows == [VOCAB.index(word), *char], word
            else:  # outside the vocabulary: no own row, and its n-grams were not counted
                assert rows == char, word
        expected = _python_word_ngram_buckets(word_hashes([*doc, END_OF_DOCUMENT]), 2,
                                              2_000_000)
        assert ngram_rows == _bucket_rows(layout, expected), d
        # Every word n-gram of a training document has a row of its own.
        assert len(ngram_rows) == len(expected) and layout.unseen_bucket not in ngram_rows


def test_unknown_tokens_and_new_buckets_at_predict_time():
    layout, _ = _layout()
    unseen = layout.unseen_bucket
    own_rows = set(range(layout.first_bucket_row, layout.n_rows))
    # "cats" shares n-grams with "cat"; "qxzv" shares none; "cat sat" is a training
    # bigram, "sat cat" and "dog mat" are not.
    new_docs = [["cats", "sat", "cat"], ["qxzv"], ["cat", "sat"], ["dog", "mat"], []]
    inputs = layout.encode(_encode(new_docs))
    for d, doc in enumerate(new_docs):
        tokens, token_rows, ngram_rows = _doc_rows(inputs, d)
        assert tokens[-1] == layout.end_of_document
        for word, rows in zip(doc, token_rows[:-1], strict=True):
            char = _python_char_buckets(word, 3, 4, 2_000_000)
            if word not in VOCAB:
                # No own row: only n-gram rows, in fastText's order.
                assert rows == _bucket_rows(layout, char), word
                assert set(rows) <= own_rows | {unseen}
        buckets = _python_word_ngram_buckets(word_hashes([*doc, END_OF_DOCUMENT]), 2,
                                             2_000_000)
        assert ngram_rows == _bucket_rows(layout, buckets), d
    cats = _doc_rows(inputs, 0)[1][0]
    assert VOCAB.index("cat") not in cats and set(cats) & own_rows
    # Nothing of "qxzv" was seen in training: each of its n-grams reads the shared row.
    assert _doc_rows(inputs, 1)[1][0] == [unseen] * len(char_ngrams("qxzv", 3, 4))
    # Bigrams never seen in training get no row of their own: all three of document 0,
    # "dog mat" in document 3; "cat sat" and "sat </s>" (document 2) were both seen.
    assert not set(_doc_rows(inputs, 0)[2]) & own_rows
    assert len(set(_doc_rows(inputs, 2)[2]) & own_rows) == 2
    assert len([r for r in _doc_rows(inputs, 3)[2] if r in own_rows]) == 1
    assert _doc_rows(inputs, 4) == ([layout.end_of_document], [[layout.end_of_document]], [])
    assert inputs.ngrams.max() < layout.n_rows and inputs.sub_rows.max() < layout.n_rows


def test_dropped_tokens_are_left_out():
    layout, _ = _layout()
    docs = [["the", "[CLS]", "cat", "sat"], ["[CLS]"], ["dog"]]
    with_dropped = layout.encode(_encode(docs, dropped={"[CLS]"}))
    without = layout.encode(_encode([[t for t in doc if t != "[CLS]"] for doc in docs]))
    for a, b in zip(with_dropped, without, strict=True):
        np.testing.assert_array_equal(a, b)
    assert (with_dropped.tokens >= 0).all()
    assert np.diff(with_dropped.token_offsets).tolist() == [4, 1, 2]


def test_without_ngrams_every_token_reads_only_its_own_row():
    layout, corpus = _layout(word_ngrams=1, max_n=0)
    assert len(layout.buckets) == 0 and layout.n_rows == layout.first_bucket_row
    inputs = layout.encode(corpus)
    assert len(inputs.ngrams) == 0
    for d, doc in enumerate(DOCS):
        _, token_rows, _ = _doc_rows(inputs, d)
        assert token_rows == [[VOCAB.index(w)] if w in VOCAB else [] for w in doc] + [
            [len(VOCAB)]]


def test_document_vectors_are_the_mean_of_the_rows():
    layout, corpus = _layout(bucket=97)
    inputs = layout.encode(corpus)
    W_in = np.random.default_rng(0).normal(size=(layout.n_rows, DIM)).astype(np.float32)
    documents = np.array([5, 0, 3], dtype=np.int64)
    out = np.zeros((3, DIM), dtype=np.float32)
    document_vectors(W_in, inputs, documents, out)
    for i, d in enumerate(documents):
        _, token_rows, ngram_rows = _doc_rows(inputs, d)
        rows = [r for rows in token_rows for r in rows] + ngram_rows
        np.testing.assert_allclose(out[i], W_in[rows].mean(axis=0), atol=1e-6)


# ------------------------------------------------------------- one epoch, replayed

def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def _log_loss(margin):  # -log sigmoid(margin)
    return math.log1p(math.exp(-margin)) if margin > 0 else -margin + math.log1p(math.exp(margin))


def _output_reference(loss, W_out, label, indicator_row, hidden, scale, tree):
    """One document's output-layer step in NumPy; return (hidden gradient, loss)."""
    dim = len(hidden) - 1
    grad = np.zeros(dim, dtype=np.float64)
    total = 0.0
    if loss == SOFTMAX:
        scores = W_out @ hidden
        p = np.exp(scores.astype(np.float64) - scores.max())
        p /= p.sum()
        g = (scale * (np.eye(len(W_out))[label] - p)).astype(np.float32)
        grad = g @ W_out[:, :dim]
        W_out += np.outer(g, hidden).astype(np.float32)
        return grad, -math.log(p[label])
    if loss == HIERARCHICAL:
        codes, points, lengths = tree
        pairs = [(points[label, k], codes[label, k] == 0) for k in range(lengths[label])]
    elif indicator_row is not None:
        pairs = [(c, indicator_row[c] != 0) for c in range(len(W_out))]
    else:
        pairs = [(c, c == label) for c in range(len(W_out))]
    for row, positive in pairs:
        score = float(W_out[row] @ hidden)
        g = np.float32(scale * (float(positive) - _sigmoid(score)))
        grad += g * W_out[row, :dim]
        W_out[row] += g * hidden
        total += _log_loss(score if positive else -score)
    return grad, total


def _schedule(alpha, epoch, epochs, order, bounds, private=False, fit_intercept=True):
    return DocumentSchedule(alpha=float(alpha), epoch=epoch, epochs=epochs, order=order,
                            block_bounds=bounds, private_output=private,
                            fit_intercept=fit_intercept, compute_loss=True)


def _replay(loss, W_in, W_out, inputs, trainable, labels, indicator, weights, tree, alpha,
            epoch, epochs, fit_intercept):
    """Replay one epoch of ``classifier_epoch`` with one worker, in NumPy."""
    dim = W_in.shape[1]
    total_loss = 0.0
    for position, doc in enumerate(ORDER):
        rate = alpha * (1.0 - (epoch * len(ORDER) + position) / (epochs * len(ORDER)))
        _, token_rows, ngram_rows = _doc_rows(inputs, doc)
        rows = [r for rows in token_rows for r in rows] + ngram_rows
        hidden = np.full(dim + 1, 1.0 if fit_intercept else 0.0, dtype=np.float32)
        hidden[:dim] = W_in[rows].mean(axis=0) if rows else 0.0
        grad, step_loss = _output_reference(
            loss, W_out, labels[doc], None if indicator is None else indicator[doc], hidden,
            rate * weights[doc], tree)
        total_loss += weights[doc] * step_loss
        for row in rows:  # a row listed twice gets the gradient twice, as in fastText
            if trainable[row]:
                W_in[row] += (grad / len(rows)).astype(np.float32)
    return total_loss


def _setup(loss, multilabel=False, seed=0):
    layout, corpus = _layout(bucket=97)  # few buckets: rows shared within and across words
    inputs = layout.encode(corpus)
    rng = np.random.default_rng(seed)
    W_in = ((rng.random((layout.n_rows, DIM)) * 2 - 1) * 0.5).astype(np.float32)
    tree = class_tree(np.bincount(LABELS, minlength=3))
    n_out = 2 if loss == HIERARCHICAL else 3
    W_out = (rng.normal(size=(n_out, DIM + 1)) * 0.3).astype(np.float32)
    trainable = np.ones(layout.n_rows, dtype=np.uint8)
    trainable[[VOCAB.index("the"), layout.n_rows - 1]] = 0
    if loss != HIERARCHICAL:
        tree = (np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32))
    indicator = INDICATOR if multilabel else None
    return inputs, W_in, W_out, trainable, tree, indicator


def _kernel_epoch(loss, inputs, W_in, W_out, trainable, tree, indicator, alpha, epoch, epochs,
                  private=False, fit_intercept=True):
    output = ClassifierOutput(W_out, loss, *tree)
    targets = ClassTargets(LABELS, np.zeros((1, 1), np.uint8) if indicator is None
                           else indicator, indicator is not None, DOC_WEIGHTS)
    schedule = _schedule(alpha, epoch, epochs, ORDER, BOUNDS, private, fit_intercept)
    stats = block_stats(len(BOUNDS) - 1)
    classifier_epoch(W_in, trainable, inputs, output, targets, schedule, stats, 0,
                     len(BOUNDS) - 1, 1)
    return stats


CASES = [(SOFTMAX, False), (HIERARCHICAL, False), (ONE_VS_ALL, False), (ONE_VS_ALL, True)]


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("loss,multilabel", CASES)
def test_epoch_matches_numpy_replay(loss, multilabel, fit_intercept):
    inputs, W_in, W_out, trainable, tree, indicator = _setup(loss, multilabel)
    ref_in, ref_out = W_in.copy(), W_out.copy()
    frozen = W_in[trainable == 0].copy()
    bias = W_out[:, -1].copy()
    # The second of three epochs: the rate decays from 0.4 * 2/3 over these documents.
    ref_loss = _replay(loss, ref_in, ref_out, inputs, trainable, LABELS, indicator,
                       DOC_WEIGHTS, tree, 0.4, 1, 3, fit_intercept)
    stats = _kernel_epoch(loss, inputs, W_in, W_out, trainable, tree, indicator, 0.4, 1, 3,
                          fit_intercept=fit_intercept)
    if not fit_intercept:  # the bias column is neither read nor trained
        np.testing.assert_array_equal(W_out[:, -1], bias)
    assert stats.examples.tolist() == np.diff(BOUNDS).tolist()
    np.testing.assert_allclose(W_out, ref_out, atol=1e-5)
    np.testing.assert_allclose(W_in, ref_in, atol=1e-5)
    np.testing.assert_array_equal(W_in[trainable == 0], frozen)
    assert stats.loss.sum() == pytest.approx(ref_loss, rel=1e-5)
    assert np.abs(W_in - _setup(loss, multilabel)[1]).max() > 1e-3  # it did train


@pytest.mark.parametrize("loss,multilabel", CASES)
def test_private_output_copy_with_one_worker_gives_the_same_epoch(loss, multilabel):
    inputs, W_in, W_out, trainable, tree, indicator = _setup(loss, multilabel)
    shared_in, shared_out = W_in.copy(), W_out.copy()
    _kernel_epoch(loss, inputs, shared_in, shared_out, trainable, tree, indicator, 0.4, 0, 2)
    _kernel_epoch(loss, inputs, W_in, W_out, trainable, tree, indicator, 0.4, 0, 2,
                  private=True)
    # Within a block the copy is the layer; between blocks its change is added back.
    np.testing.assert_allclose(W_out, shared_out, atol=1e-6)
    np.testing.assert_allclose(W_in, shared_in, atol=1e-6)


# -------------------------------------------------------- single steps, closed form

def _one_document(rows, loss, W_out, label=0, indicator=None, weight=1.0, tree=None,
                  alpha=0.5, dim=2, seed=3):
    """Run ``classifier_epoch`` on one document whose single token reads ``rows``."""
    n_rows = max(rows) + 1
    W_in = np.random.default_rng(seed).normal(size=(n_rows, dim)).astype(np.float32)
    before = W_in.copy()
    inputs = DocumentInputs(np.zeros(1, np.int32), np.array([0, 1], np.int64),
                            np.array([0, len(rows)], np.int64), np.asarray(rows, np.int32),
                            np.zeros(0, np.int32), np.zeros(2, np.int64))
    if tree is None:
        tree = (np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32))
    targets = ClassTargets(np.array([label], np.int32),
                           np.zeros((1, 1), np.uint8) if indicator is None
                           else np.asarray([indicator], np.uint8),
                           indicator is not None, np.array([weight], np.float32))
    schedule = _schedule(alpha, 0, 1, np.array([0], np.int64), np.array([0, 1], np.int64))
    stats = block_stats(1)
    classifier_epoch(W_in, np.ones(n_rows, np.uint8), inputs,
                     ClassifierOutput(W_out, loss, *tree),
                     targets, schedule, stats, 0, 1, 1)
    hidden = np.append(before[rows].astype(np.float64).mean(axis=0), 1.0)
    return before, W_in, hidden, stats.loss[0]


def _check_input_step(before, after, rows, grad):
    expected = before.astype(np.float64).copy()
    for row in rows:  # each listed row gets grad / (number of rows), repeats included
        expected[row] += grad / len(rows)
    np.testing.assert_allclose(after, expected, atol=1e-6)


def test_softmax_step_closed_form():
    W_out = np.array([[0.2, -0.1, 0.3], [-0.4, 0.5, 0.0], [0.1, 0.1, -0.2]], np.float32)
    old = W_out.astype(np.float64).copy()
    rows = [0, 2, 2, 1]  # row 2 twice: it moves twice
    before, after, h, loss = _one_document(rows, SOFTMAX, W_out, label=1, weight=2.0)
    p = np.exp(old @ h) / np.exp(old @ h).sum()
    g = 0.5 * 2.0 * (np.array([0.0, 1.0, 0.0]) - p)  # alpha * weight * (1[c == y] - p_c)
    np.testing.assert_allclose(W_out, old + np.outer(g, h), atol=1e-6)  # bias column too
    assert W_out[1, 2] > old[1, 2] and W_out[0, 2] < old[0, 2]
    _check_input_step(before, after, rows, g @ old[:, :2])
    assert loss == pytest.approx(2.0 * -np.log(p[1]), rel=1e-5)


def test_softmax_update_alone():
    weights = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, -0.5]], np.float32)
    old = weights.astype(np.float64).copy()
    hidden = np.array([0.3, -0.2, 1.0], np.float32)
    grad = np.zeros(2, np.float32)
    loss = softmax_update(weights, 0, hidden, grad, 0.1, np.zeros(2, np.float32), True)
    p = np.exp(old @ hidden) / np.exp(old @ hidden).sum()
    g = 0.1 * (np.array([1.0, 0.0]) - p)
    np.testing.assert_allclose(weights, old + np.outer(g, hidden), atol=1e-7)
    np.testing.assert_allclose(grad, g @ old[:, :2], atol=1e-7)
    assert loss == pytest.approx(-np.log(p[0]), rel=1e-6)
    assert softmax_update(weights, 0, hidden, grad, 0.1, np.zeros(2, np.float32), False) == 0


def test_hierarchical_step_along_a_known_huffman_path():
    # Classes of 5, 3 and 2 documents: the root (node 1) splits class 0 (branch 1) from
    # node 0, which splits class 1 (branch 1) from class 2 (branch 0).
    codes, points, lengths = class_tree(np.array([5, 3, 2]))
    assert lengths.tolist() == [1, 2, 2]
    assert points[0, :1].tolist() == [1] and codes[0, :1].tolist() == [1]
    assert points[1].tolist() == [1, 0] and codes[1].tolist() == [0, 1]
    assert points[2].tolist() == [1, 0] and codes[2].tolist() == [0, 0]
    W_out = np.array([[0.3, -0.2, 0.1], [-0.5, 0.4, 0.2]], np.float32)
    old = W_out.astype(np.float64).copy()
    rows = [0, 1, 2]
    before, after, h, loss = _one_document(rows, HIERARCHICAL, W_out, label=1,
                                           tree=(codes, points, lengths), alpha=0.3)
    s_node, s_root = old @ h
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    # p(branch 0) = sigmoid(score): class 1 goes branch 0 at the root, 1 at node 0.
    g_root = 0.3 * (1 - sig(s_root))
    g_node = 0.3 * (0 - sig(s_node))
    np.testing.assert_allclose(W_out[1], old[1] + g_root * h, atol=1e-6)
    np.testing.assert_allclose(W_out[0], old[0] + g_node * h, atol=1e-6)
    _check_input_step(before, after, rows, g_root * old[1, :2] + g_node * old[0, :2])
    p_class1 = sig(s_root) * (1 - sig(s_node))
    assert loss == pytest.approx(-np.log(p_class1), rel=1e-5)


def test_one_vs_all_step_with_a_multilabel_target():
    W_out = np.array([[0.2, 0.1, -0.3], [-0.1, 0.4, 0.2], [0.0, -0.2, 0.1]], np.float32)
    old = W_out.astype(np.float64).copy()
    rows = [1, 0]
    before, after, h, loss = _one_document(rows, ONE_VS_ALL, W_out, indicator=[1, 0, 1],
                                           weight=0.5, alpha=0.2)
    sig = 1 / (1 + np.exp(-(old @ h)))
    g = 0.2 * 0.5 * (np.array([1.0, 0.0, 1.0]) - sig)
    np.testing.assert_allclose(W_out, old + np.outer(g, h), atol=1e-6)
    _check_input_step(before, after, rows, g @ old[:, :2])
    expected = -np.log(sig[0]) - np.log(1 - sig[1]) - np.log(sig[2])
    assert loss == pytest.approx(0.5 * expected, rel=1e-5)


def test_document_without_rows_trains_only_the_bias():
    W_out = np.zeros((2, 3), np.float32)
    inputs = DocumentInputs(np.zeros(0, np.int32), np.array([0, 0], np.int64),
                            np.array([0], np.int64), np.zeros(0, np.int32),
                            np.zeros(0, np.int32), np.zeros(2, np.int64))
    W_in = np.ones((1, 2), np.float32)
    targets = ClassTargets(np.array([1], np.int32), np.zeros((1, 1), np.uint8), False,
                           np.ones(1, np.float32))
    schedule = _schedule(0.5, 0, 1, np.array([0], np.int64), np.array([0, 1], np.int64))
    classifier_epoch(W_in, np.ones(1, np.uint8), inputs,
                     ClassifierOutput(W_out, SOFTMAX, np.zeros((1, 1), np.uint8),
                                      np.zeros((1, 1), np.int32), np.zeros(1, np.int32)),
                     targets, schedule, block_stats(1), 0, 1, 1)
    np.testing.assert_array_equal(W_in, 1.0)
    np.testing.assert_allclose(W_out, [[0, 0, -0.25], [0, 0, 0.25]], atol=1e-7)


# ----------------------------------------------------- the estimator end to end

@pytest.fixture(scope="module")
def fortunes():
    texts, labels = load_fortunes(return_X_y=True)
    keep = np.isin(labels, ["computers", "politics", "startrek", "food"])
    index = np.flatnonzero(keep)[:480]
    return [texts[i] for i in index], labels[index].astype(str)


def test_single_thread_fits_are_bit_identical(fortunes):
    texts, labels = fortunes
    params = dict(vector_size=16, epochs=3, word_ngrams=2, max_n=4, bucket=50_000,
                  random_state=7, n_jobs=1)
    a = FastTextClassifier(**params).fit(texts, labels)
    b = FastTextClassifier(**params).fit(texts, labels)
    np.testing.assert_array_equal(a.input_matrix_, b.input_matrix_)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
    assert a.loss_curve_ == b.loss_curve_
    c = FastTextClassifier(**{**params, "random_state": 8}).fit(texts, labels)
    assert not np.array_equal(a.input_matrix_, c.input_matrix_)


@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
def test_two_threads_are_finite_and_about_as_accurate(fortunes, loss):
    texts, labels = fortunes
    train, test = slice(0, 360), slice(360, None)
    scores = {}
    for n_jobs in (1, 2):
        clf = FastTextClassifier(vector_size=20, epochs=10, alpha=0.3, loss=loss,
                                 word_ngrams=2, random_state=0, n_jobs=n_jobs)
        clf.fit(texts[train], labels[train])
        assert np.isfinite(clf.input_matrix_).all() and np.isfinite(clf.coef_).all()
        scores[n_jobs] = clf.score(texts[test], labels[test])
    assert abs(scores[1] - scores[2]) < 0.08, scores


@pytest.mark.parametrize("alpha", [1.0, 5.0])
@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
def test_large_learning_rates_stay_finite(fortunes, loss, alpha):
    texts, labels = fortunes
    clf = FastTextClassifier(vector_size=16, epochs=3, alpha=alpha, loss=loss, word_ngrams=2,
                             max_n=4, bucket=50_000, random_state=0).fit(texts, labels)
    assert np.isfinite(clf.input_matrix_).all()
    assert np.isfinite(clf.coef_).all() and np.isfinite(clf.intercept_).all()
    assert np.isfinite(clf.loss_curve_).all()
    proba = clf.predict_proba([*texts[:20], "", "qqqq zzzz"])
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
