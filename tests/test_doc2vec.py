"""Doc2VecTransformer: training, reproducible inference, the trained rows."""

import numpy as np
import pytest
from test_word2vec import fit_batched_and_pairwise

from skembed import Doc2VecTransformer
from skembed.datasets import load_fortunes

SMALL = {"vector_size": 16, "min_count": 2, "epochs": 8, "random_state": 0}


@pytest.fixture(scope="module")
def texts():
    X, _ = load_fortunes(subset="train", return_X_y=True)
    return X[:600]


MODES = [pytest.param({"dm": False}, id="dbow"), pytest.param({"dm": True}, id="dm-mean"),
         pytest.param({"dm": True, "dm_mean": False}, id="dm-sum"),
         pytest.param({"dm": False, "dbow_words": True}, id="dbow-words"),
         pytest.param({"dm": False, "objective": "hierarchical_softmax"}, id="dbow-hs")]


@pytest.mark.parametrize("mode", MODES)
def test_inference_does_not_depend_on_threads_order_or_batching(texts, mode):
    model = Doc2VecTransformer(**SMALL, **mode, n_jobs=2).fit(texts)
    rows = model.transform(texts[:200])
    assert rows.shape == (200, 16) and rows.dtype == np.float32
    assert np.isfinite(rows).all()
    np.testing.assert_array_equal(model.transform(texts[:200][::-1])[::-1], rows)
    np.testing.assert_array_equal(np.vstack([model.transform(texts[:70]),
                                             model.transform(texts[70:200])]), rows)
    model.set_params(n_jobs=1)
    np.testing.assert_array_equal(model.transform(texts[:200]), rows)
    # Another seed, another inference seed: other rows.
    other = Doc2VecTransformer(**{**SMALL, "random_state": 1}, **mode).fit(texts)
    assert other.inference_seed_ != model.inference_seed_


@pytest.mark.parametrize("mode", MODES)
def test_inferred_training_documents_are_close_to_their_trained_rows(texts, mode):
    model = Doc2VecTransformer(**{**SMALL, "epochs": 40}, **mode)
    trained = model.fit_transform(texts)
    inferred = model.transform(texts)
    norms = np.linalg.norm(trained, axis=1) * np.linalg.norm(inferred, axis=1)
    cosine = np.sum(trained * inferred, axis=1)[norms > 0] / norms[norms > 0]
    assert cosine.mean() > 0.5, cosine.mean()
    # Each document's inferred row is nearer (in cosine) its own trained row than most.
    unit = np.linalg.norm(trained, axis=1, keepdims=True)
    similarity = inferred @ (trained / np.where(unit > 0, unit, 1)).T
    rank = (similarity > similarity[np.arange(len(texts)), np.arange(len(texts))][:, None])
    assert np.median(rank.sum(axis=1)) < 0.05 * len(texts)


def test_one_thread_and_a_seed_give_bit_identical_fits(texts):
    first = Doc2VecTransformer(**SMALL, n_jobs=1).fit(texts)
    second = Doc2VecTransformer(**SMALL, n_jobs=1).fit(texts)
    np.testing.assert_array_equal(first.document_vectors_, second.document_vectors_)
    np.testing.assert_array_equal(first.vectors_.vectors, second.vectors_.vectors)
    np.testing.assert_array_equal(first.transform(texts[:50]), second.transform(texts[:50]))


def test_batched_word_windows_change_only_dbow_with_words(texts):
    fit_batched_and_pairwise(Doc2VecTransformer, dict(SMALL, dm=False, dbow_words=True),
                             texts, rows=lambda model: model.document_vectors_)
    for other in ({"dm": False}, {"dm": True}):
        ignored = Doc2VecTransformer(**SMALL, **other, batch_windows=True).fit(texts)
        plain = Doc2VecTransformer(**SMALL, **other).fit(texts)
        np.testing.assert_array_equal(ignored.document_vectors_, plain.document_vectors_)


def test_fit_transform_returns_the_trained_rows_and_empty_documents_get_zeros(texts):
    docs = [*texts[:100], "", "zzzq qqxv"]
    model = Doc2VecTransformer(**SMALL)
    rows = model.fit_transform(docs)
    np.testing.assert_array_equal(rows, model.document_vectors_)
    assert not np.shares_memory(rows, model.document_vectors_)
    np.testing.assert_array_equal(rows[-2:], 0.0)
    np.testing.assert_array_equal(model.transform(["", "zzzq qqxv"]), 0.0)


def test_plain_dbow_has_no_word_vectors_and_dm_has_them(texts):
    assert Doc2VecTransformer(**SMALL, dm=False).fit(texts).vectors_ is None
    vectors = Doc2VecTransformer(**SMALL, dm=True).fit(texts).vectors_
    assert vectors.vector_size == 16 and len(vectors) > 100


def test_pretrained_words_that_plain_dbow_never_reads_are_warned_about(texts):
    from skembed import Vectors

    words = ["the", "a", "of"]
    pretrained = Vectors(words, np.ones((3, 16), dtype=np.float32))
    with pytest.warns(UserWarning, match="never reads word vectors"):
        Doc2VecTransformer(**{**SMALL, "vector_size": None}, dm=False,
                           pretrained=pretrained).fit(texts)
    fixed = Doc2VecTransformer(**{**SMALL, "vector_size": None}, dm=True,
                               pretrained=pretrained).fit(texts)  # read: no warning
    for word in words:
        np.testing.assert_array_equal(fixed.vectors_[word], 1.0)  # frozen without fine_tune
    assert fixed.n_pretrained_ == 3
