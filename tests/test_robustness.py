"""Hostile input and concurrency for the dense embeddings, Doc2Vec and the classifier:
arbitrary Unicode, degenerate documents and labels, huge documents, transform from several
threads, pickles in a fresh process."""

import os
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import assert_same_rows_in_a_fresh_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import is_classifier

from skembed import (
    Doc2VecTransformer,
    FastTextClassifier,
    FastTextTransformer,
    GloVeTransformer,
    SentenceEncoder,
    StaticEmbedding,
    Word2VecTransformer,
)
from skembed.datasets import load_fortunes, load_wordnet_glosses

SMALL = {"vector_size": 8, "min_count": 1, "epochs": 1, "random_state": 0}
EMBEDDINGS = [
    pytest.param(Word2VecTransformer, {}, id="word2vec"),
    pytest.param(Word2VecTransformer, {"architecture": "cbow",
                                       "objective": "hierarchical_softmax"}, id="cbow-hs"),
    pytest.param(FastTextTransformer, {"bucket": 1000}, id="fasttext"),
    pytest.param(GloVeTransformer, {}, id="glove"),
]
# Emoji, combining marks, right-to-left script, zero-width and control characters.
HOSTILE = ["👍🏽 family 👨‍👩‍👧", "e\u0301te\u0301 cafe\u0301", "שלום עולם مرحبا", "zero\u200bwidth",
           "ctrl\x00\x07\x1b[31mred", "", "   \t\n ", "a" * 5000, "ок ok ок ok"]
documents = st.lists(st.text(max_size=40), min_size=1, max_size=8)


def _check_rows(out, n_documents, width):
    assert out.shape == (n_documents, width)
    assert out.dtype == np.float32
    assert np.isfinite(out).all()


@pytest.mark.parametrize("estimator, params", EMBEDDINGS)
@pytest.mark.parametrize("pooling", ["mean", "max", "tfidf", "sif"])
def test_hostile_documents(estimator, params, pooling):
    model = estimator(**SMALL, **params, pooling=pooling, norm="l2")
    out = model.fit_transform(HOSTILE * 3)
    _check_rows(out, len(HOSTILE) * 3, 8)
    _check_rows(model.transform(HOSTILE[::-1] + ["never seen words only"]), len(HOSTILE) + 1, 8)
    # Documents with no token (empty, whitespace only) get zero rows, not NaN.
    assert not out[HOSTILE.index("")].any() and not out[HOSTILE.index("   \t\n ")].any()


@pytest.mark.parametrize("tokenizer", ["bpe", "wordpiece", "unigram"])
@pytest.mark.parametrize("estimator", [Word2VecTransformer, FastTextTransformer,
                                       GloVeTransformer, Doc2VecTransformer])
def test_hostile_documents_with_subword_tokenizers(estimator, tokenizer):
    model = estimator(**SMALL, tokenizer=tokenizer, subword_vocab_size=100)
    _check_rows(model.fit_transform(HOSTILE * 3), len(HOSTILE) * 3, 8)
    _check_rows(model.transform(["🙂 unseen ✓", ""]), 2, 8)


@pytest.mark.parametrize("estimator", [Word2VecTransformer, FastTextTransformer,
                                       GloVeTransformer, Doc2VecTransformer])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(train=documents, test=documents)
def test_arbitrary_unicode(estimator, train, test):
    model = estimator(**SMALL)
    try:
        model.fit(train)
    except ValueError as error:
        # The one acceptable failure: nothing to learn from, said plainly.
        assert "no tokens" in str(error) or "vocabulary is empty" in str(error)
        assert not hasattr(model, "vectors_")
        return
    _check_rows(model.transform(test), len(test), 8)


def test_million_token_document():
    rng = np.random.default_rng(0)
    words = np.array(load_fortunes(subset="test", return_X_y=True)[0][0].lower().split())
    big = " ".join(rng.choice(words, size=1_000_000))
    for estimator in (Word2VecTransformer, GloVeTransformer, Doc2VecTransformer):
        model = estimator(vector_size=8, min_count=1, epochs=1, n_jobs=2, random_state=0)
        out = model.fit_transform([big, "a small one"])
        _check_rows(out, 2, 8)
        assert model.counts_.sum() >= 1_000_000
        _check_rows(model.transform([big, "a small one"]), 2, 8)


@pytest.fixture(scope="module")
def fitted_models():
    texts, labels = load_fortunes(subset="train", return_X_y=True)
    texts, labels = texts[:1500], labels[:1500]
    return texts, [
        Word2VecTransformer(vector_size=16, min_count=2, epochs=2, random_state=0).fit(texts),
        FastTextTransformer(vector_size=16, min_count=2, epochs=2, bucket=50_000,
                            random_state=0).fit(texts),
        GloVeTransformer(vector_size=16, min_count=2, epochs=2, tokenizer="bpe",
                         subword_vocab_size=500, pooling="sif", random_state=0).fit(texts),
        FastTextClassifier(vector_size=16, epochs=2, word_ngrams=2, max_n=4, bucket=50_000,
                           random_state=0).fit(texts, labels),
        # Two threads infer: parallel kernels launched from several Python threads at once.
        Doc2VecTransformer(vector_size=16, min_count=2, epochs=2, n_jobs=2,
                           random_state=0).fit(texts),
    ]


def test_transform_from_several_threads_at_once(fitted_models):
    texts, models = fitted_models
    for model in models:
        for method in ("transform", "predict_proba"):
            if not hasattr(model, method):
                continue
            expected = getattr(model, method)(texts)
            with ThreadPoolExecutor(max_workers=4) as pool:
                results = list(pool.map(getattr(model, method), [texts] * 8))
            for result in results:
                np.testing.assert_array_equal(result, expected)


def test_pickled_models_give_identical_output_in_a_fresh_process(fitted_models, tmp_path):
    texts, models = fitted_models
    for number, model in enumerate(models):
        path = tmp_path / f"model{number}.pkl"
        path.write_bytes(pickle.dumps(model))
        np.save(tmp_path / f"expected{number}.npy", model.transform(texts[:200]))
    script = (
        "import pickle, sys, numpy as np\n"
        "from skembed.datasets import load_fortunes\n"
        "texts = load_fortunes(subset='train', return_X_y=True)[0][:200]\n"
        f"folder = {str(tmp_path)!r}\n"
        f"for number in range({len(models)}):\n"
        "    with open(f'{folder}/model{number}.pkl', 'rb') as handle:\n"
        "        model = pickle.load(handle)\n"
        "    expected = np.load(f'{folder}/expected{number}.npy')\n"
        "    assert np.array_equal(model.transform(texts), expected), number\n"
        "print('identical')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "identical"


class _Interrupt:
    def on_epoch_end(self, estimator, epoch, logs):
        raise KeyboardInterrupt


@pytest.mark.parametrize("method", ["fit", "fit_transform"])
@pytest.mark.parametrize("estimator", [Word2VecTransformer, FastTextTransformer,
                                       GloVeTransformer, FastTextClassifier,
                                       Doc2VecTransformer])
def test_interrupted_fit_leaves_nothing_fitted_and_threads_restored(estimator, method,
                                                                    fitted_models):
    import numba

    texts, _ = fitted_models
    y = None
    if is_classifier(estimator()):
        y = load_fortunes(subset="train", return_X_y=True)[1][:300]
    before = numba.get_num_threads()
    model = estimator(**SMALL, n_jobs=2).fit(texts[:300], y)   # fitted once already
    model.set_params(callbacks=[_Interrupt()], epochs=3)
    with pytest.raises(KeyboardInterrupt):
        getattr(model, method)(texts[:300], y)
    assert numba.get_num_threads() == before
    # No fitted attribute is left, the private ones (Doc2Vec's output layer) included.
    assert not [name for name in vars(model) if name.endswith("_")]
    with pytest.raises(Exception, match="not fitted"):
        model.transform(texts[:2])


_FORK_SCRIPT = """
import multiprocessing as mp, os, numpy as np
from skembed import Word2VecTransformer
from skembed.datasets import load_fortunes

def work(texts):
    setting = os.environ.get("TOKENIZERS_PARALLELISM")
    # With the user's "true" a forked child may hang in the pool: only report then.
    return setting, model.transform(texts) if setting == "false" else expected[:0]

texts = load_fortunes(subset="train", return_X_y=True)[0][:800]
model = Word2VecTransformer(vector_size=8, min_count=2, epochs=1, tokenizer="bpe",
                            subword_vocab_size=400, random_state=0).fit(texts)
expected = model.transform(texts[:40])
with mp.get_context("fork").Pool(2) as pool:
    parts = pool.map(work, [texts[:20], texts[20:40]])
if parts[0][0] == "false":
    assert np.array_equal(np.vstack([rows for _, rows in parts]), expected)
print({setting for setting, _ in parts}, os.environ.get("TOKENIZERS_PARALLELISM"))
"""


@pytest.mark.parametrize("user_setting", [None, "true"])
def test_forked_workers_after_a_trained_tokenizer_ran(user_setting):
    # The tokenizers package runs a thread pool; a fork after it has run must not hang,
    # nor print tokenizers' fork warning in every worker. Run in a subprocess with a
    # timeout, so a deadlock fails the test instead of CI.
    env = {k: v for k, v in os.environ.items() if k != "TOKENIZERS_PARALLELISM"}
    if user_setting is not None:
        env["TOKENIZERS_PARALLELISM"] = user_setting
    done = subprocess.run([sys.executable, "-c", _FORK_SCRIPT], capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    if user_setting is None:
        # Workers start with parallelism off; the parent's setting is left as it was.
        assert done.stdout.strip() == "{'false'} None"
        assert "huggingface/tokenizers" not in done.stderr
    else:
        assert done.stdout.strip() == "{'true'} true"  # the user's choice is kept


_CACHE_SCRIPT = """
import sys, warnings
import numpy as np
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from skembed import OneHotWordEncoder, Word2VecTransformer
    from skembed._kernels import CACHE
from numba.core import config
docs = ["the cat sat on the mat", "the dog sat on the log"]
if sys.argv[1] == "word2vec":  # compiles the training kernels
    model = Word2VecTransformer(vector_size=8, min_count=1, epochs=1, random_state=0, n_jobs=1)
    rows = model.fit_transform(docs)
    assert rows.shape == (2, 8) and np.isfinite(rows).all()
else:  # compiles the vocabulary kernels only
    assert OneHotWordEncoder().fit_transform(docs).shape == (2, 7)
warned = any("no writable directory" in str(w.message) for w in caught)
print(CACHE, config.CACHE_DIR or "-", warned)
"""


def _numba_cache_run(tmp_path, fit="onehot", **env):
    numba_config = pytest.importorskip("numba.core.config")
    if not hasattr(numba_config, "CACHE_LOCATOR_CLASSES"):
        pytest.skip("this numba cannot restrict its cache locators (NUMBA_CACHE_LOCATOR_CLASSES)")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CACHE")}
    done = subprocess.run([sys.executable, "-c", _CACHE_SCRIPT, fit], capture_output=True,
                          text=True, timeout=300, env={**clean, "TMPDIR": str(tmp_path), **env})
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_no_writable_numba_cache_anywhere_still_imports_and_fits(tmp_path):
    # Only the IPython locator, which finds nothing for a file: as for a read-only
    # install with no writable home; and the private fallback is unusable (a file).
    (tmp_path / f"skembed-numba-cache-{os.getuid()}").write_text("not a directory")
    cache, cache_dir, warned = _numba_cache_run(
        tmp_path, fit="word2vec",
        NUMBA_CACHE_LOCATOR_CLASSES="IPythonCacheLocator,UserProvidedCacheLocator")
    assert (cache, cache_dir, warned) == ("False", "-", "True")


@pytest.mark.parametrize("fit", ["onehot", "word2vec"])
def test_unwritable_package_cache_falls_back_to_a_private_directory(tmp_path, fit):
    # No in-tree or per-user location: skembed caches under TMPDIR, in a directory only
    # this user can write. numba's process-wide cache setting points there only while
    # skembed's kernels are decorated: afterwards it is as the user left it ("-": unset).
    cache, cache_dir, warned = _numba_cache_run(
        tmp_path, fit=fit,
        NUMBA_CACHE_LOCATOR_CLASSES="IPythonCacheLocator,UserProvidedCacheLocator")
    private = tmp_path / f"skembed-numba-cache-{os.getuid()}"
    assert (cache, cache_dir, warned) == ("True", "-", "False")
    assert (private.stat().st_mode & 0o777) == 0o700
    # The kernels that ran were cached there, those decorated after the probe included.
    cached = {path.name.split("-")[0] for path in private.rglob("*.nbi")}
    assert "_corpus.add_counts" in cached, cached
    assert ("_word2vec.skipgram_epoch" in cached) == (fit == "word2vec"), cached


def test_a_directory_others_can_write_is_never_used_for_the_cache(tmp_path):
    shared = tmp_path / f"skembed-numba-cache-{os.getuid()}"
    shared.mkdir()
    shared.chmod(0o777)  # someone could plant compiled code (loaded with pickle) here
    cache, cache_dir, warned = _numba_cache_run(
        tmp_path, NUMBA_CACHE_LOCATOR_CLASSES="IPythonCacheLocator,UserProvidedCacheLocator")
    assert (cache, cache_dir, warned) == ("False", "-", "True")
    assert not list(shared.rglob("*.nbi"))


def test_an_unusable_numba_cache_dir_does_not_break_import(tmp_path):
    cache, _, warned = _numba_cache_run(tmp_path, NUMBA_CACHE_DIR="/dev/null/numba-cache")
    assert warned == "False" and cache == "True"  # numba moves on to the next locator


def test_a_planted_symlink_is_never_used_for_the_cache(tmp_path):
    # Someone else's link to a directory of ours could later be pointed elsewhere.
    target = tmp_path / "ours"
    target.mkdir(mode=0o700)
    (tmp_path / f"skembed-numba-cache-{os.getuid()}").symlink_to(target)
    cache, cache_dir, warned = _numba_cache_run(
        tmp_path, NUMBA_CACHE_LOCATOR_CLASSES="IPythonCacheLocator,UserProvidedCacheLocator")
    assert (cache, cache_dir, warned) == ("False", "-", "True")
    assert not list(target.rglob("*.nbi"))


@pytest.mark.parametrize("pooling", ["mean", "sum", "max", "tfidf", "sif"])
def test_hostile_documents_with_frozen_vectors(pooling):
    texts = list(load_fortunes(subset="train", return_X_y=True)[0][:400])
    vectors = Word2VecTransformer(vector_size=16, min_count=2, epochs=2,
                                  random_state=0).fit(texts).vectors_
    static = StaticEmbedding(vectors, pooling=pooling, norm="l2")
    rows = static.fit_transform(HOSTILE * 2 + ["the computer"])
    assert rows.shape == (2 * len(HOSTILE) + 1, 16) and np.isfinite(rows).all()


def test_hostile_documents_with_a_sentence_encoder(tmp_path):
    from tiny_teacher import build_tiny_teacher

    teacher = build_tiny_teacher(tmp_path, load_wordnet_glosses()[:3000], vocab_size=500,
                                 max_length=24)
    rows = SentenceEncoder(teacher, batch_size=3).fit_transform(HOSTILE)
    assert rows.shape == (len(HOSTILE), 32) and np.isfinite(rows).all()
    with pytest.raises(ValueError, match="leaves no room for text"):
        SentenceEncoder(teacher, max_length=2).fit()


# ------------------------------------------------------------------ the classifier's inputs

CLASSIFIER = {"vector_size": 8, "epochs": 2, "random_state": 0, "n_jobs": 1}
PREDICTIONS = ["transform", "predict", "predict_proba", "predict_log_proba",
               "decision_function"]


def _two_classes(n):
    return np.array(["even", "odd"])[np.arange(n) % 2]


def _fitted_attributes(model):
    return [name for name in vars(model) if name.endswith("_") and not name.startswith("_")]


@pytest.fixture(scope="module")
def fortunes():
    texts, labels = load_fortunes(subset="train", return_X_y=True)
    return texts[:400], labels[:400]


@pytest.fixture(scope="module")
def classifier(fortunes):
    return FastTextClassifier(**CLASSIFIER, word_ngrams=2).fit(*fortunes)


# What is not an ordered collection of str documents, the error and the message naming it.
NOT_DOCUMENTS = [
    ("a cat sat", ValueError, "got a single str; wrap it in a list"),
    (b"a cat sat", ValueError, "got a single bytes; wrap it in a list"),
    ({"a cat sat", "a dog sat"}, TypeError, "got a set, which has no order"),
    ({"one": "a cat sat", "two": "a dog sat"}, TypeError, r"got a mapping \(dict\)"),
    (["a cat sat", None, "a dog sat"], TypeError, "document 1 is None"),
    (["a cat sat", "a dog sat", 42], TypeError, "document 2 is of type int"),
    (["a cat sat", b"a dog sat"], TypeError, "document 1 is of type bytes"),
    (["a cat sat", float("nan")], TypeError, r"document 1 is a missing value \(float NaN"),
    ([["a", "cat"], ["a", "dog"]], TypeError, "document 0 is of type list"),
]
NOT_DOCUMENTS_IDS = ["str", "bytes", "set", "dict", "None", "int", "bytes-item", "nan",
                     "tokens"]


@pytest.mark.parametrize("X, error, message", NOT_DOCUMENTS, ids=NOT_DOCUMENTS_IDS)
def test_classifier_refuses_what_is_not_documents(classifier, X, error, message):
    model = FastTextClassifier(**CLASSIFIER)
    with pytest.raises(error, match=message):
        model.fit(X, _two_classes(len(X)))
    assert not _fitted_attributes(model)
    for method in PREDICTIONS:
        with pytest.raises(error, match=message):
            getattr(classifier, method)(X)


def test_classifier_on_no_documents_or_no_words(classifier):
    with pytest.raises(ValueError, match="X contains no documents"):
        FastTextClassifier(**CLASSIFIER).fit([], ["a", "b"])
    # y is checked first: an empty y is refused by scikit-learn's check of y.
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        FastTextClassifier(**CLASSIFIER).fit([], [])
    with pytest.raises(ValueError, match="contain no tokens.* nothing to build a vocabulary"):
        FastTextClassifier(**CLASSIFIER).fit(["", "   ", "\n\t", ""], _two_classes(4))
    with pytest.raises(ValueError, match=r"the vocabulary is empty: min_count=5"):
        FastTextClassifier(**CLASSIFIER, min_count=5).fit(["a cat", "a dog"], ["x", "y"])
    # Nothing to predict: empty answers of the right shape.
    n_classes, dim = len(classifier.classes_), classifier.input_matrix_.shape[1]
    assert classifier.transform([]).shape == (0, dim)
    assert classifier.predict([]).shape == (0,)
    assert classifier.predict_proba([]).shape == (0, n_classes)
    assert classifier.decision_function([]).shape == (0, n_classes)
    # Documents with no known word get a finite guess; those with no token at all, the
    # end-of-document row alone.
    unknown = ["", "   ", "\x00\x07", "zzzqqq xxyyzz"]
    rows = classifier.transform(unknown)
    assert np.isfinite(rows).all() and (rows[:3] == rows[0]).all()
    proba = classifier.predict_proba(unknown)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1)


@pytest.mark.parametrize("y, message", [
    ([0.0, np.nan, 1.0, 0.0], r"Input y contains NaN"),
    ([0.0, np.inf, 1.0, 0.0], r"Input y contains infinity"),
    (np.array(["x", np.nan, "y", "x"], dtype=object), r"Input contains NaN"),
    (["x", "y", "x"], r"X has 4 documents but y has 3 labels"),
    (["x", "y", "x", "y", "x"], r"X has 4 documents but y has 5 labels"),
    (["x", "x", "x", "x"], r"at least 2 classes .* only one class"),
    ([0.1, 0.2, 0.3, 0.4], r"Unknown label type: continuous"),
    ([[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 1, 2]], r"y has shape \(4, 3\)"),
    ([[1, 0], [0, 1], [1, 1], [0, 0]], r"indicator matrix .* only loss='ova'"),
    (None, r"requires y to be passed"),
], ids=["nan", "inf", "object-nan", "short", "long", "one-class", "continuous",
        "multioutput", "indicator-softmax", "None"])
def test_classifier_refuses_bad_labels(y, message):
    docs = ["a cat sat", "a dog sat", "the cat ran", "the dog ran"]
    model = FastTextClassifier(**CLASSIFIER)
    with pytest.raises(ValueError, match=message):
        model.fit(docs, y)
    with pytest.raises(ValueError, match=message):
        model.fit((doc for doc in docs), y)  # the same from a generator
    assert not _fitted_attributes(model)


def test_classifier_names_labels_of_mixed_types():
    with pytest.raises(TypeError, match=r"y mixes labels of types \['NoneType', 'str'\]"):
        FastTextClassifier(**CLASSIFIER).fit(["a cat", "a dog", "a fox"],
                                             np.array(["x", None, "y"], dtype=object))


def test_classifier_bad_sample_weights():
    docs, y = ["a cat sat", "a dog sat", "the cat ran"], ["x", "y", "x"]
    for weights, message in [([1, -1, 1], r"non-negative; document 1 has -1.0"),
                             ([1, np.nan, 1], r"Input sample_weight contains NaN"),
                             ([1, 1], r"sample_weight has shape \(2,\); expected \(3,\)")]:
        with pytest.raises(ValueError, match=message):
            FastTextClassifier(**CLASSIFIER).fit(docs, y, sample_weight=weights)


@pytest.mark.parametrize("bucket", [1, 2**31 - 1])
def test_classifier_extreme_buckets(fortunes, bucket):
    # One bucket for every n-gram, or the largest hash space: only buckets seen get a row.
    texts, labels = fortunes
    model = FastTextClassifier(**CLASSIFIER, word_ngrams=3, max_n=5, bucket=bucket)
    model.fit(texts, labels)
    assert len(model.ngram_buckets_) <= min(bucket, 100_000)
    assert model.input_matrix_.shape[0] <= len(model.vocabulary_) + 2 + len(model.ngram_buckets_)
    proba = model.predict_proba(texts[:50] + HOSTILE)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1)


class _OneShot:
    """An iterable that can be read once only."""

    def __init__(self, docs):
        self.docs, self.reads = docs, 0

    def __iter__(self):
        self.reads += 1
        if self.reads > 1:
            raise AssertionError("X was read twice")
        return iter(self.docs)


@pytest.mark.parametrize("params", [{}, {"tokenizer": "bpe", "subword_vocab_size": 300},
                                    {"word_ngrams": 2, "max_n": 4}],
                         ids=["word", "bpe", "ngrams"])
def test_classifier_reads_X_once(fortunes, params):
    texts, labels = fortunes
    expected = FastTextClassifier(**CLASSIFIER, **params).fit(texts, labels)
    for X in (_OneShot(texts), (doc for doc in texts)):
        model = FastTextClassifier(**CLASSIFIER, **params)
        rows = model.fit_transform(X, labels)
        np.testing.assert_array_equal(rows, expected.transform(texts))
        np.testing.assert_array_equal(model.predict_proba(_OneShot(texts)),
                                      expected.predict_proba(texts))


@pytest.mark.parametrize("params", [{}, {"word_ngrams": 2, "max_n": 4, "loss": "hs"},
                                    {"tokenizer": "wordpiece", "subword_vocab_size": 100},
                                    {"loss": "ova"}],
                         ids=["softmax", "ngrams-hs", "wordpiece", "ova"])
def test_classifier_hostile_documents(params):
    docs = HOSTILE * 3
    model = FastTextClassifier(**CLASSIFIER, **params)
    rows = model.fit_transform(docs, _two_classes(len(docs)))
    _check_rows(rows, len(docs), 8)
    proba = model.predict_proba(HOSTILE[::-1] + ["never seen words only", "🙂"])
    assert proba.shape == (len(HOSTILE) + 2, 2) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(train=st.lists(st.text(max_size=40), min_size=2, max_size=8), test=documents)
def test_classifier_arbitrary_unicode(train, test):
    model = FastTextClassifier(**CLASSIFIER, word_ngrams=2, max_n=3)
    try:
        model.fit(train, _two_classes(len(train)))
    except ValueError as error:
        assert "no tokens" in str(error)
        assert not _fitted_attributes(model)
        return
    _check_rows(model.transform(test), len(test), 8)
    proba = model.predict_proba(test)
    assert np.isfinite(proba).all() and proba.shape == (len(test), 2)


def test_classifier_million_token_document():
    rng = np.random.default_rng(0)
    words = np.array(load_fortunes(subset="test", return_X_y=True)[0][0].lower().split())
    big = " ".join(rng.choice(words, size=1_000_000))
    model = FastTextClassifier(vector_size=8, epochs=1, word_ngrams=2, n_jobs=2,
                               random_state=0)
    rows = model.fit_transform([big, "a small one", big[:1000]], ["big", "small", "big"])
    _check_rows(rows, 3, 8)
    assert model.counts_.sum() >= 1_000_000
    assert np.isfinite(model.predict_proba([big])).all()


def test_classifier_interrupted_fit_transform_leaves_nothing_fitted(classifier, fortunes):
    texts, labels = fortunes
    model = FastTextClassifier(**CLASSIFIER, callbacks=[_Interrupt()])
    with pytest.raises(KeyboardInterrupt):
        model.fit_transform(texts, labels)
    assert not [name for name in vars(model) if name.endswith("_")]  # private ones too
    with pytest.raises(Exception, match="not fitted"):
        model.predict(texts[:2])


@pytest.mark.parametrize("params", [{"word_ngrams": 2, "max_n": 4, "loss": "hs"},
                                    {"loss": "ova", "tokenizer": "bpe",
                                     "subword_vocab_size": 300}],
                         ids=["ngrams-hs", "ova-bpe"])
def test_pickled_classifier_predicts_alike_in_a_fresh_process(fortunes, params, tmp_path):
    texts, labels = fortunes
    model = FastTextClassifier(**CLASSIFIER, **params).fit(texts, labels)
    np.save(tmp_path / "proba.npy", model.predict_proba(texts[:50]))
    np.save(tmp_path / "predicted.npy", model.predict(texts[:50]).astype(str))
    check = (
        "from skembed.datasets import load_fortunes\n"
        "docs = load_fortunes(subset='train', return_X_y=True)[0][:50]\n"
        "np.testing.assert_array_equal(model.predict_proba(docs),"
        " np.load(folder + '/proba.npy'))\n"
        "np.testing.assert_array_equal(model.predict(docs).astype(str),"
        " np.load(folder + '/predicted.npy'))"
    )
    assert_same_rows_in_a_fresh_process(model, texts[:50], tmp_path, check=check)


# ------------------------------------------------------------------------- Doc2Vec's inputs

DOC2VEC = {"vector_size": 8, "min_count": 1, "epochs": 2, "random_state": 0, "n_jobs": 1}
DOC2VEC_MODES = [pytest.param({}, id="dm-mean"),
                 pytest.param({"dm_mean": False}, id="dm-sum"),
                 pytest.param({"dm": False, "dbow_words": True}, id="dbow-words"),
                 pytest.param({"dm": False, "objective": "hierarchical_softmax"}, id="dbow-hs")]


@pytest.fixture(scope="module")
def doc2vec(fortunes):
    return Doc2VecTransformer(**DOC2VEC).fit(fortunes[0])


@pytest.mark.parametrize("X, error, message", NOT_DOCUMENTS, ids=NOT_DOCUMENTS_IDS)
def test_doc2vec_refuses_what_is_not_documents(doc2vec, X, error, message):
    for method in ("fit", "fit_transform"):
        model = Doc2VecTransformer(**DOC2VEC)
        with pytest.raises(error, match=message):
            getattr(model, method)(X)
        assert not [name for name in vars(model) if name.endswith("_")]
    with pytest.raises(error, match=message):
        doc2vec.transform(X)


def test_doc2vec_on_no_documents_or_no_words(doc2vec):
    for X, params, message in [
        ([], {}, "X contains no documents"),
        ((doc for doc in []), {}, "X contains no documents"),
        (["", "   ", "\n\t", ""], {}, "contain no tokens.* nothing to build a vocabulary"),
        (["a cat", "a dog"], {"min_count": 5}, r"the vocabulary is empty: min_count=5"),
        # Hierarchical softmax needs a tree: two words at least.
        (["a a a", "a"], {"objective": "hierarchical_softmax"},
         "hierarchical_softmax needs at least 2 tokens"),
    ]:
        model = Doc2VecTransformer(**{**DOC2VEC, **params})
        with pytest.raises(ValueError, match=message):
            model.fit_transform(X)
        assert not [name for name in vars(model) if name.endswith("_")]
    # Nothing to infer: an empty answer of the right shape; no known word: a zero row.
    empty = doc2vec.transform([])
    assert empty.shape == (0, 8) and empty.dtype == np.float32
    np.testing.assert_array_equal(doc2vec.transform(["", "   ", "\x00\x07", "zzzqqq xxyyzz"]),
                                  0.0)


@pytest.mark.parametrize("mode", DOC2VEC_MODES)
def test_doc2vec_hostile_documents(mode):
    model = Doc2VecTransformer(**DOC2VEC, **mode)
    trained = model.fit_transform(HOSTILE * 3)
    _check_rows(trained, len(HOSTILE) * 3, 8)
    # Documents with no token have nothing to train their row: zeros, trained or inferred.
    no_token = [HOSTILE.index(""), HOSTILE.index("   \t\n ")]
    np.testing.assert_array_equal(trained[no_token], 0.0)
    inferred = model.transform(HOSTILE[::-1] + ["never seen words only"])
    _check_rows(inferred, len(HOSTILE) + 1, 8)
    np.testing.assert_array_equal(inferred[-1], 0.0)
    assert inferred[:-1].any(axis=1).sum() == len(HOSTILE) - len(no_token)


def test_doc2vec_reads_X_once(fortunes):
    texts, _ = fortunes
    for params in ({}, {"dm": False, "dbow_words": True},
                   {"tokenizer": "bpe", "subword_vocab_size": 300}):
        expected = Doc2VecTransformer(**DOC2VEC, **params).fit(texts)
        for X in (_OneShot(texts), (doc for doc in texts)):
            model = Doc2VecTransformer(**DOC2VEC, **params)
            np.testing.assert_array_equal(model.fit_transform(X), expected.document_vectors_)
            np.testing.assert_array_equal(model.transform(_OneShot(texts[:50])),
                                          expected.transform(texts[:50]))


@pytest.mark.parametrize("mode", DOC2VEC_MODES)
def test_doc2vec_transform_does_not_depend_on_the_thread_count(fortunes, mode):
    import numba

    texts, _ = fortunes
    docs = texts[:150] + HOSTILE
    # Trained on two threads (Hogwild, not reproducible), then frozen: inference is.
    model = Doc2VecTransformer(**{**DOC2VEC, "n_jobs": 2}, **mode).fit(texts)
    expected = model.transform(docs)
    before = numba.get_num_threads()
    for n_jobs in (1, -1, 3):
        np.testing.assert_array_equal(model.set_params(n_jobs=n_jobs).transform(docs),
                                      expected)
    assert numba.get_num_threads() == before
    # Several Python threads inferring at once, each with two numba threads.
    model.set_params(n_jobs=2)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(model.transform, [docs, docs[::-1], docs]))
    np.testing.assert_array_equal(results[0], expected)
    np.testing.assert_array_equal(results[1][::-1], expected)
    np.testing.assert_array_equal(results[2], expected)


@pytest.mark.parametrize("params", [{"dm": False, "dbow_words": True},
                                    {"dm": False, "objective": "hierarchical_softmax"},
                                    {"dm_mean": False, "tokenizer": "bpe",
                                     "subword_vocab_size": 300}],
                         ids=["dbow-words", "dbow-hs", "dm-sum-bpe"])
def test_pickled_doc2vec_infers_alike_in_a_fresh_process(fortunes, params, tmp_path):
    texts, _ = fortunes
    model = Doc2VecTransformer(**DOC2VEC, **params).fit(texts)
    np.save(tmp_path / "trained.npy", model.document_vectors_)
    check = ("np.testing.assert_array_equal(model.document_vectors_,"
             " np.load(folder + '/trained.npy'))")
    assert_same_rows_in_a_fresh_process(model, texts[:80] + HOSTILE, tmp_path, check=check)
