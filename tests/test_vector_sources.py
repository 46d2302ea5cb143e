"""One way to get vectors from an object: io, plot and evaluation accept the same inputs.

Each kind of input (a Vectors, a fitted estimator, a pipeline, a FrozenEstimator, gensim's
vectors) goes through every place that takes vectors: saving a file, drawing a heat map,
scoring word pairs. Each place must find the same tokens and matrix, and refuse the same
wrong inputs with the same error.
"""

import types

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skembed import OneHotWordEncoder, Vectors, Word2VecTransformer
from skembed.datasets import load_fortunes
from skembed.evaluation import evaluate_word_pairs, fitted_vectors
from skembed.io import load, save_vectors

N_WORDS = 6  # the most frequent tokens, plotted and paired


@pytest.fixture(scope="module")
def fortunes():
    texts, labels = load_fortunes(subset="train", return_X_y=True)
    return texts[:800], labels[:800]


@pytest.fixture(scope="module")
def model(fortunes):
    return Word2VecTransformer(vector_size=12, min_count=2, epochs=1, n_jobs=1,
                               random_state=0).fit(fortunes[0])


@pytest.fixture(scope="module")
def classifier(model, fortunes):
    texts, labels = fortunes
    return LogisticRegression(max_iter=300).fit(model.transform(texts), labels)


@pytest.fixture(scope="module")
def gensim_model(fortunes):
    models = pytest.importorskip("gensim.models")
    sentences = [text.lower().split() for text in fortunes[0]]
    return models.Word2Vec(sentences, vector_size=10, min_count=3, epochs=1, workers=1,
                           seed=0)


# Each kind: how to build the input from the fixtures, and the vectors it must give.
def _vectors(model, classifier, gensim_model):
    return model.vectors_, model.vectors_


def _estimator(model, classifier, gensim_model):
    return model, model.vectors_


def _pipeline(model, classifier, gensim_model):
    # Fitted steps make a fitted pipeline; the classifier after the embedding is passed over.
    return Pipeline([("embed", model), ("classify", classifier)]), model.vectors_


def _pipeline_ending_in_the_embedding(model, classifier, gensim_model):
    return make_pipeline(StandardScaler(with_mean=False), model), model.vectors_


def _frozen(model, classifier, gensim_model):
    return FrozenEstimator(model), model.vectors_


def _pipeline_of_frozen(model, classifier, gensim_model):
    return Pipeline([("embed", FrozenEstimator(model)), ("classify", classifier)]), model.vectors_


def _duck_keyed_vectors(model, classifier, gensim_model):
    kv = model.vectors_
    duck = types.SimpleNamespace(index_to_key=list(kv.tokens), vectors=kv.vectors.copy())
    return duck, Vectors(kv.tokens, kv.vectors)


def _gensim_keyed_vectors(model, classifier, gensim_model):
    wv = gensim_model.wv
    return wv, Vectors(wv.index_to_key, wv.vectors)


def _gensim_model(model, classifier, gensim_model):
    wv = gensim_model.wv
    return gensim_model, Vectors(wv.index_to_key, wv.vectors)


KINDS = [_vectors, _estimator, _pipeline, _pipeline_ending_in_the_embedding, _frozen,
         _pipeline_of_frozen, _duck_keyed_vectors, _gensim_keyed_vectors, _gensim_model]


@pytest.fixture
def gensim_or_none(request):
    """The gensim model for the gensim kinds (skipping without gensim), else None."""
    if "gensim" in request.node.callspec.id:
        return request.getfixturevalue("gensim_model")
    return None


def _pairs(vectors):
    words = vectors.tokens[:N_WORDS]
    following = words[1:] + words[:1]
    return [(a, b, float(i)) for i, (a, b) in enumerate(zip(words, following, strict=True))]


def _assert_same(found, expected):
    assert found.tokens == expected.tokens
    np.testing.assert_array_equal(found.vectors, expected.vectors)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__.strip("_"))
def test_every_kind_gives_the_same_vectors_in_every_place(kind, model, classifier,
                                                          gensim_or_none, tmp_path):
    source, expected = kind(model, classifier, gensim_or_none)

    found = fitted_vectors(source)
    _assert_same(found, expected)
    if expected is model.vectors_:
        assert found is expected  # skembed's own vectors are never copied

    save_vectors(source, tmp_path / "vectors.npz")  # io
    _assert_same(load(tmp_path / "vectors.npz"), expected)

    pairs = _pairs(expected)  # evaluation
    assert (evaluate_word_pairs(source, pairs).spearman
            == evaluate_word_pairs(expected, pairs).spearman)

    matplotlib = pytest.importorskip("matplotlib")  # plot
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skembed.plot import plot_similarity

    words = expected.tokens[:N_WORDS]
    ax = plot_similarity(source, words, annotate=False)
    unit = expected.normed[:N_WORDS].astype(np.float64)
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), unit @ unit.T,
                               atol=1e-5)
    plt.close(ax.figure)


def test_gensim_counts_come_along(gensim_model):
    found = fitted_vectors(gensim_model.wv)
    expected = [gensim_model.wv.get_vecattr(word, "count") for word in found.tokens]
    np.testing.assert_array_equal(found.counts, expected)
    assert found.counts[0] >= found.counts[-1]


# --------------------------------------------------------------- wrong inputs


def _unfitted_pipeline(model, fortunes):
    return make_pipeline(Word2VecTransformer(), LogisticRegression())


WRONG = [
    ("unfitted estimator", lambda model, fortunes: Word2VecTransformer(), NotFittedError,
     "This Word2VecTransformer instance is not fitted yet"),
    ("unfitted pipeline", _unfitted_pipeline, NotFittedError,
     "This Word2VecTransformer instance is not fitted yet"),
    ("frozen unfitted", lambda model, fortunes: FrozenEstimator(Word2VecTransformer()),
     NotFittedError, "This Word2VecTransformer instance is not fitted yet"),
    ("classifier", lambda model, fortunes: LogisticRegression(), TypeError,
     r"found no fitted word vectors in LogisticRegression \(the 'vectors' argument\): "
     r"expected a Vectors or a fitted embedding estimator"),
    ("one-hot", lambda model, fortunes: OneHotWordEncoder().fit(fortunes[0][:50]), TypeError,
     "found no fitted word vectors in OneHotWordEncoder"),
    ("pipeline without vectors",
     lambda model, fortunes: make_pipeline(StandardScaler(), LogisticRegression()), TypeError,
     "found no fitted word vectors in Pipeline"),
    ("array", lambda model, fortunes: np.eye(3), TypeError,
     r"found no fitted word vectors in ndarray .*gensim vectors \(KeyedVectors"),
    ("keys that are not str",
     lambda model, fortunes: types.SimpleNamespace(index_to_key=["a", None],
                                                   vectors=np.ones((2, 3))),
     TypeError, "vectors: key 1 of index_to_key is None"),
    ("one row short",
     lambda model, fortunes: types.SimpleNamespace(index_to_key=["a", "b"],
                                                   vectors=np.ones((1, 3))),
     ValueError, r"vectors: vectors must have one row per token: 2 tokens"),
]


@pytest.mark.parametrize(("build", "error", "message"), [w[1:] for w in WRONG],
                         ids=[w[0] for w in WRONG])
def test_every_place_refuses_the_same_inputs_with_the_same_error(build, error, message,
                                                                 model, fortunes, tmp_path):
    source = build(model, fortunes)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skembed.plot import plot_words

    places = {
        "io": lambda: save_vectors(source, tmp_path / "vectors.txt"),
        "plot": lambda: plot_words(source, ["the", "a"]),
        "evaluation": lambda: evaluate_word_pairs(source, [("the", "a", 1.0)] * 2),
    }
    messages = set()
    for call in places.values():
        with pytest.raises(error, match=message) as caught:
            call()
        messages.add((type(caught.value), str(caught.value)))
    assert len(messages) == 1  # the same error, word for word, in io, plot and evaluation
    assert not (tmp_path / "vectors.txt").exists() and plt.get_fignums() == []
