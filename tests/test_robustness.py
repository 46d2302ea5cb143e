"""Hostile input and concurrency for the dense embeddings: arbitrary Unicode, degenerate
documents, huge documents, transform from several threads, pickles in a fresh process."""

import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skembed import FastTextTransformer, GloVeTransformer, Word2VecTransformer
from skembed.datasets import load_fortunes

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
                                       GloVeTransformer])
def test_hostile_documents_with_subword_tokenizers(estimator, tokenizer):
    model = estimator(**SMALL, tokenizer=tokenizer, subword_vocab_size=100)
    _check_rows(model.fit_transform(HOSTILE * 3), len(HOSTILE) * 3, 8)
    _check_rows(model.transform(["🙂 unseen ✓", ""]), 2, 8)


@pytest.mark.parametrize("estimator", [Word2VecTransformer, FastTextTransformer,
                                       GloVeTransformer])
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
    for estimator in (Word2VecTransformer, GloVeTransformer):
        model = estimator(vector_size=8, min_count=1, epochs=1, n_jobs=2, random_state=0)
        out = model.fit_transform([big, "a small one"])
        _check_rows(out, 2, 8)
        assert model.counts_.sum() >= 1_000_000


@pytest.fixture(scope="module")
def fitted_models():
    texts = load_fortunes(subset="train", return_X_y=True)[0][:1500]
    return texts, [
        Word2VecTransformer(vector_size=16, min_count=2, epochs=2, random_state=0).fit(texts),
        FastTextTransformer(vector_size=16, min_count=2, epochs=2, bucket=50_000,
                            random_state=0).fit(texts),
        GloVeTransformer(vector_size=16, min_count=2, epochs=2, tokenizer="bpe",
                         subword_vocab_size=500, pooling="sif", random_state=0).fit(texts),
    ]


def test_transform_from_several_threads_at_once(fitted_models):
    texts, models = fitted_models
    for model in models:
        expected = model.transform(texts)
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(model.transform, [texts] * 8))
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


@pytest.mark.parametrize("estimator", [Word2VecTransformer, FastTextTransformer,
                                       GloVeTransformer])
def test_interrupted_fit_leaves_nothing_fitted_and_threads_restored(estimator, fitted_models):
    import numba

    texts, _ = fitted_models
    before = numba.get_num_threads()
    model = estimator(**SMALL, n_jobs=2).fit(texts[:300])   # fitted once already
    model.set_params(callbacks=[_Interrupt()], epochs=3)
    with pytest.raises(KeyboardInterrupt):
        model.fit(texts[:300])
    assert numba.get_num_threads() == before
    assert not [name for name in vars(model) if name.endswith("_") and not name.startswith("_")]
    with pytest.raises(Exception, match="not fitted"):
        model.transform(texts[:2])


def test_forked_workers_after_a_trained_tokenizer_ran():
    # The tokenizers package runs a thread pool; a fork after it has run must not hang.
    # Run in a subprocess with a timeout, so a deadlock fails the test instead of CI.
    script = (
        "import multiprocessing as mp, numpy as np\n"
        "from skembed import Word2VecTransformer\n"
        "from skembed.datasets import load_fortunes\n"
        "texts = load_fortunes(subset='train', return_X_y=True)[0][:800]\n"
        "model = Word2VecTransformer(vector_size=8, min_count=2, epochs=1, tokenizer='bpe',\n"
        "                            subword_vocab_size=400, random_state=0).fit(texts)\n"
        "expected = model.transform(texts[:40])\n"
        "with mp.get_context('fork').Pool(2) as pool:\n"
        "    parts = pool.map(model.transform, [texts[:20], texts[20:40]])\n"
        "assert np.array_equal(np.vstack(parts), expected)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
