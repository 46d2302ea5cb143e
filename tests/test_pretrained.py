"""Pretrained vectors inside the embedding estimators: frozen use and fine-tuning."""

import re
import types

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skembed import FastTextTransformer, GloVeTransformer, Word2VecTransformer
from skembed.datasets import load_fortunes

ESTIMATORS = [Word2VecTransformer, FastTextTransformer, GloVeTransformer]
SMALL = {"vector_size": 16, "min_count": 2, "epochs": 2, "random_state": 0}


@pytest.fixture(scope="module")
def texts():
    return load_fortunes(subset="train", return_X_y=True)[0][:1200]


@pytest.fixture(scope="module")
def source(texts):
    """Vectors trained on other text: the fortunes test split."""
    other = load_fortunes(subset="test", return_X_y=True)[0]
    return Word2VecTransformer(**SMALL).fit(other).vectors_


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_frozen_vectors_are_used_as_they_are(estimator, texts, source):
    model = estimator(**SMALL, pretrained=source).fit(texts)
    assert model.vectors_ is source and model.n_iter_ == 0
    assert model.n_pretrained_ == len(source)
    assert list(model.vocabulary_) == source.tokens
    doc = "the computer program crashed"
    tokens = [t for t in doc.split() if t in source.index]
    expected = np.mean([source[t] for t in tokens], axis=0)
    np.testing.assert_allclose(model.transform([doc])[0], expected, rtol=1e-6)
    assert model.idf_.shape == (len(source),)
    sif = clone(model).set_params(pooling="sif").fit_transform(texts[:50])
    assert sif.shape == (50, 16) and np.isfinite(sif).all()


def test_frozen_counts_and_idf_follow_the_training_documents(source):
    docs = ["the the cat", "the dog"]
    model = Word2VecTransformer(**SMALL, pretrained=source).fit(docs)
    index = source.index
    assert model.counts_[index["the"]] == 3 and model.counts_[index["dog"]] == 1
    assert model.counts_.sum() == 5 - ("cat" not in index)
    assert model.idf_[index["the"]] < model.idf_[index["dog"]]


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_fine_tuning_starts_from_the_pretrained_vectors(estimator, texts, source):
    start = estimator(**dict(SMALL, epochs=1), pretrained=source, fine_tune=True)
    tuned = start.fit(texts)
    cold = estimator(**dict(SMALL, epochs=1)).fit(texts)
    shared = [t for t in tuned.vectors_.tokens if t in source.index]
    assert tuned.n_pretrained_ == len(shared) > 100
    assert tuned.vectors_.tokens == cold.vectors_.tokens  # vocabulary from X
    # After one epoch the tuned vectors are still closer to the pretrained ones.
    word = "love"
    reference = source.get_vector(word, norm=True)
    tuned_cos = float(tuned.vectors_.get_vector(word, norm=True) @ reference)
    cold_cos = float(cold.vectors_.get_vector(word, norm=True) @ reference)
    assert tuned_cos > cold_cos + 0.2


def test_fine_tuning_with_zero_learning_keeps_glove_sums(source, texts):
    model = GloVeTransformer(**dict(SMALL, epochs=1), learning_rate=1e-12, pretrained=source,
                             fine_tune=True).fit(texts)
    for token in ("the", "love", "computer"):
        np.testing.assert_allclose(model.vectors_[token], source[token], atol=1e-5)


def test_pretrained_errors(texts, source):
    with pytest.raises(ValueError, match="vector_size=8 but the pretrained vectors have 16"):
        Word2VecTransformer(vector_size=8, pretrained=source).fit(texts)
    with pytest.raises(ValueError, match="tokenizer='bpe' would train"):
        Word2VecTransformer(vector_size=16, tokenizer="bpe", pretrained=source).fit(texts)
    with pytest.raises(ValueError, match="none of the 3 tokens of X is in the pretrained"):
        Word2VecTransformer(vector_size=16, pretrained=source).fit(["zzzq xxyq qqqz"])
    model = Word2VecTransformer(vector_size=16, pretrained=source)
    with pytest.raises(ValueError):
        model.fit(["zzzq"])
    assert not hasattr(model, "vectors_")


def test_clone_shares_pretrained_vectors_and_grid_search_runs(texts, source):
    model = Word2VecTransformer(**SMALL, pretrained=source)
    assert clone(model).pretrained is source
    labels = load_fortunes(subset="train", return_X_y=True)[1][:1200]
    search = GridSearchCV(
        make_pipeline(model, LogisticRegression(max_iter=500)),
        {"word2vectransformer__pooling": ["mean", "tfidf"]}, cv=2,
    ).fit(texts, labels)
    assert search.best_estimator_[0].vectors_ is not None


@pytest.mark.parametrize("suffix", [".npz", ".txt", ".bin"])
def test_pretrained_from_a_file_in_a_pipeline(tmp_path, texts, source, suffix):
    from skembed.io import save_vectors

    path = tmp_path / f"vectors{suffix}"
    save_vectors(source, path)
    labels = load_fortunes(subset="train", return_X_y=True)[1][:1200]
    pipeline = make_pipeline(Word2VecTransformer(vector_size=16, pretrained=str(path)),
                             LogisticRegression(max_iter=500)).fit(texts, labels)
    step = pipeline[0]
    assert step.vectors_.tokens == source.tokens
    np.testing.assert_array_equal(step.vectors_.vectors, source.vectors)
    assert clone(step).pretrained == str(path)
    assert 0.0 <= pipeline.score(texts[:100], labels[:100]) <= 1.0


# ------------------------------------------ gensim vectors, and the dimension they set


@pytest.fixture(scope="module")
def gensim_vectors():
    """gensim KeyedVectors of a tiny Word2Vec trained on other text (the test split)."""
    models = pytest.importorskip("gensim.models")
    other = load_fortunes(subset="test", return_X_y=True)[0]
    sentences = [re.findall(r"\w+(?:'\w+)*", text.lower()) for text in other]
    return models.Word2Vec(sentences, vector_size=12, min_count=2, epochs=2, workers=1,
                           seed=0).wv


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_frozen_gensim_vectors_are_used_and_set_the_dimension(estimator, texts,
                                                              gensim_vectors):
    model = estimator(min_count=2, epochs=1, random_state=0, pretrained=gensim_vectors)
    assert model.get_params()["pretrained"] is gensim_vectors  # stored, not converted
    model.fit(texts)
    assert model.pretrained is gensim_vectors and model.vector_size is None
    assert model.vectors_.tokens == gensim_vectors.index_to_key
    np.testing.assert_array_equal(model.vectors_.vectors, gensim_vectors.vectors)
    assert model.n_iter_ == 0 and model.n_pretrained_ == len(gensim_vectors)
    doc = "love is a computer program"
    expected = np.mean([gensim_vectors[t] for t in doc.split() if t in gensim_vectors],
                       axis=0)
    np.testing.assert_allclose(model.transform([doc])[0], expected, rtol=1e-6)
    assert len(model.get_feature_names_out()) == 12


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_fine_tuning_starts_from_gensim_vectors(estimator, texts, gensim_vectors):
    # A learning rate of almost zero keeps the starting point: the pretrained vectors.
    frozen_rate = ({"learning_rate": 1e-12} if estimator is GloVeTransformer
                   else {"alpha": 1e-12, "min_alpha": 0.0})
    model = estimator(min_count=2, epochs=1, random_state=0, pretrained=gensim_vectors,
                      fine_tune=True, **frozen_rate).fit(texts)
    assert model.vectors_.vector_size == 12 and model.n_pretrained_ > 100
    shared = [t for t in model.vectors_.tokens if t in gensim_vectors.key_to_index]
    assert len(shared) == model.n_pretrained_
    if estimator is FastTextTransformer:
        return  # its word vectors are averaged with n-gram vectors, which start at random
    for token in shared[:50]:
        np.testing.assert_allclose(model.vectors_[token], gensim_vectors[token], atol=1e-5)


def test_vector_size_comes_from_pretrained_vectors_unless_set(tmp_path, texts, source):
    from skembed.io import save_vectors

    path = tmp_path / "vectors.txt"
    save_vectors(source, path)
    for pretrained in (source, str(path), path):
        tuned = Word2VecTransformer(min_count=2, epochs=1, random_state=0,
                                    pretrained=pretrained, fine_tune=True).fit(texts)
        assert tuned.vectors_.vector_size == 16 and tuned.transform(texts[:3]).shape == (3, 16)
    explicit = Word2VecTransformer(vector_size=16, min_count=2, epochs=1, random_state=0,
                                   pretrained=str(path), fine_tune=True).fit(texts)
    np.testing.assert_array_equal(explicit.vectors_.vectors, tuned.vectors_.vectors)
    with pytest.raises(ValueError, match="vector_size=12 but the pretrained vectors have 16 "
                                         "dimensions; set vector_size=16 or leave it None"):
        Word2VecTransformer(vector_size=12, pretrained=path, fine_tune=True).fit(texts)
    plain = Word2VecTransformer(min_count=5, epochs=1, random_state=0).fit(texts[:300])
    assert plain.vector_size is None and plain.vectors_.vector_size == 100


def test_pretrained_objects_that_are_not_vectors_are_refused(texts, source):
    fitted = Word2VecTransformer(**SMALL).fit(texts[:200])
    for wrong in (42, fitted, source.vectors):
        with pytest.raises(ValueError, match=r"The 'pretrained' parameter of "
                           r"Word2VecTransformer must be .*index_to_key and vectors"):
            Word2VecTransformer(pretrained=wrong).fit(texts)
    unfilled = types.SimpleNamespace(index_to_key=["the", None], vectors=np.ones((2, 4)))
    model = Word2VecTransformer(pretrained=unfilled)
    with pytest.raises(TypeError, match="pretrained: key 1 of index_to_key is None"):
        model.fit(texts)
    assert not hasattr(model, "vectors_")
