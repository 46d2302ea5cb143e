"""The scikit-learn contract, run for every public estimator.

Add a new estimator to ESTIMATORS (with small settings) and it is covered.
"""

import atexit
import copy
import io
import pickle
import shutil
import tempfile

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from conftest import TINY_CORPUS
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, ParameterGrid, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_checks
from tiny_teacher import build_tiny_teacher

from skembed import (
    FastTextTransformer,
    GloVeTransformer,
    OneHotWordEncoder,
    SentenceEncoder,
    StaticEmbedding,
    Vectors,
    Word2VecTransformer,
)
from skembed._compat import Interval, InvalidParameterError
from skembed.datasets import load_fortunes, load_wordnet_glosses


def _tiny_word_vectors():
    """Vectors for most words of the tiny corpus and of the labelled texts' common words."""
    words = sorted({w for doc in TINY_CORPUS for w in OneHotWordEncoder().build_analyzer()(doc)})
    rng = np.random.default_rng(0)
    words += ["the", "of", "a", "to", "and", "is", "in", "you", "it", "computer", "love"]
    words = sorted(set(words))
    return Vectors(words, rng.normal(size=(len(words), 6)))


def _tiny_teacher_folder():
    """A tiny BERT sentence-transformers folder, built once for this module."""
    folder = tempfile.mkdtemp(prefix="skembed-teacher-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    build_tiny_teacher(folder, load_wordnet_glosses()[:3000], vocab_size=600)
    return folder


ESTIMATORS = [
    OneHotWordEncoder(),
    OneHotWordEncoder(tokenizer="bpe", subword_vocab_size=300),
    Word2VecTransformer(vector_size=12, min_count=1, epochs=2, norm="l2", random_state=0),
    Word2VecTransformer(
        vector_size=12, min_count=1, epochs=2, architecture="cbow",
        objective="hierarchical_softmax", tokenizer="wordpiece", subword_vocab_size=300,
        pooling="sif", norm="l2", random_state=0,
    ),
    FastTextTransformer(vector_size=12, min_count=1, epochs=2, random_state=0),
    FastTextTransformer(
        vector_size=12, min_count=2, epochs=2, architecture="cbow", pooling="tfidf",
        bucket=100_000, sample=0, random_state=0,
    ),
    GloVeTransformer(vector_size=12, min_count=1, epochs=2, random_state=0),
    GloVeTransformer(
        vector_size=12, min_count=2, epochs=2, window=3, symmetric=False, output="concat",
        tokenizer="unigram", subword_vocab_size=300, pooling="max", random_state=0,
    ),
    StaticEmbedding(_tiny_word_vectors()),
    StaticEmbedding(_tiny_word_vectors(), pooling="sif", norm="l2"),
    SentenceEncoder(_tiny_teacher_folder(), batch_size=4),
]

# What a grid search, an invalid value and an unvalidated value change, per estimator: the
# trained estimators share min_count; the frozen ones have their own parameters.
_GRIDS = {StaticEmbedding: {"pooling": ["mean", "sif"]},
          SentenceEncoder: {"normalize": [True, False]}}
_INVALID = {StaticEmbedding: ("pooling", "median"), SentenceEncoder: ("batch_size", 0)}
# An invalid value that works when validation is skipped, and the valid value it acts as.
_UNVALIDATED = {StaticEmbedding: ("lowercase", 1, True),
                SentenceEncoder: ("normalize", 1, True)}


def _grid(estimator):
    return _GRIDS.get(type(estimator), {"min_count": [1, 2]})


def _invalid(estimator):
    return _INVALID.get(type(estimator), ("min_count", -1))


def _unvalidated(estimator):
    return _UNVALIDATED.get(type(estimator), ("min_count", 0, 1))

SKLEARN_CHECKS = [
    "check_no_attributes_set_in_init",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order",
    "check_valid_tag_types",
    # Parameters are validated before X is looked at, so scikit-learn's check runs on
    # text estimators as it is, with its 2-D numeric X.
    "check_param_validation",
]

# Counts and sizes, which must never be given as booleans (True would be read as 1).
COUNT_PARAMETERS = ["vector_size", "window", "epochs", "min_count", "negative"]


def _numeric_parameters(estimator):
    """The count parameters it has, and every other parameter an Interval constrains."""
    intervals = [name for name, constraints in estimator._parameter_constraints.items()
                 if any(isinstance(c, Interval) for c in constraints)]
    named = [name for name in COUNT_PARAMETERS if name in estimator.get_params()]
    return named + [name for name in intervals if name not in named]


def _id(estimator):
    return repr(estimator).replace("\n", "").replace(" ", "")


def _dense(matrix):
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


def _assert_same_output(a, b):
    np.testing.assert_array_equal(_dense(a), _dense(b))


def _one_thread_seeded(estimator):
    """A clone that trains deterministically: one thread and a fixed seed, where offered."""
    params = {"random_state": 0, "n_jobs": 1}
    estimator = clone(estimator)
    return estimator.set_params(**{k: v for k, v in params.items() if k in estimator.get_params()})


@pytest.fixture(scope="module")
def labelled():
    texts, labels = load_fortunes(subset="train", return_X_y=True)
    keep = np.isin(labels, ["computers", "politics", "songs-poems"])
    texts = [t for t, k in zip(texts, keep, strict=True) if k][:240]
    return texts, labels[keep][:240]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
@pytest.mark.parametrize("check", SKLEARN_CHECKS)
def test_sklearn_checks(estimator, check):
    getattr(estimator_checks, check)(type(estimator).__name__, clone(estimator))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_default_constructible(estimator):
    # Required parameters (the vectors, the model) are taken from the instance.
    estimator_checks.check_parameters_default_constructible(
        type(estimator).__name__, estimator
    )


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_fit_leaves_params_unchanged(estimator, tiny_corpus):
    estimator = clone(estimator)
    before = copy.deepcopy(estimator.get_params())
    estimator.fit(tiny_corpus)
    after = estimator.get_params()
    assert before.keys() == after.keys()
    for name in before:
        assert repr(before[name]) == repr(after[name]), name


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_not_fitted_error(estimator, tiny_corpus):
    with pytest.raises(NotFittedError):
        clone(estimator).transform(tiny_corpus)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_bare_string_is_rejected(estimator, tiny_corpus):
    with pytest.raises(ValueError, match="iterable over raw text documents"):
        clone(estimator).fit("a single document")
    fitted = clone(estimator).fit(tiny_corpus)
    with pytest.raises(ValueError, match="iterable over raw text documents"):
        fitted.transform("a single document")


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_failed_fit_leaves_no_fitted_attributes(estimator, tiny_corpus):
    estimator = clone(estimator).fit(tiny_corpus)
    with pytest.raises(TypeError, match="document 2"):
        estimator.fit(["fine", "also fine", None])
    assert not [name for name in vars(estimator) if name.endswith("_")]
    with pytest.raises(NotFittedError):
        estimator.transform(tiny_corpus)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_one_shot_generator_and_fit_transform(estimator, tiny_corpus):
    from_list = clone(estimator).fit(tiny_corpus).transform(tiny_corpus)
    from_generator = clone(estimator).fit(doc for doc in tiny_corpus).transform(tiny_corpus)
    fit_transformed = clone(estimator).fit_transform(doc for doc in tiny_corpus)
    _assert_same_output(from_list, from_generator)
    _assert_same_output(from_list, fit_transformed)
    assert from_list.shape[0] == len(tiny_corpus)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_pickle_and_joblib_round_trip(estimator, tiny_corpus):
    fitted = clone(estimator).fit(tiny_corpus)
    expected = fitted.transform(tiny_corpus)
    restored = pickle.loads(pickle.dumps(fitted))
    _assert_same_output(expected, restored.transform(tiny_corpus))
    buffer = io.BytesIO()
    joblib.dump(fitted, buffer)
    buffer.seek(0)
    _assert_same_output(expected, joblib.load(buffer).transform(tiny_corpus))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_clone_and_refit_is_reproducible(estimator, tiny_corpus):
    estimator = _one_thread_seeded(estimator)
    first = estimator.fit(tiny_corpus).transform(tiny_corpus)
    second = clone(estimator).fit(tiny_corpus).transform(tiny_corpus)
    _assert_same_output(first, second)
    if hasattr(estimator, "vocabulary_"):
        assert clone(estimator).fit(tiny_corpus).vocabulary_ == estimator.vocabulary_


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_pipeline_grid_search_matches_a_manual_loop(estimator, labelled):
    texts, labels = labelled
    pipeline = make_pipeline(_one_thread_seeded(estimator), LogisticRegression(max_iter=1000))
    step = pipeline.steps[0][0]
    grid = {f"{step}__{name}": values for name, values in _grid(estimator).items()}
    folds = StratifiedKFold(n_splits=2)
    search = GridSearchCV(pipeline, grid, cv=folds, n_jobs=2).fit(texts, labels)

    # The same folds by hand, in this process: one-thread fits are deterministic, so every
    # score is the same float, whatever process the search ran a fit in.
    manual = []
    for params in ParameterGrid(grid):
        scores = []
        for train, test in folds.split(texts, labels):
            model = clone(pipeline).set_params(**params)
            model.fit([texts[i] for i in train], labels[train])
            scores.append(model.score([texts[i] for i in test], labels[test]))
        manual.append(np.mean(scores))
    assert [dict(p) for p in search.cv_results_["params"]] == list(ParameterGrid(grid))
    np.testing.assert_array_equal(search.cv_results_["mean_test_score"], manual)
    assert search.best_params_ == list(ParameterGrid(grid))[int(np.argmax(manual))]

    # The refit pipeline is a clone with the best parameters, fitted on all the data.
    refit = clone(pipeline).set_params(**search.best_params_).fit(texts, labels)
    np.testing.assert_array_equal(search.predict(texts), refit.predict(texts))
    np.testing.assert_array_equal(search.predict_proba(texts), refit.predict_proba(texts))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_set_output_pandas(estimator, tiny_corpus):
    pd = pytest.importorskip("pandas")
    fitted = clone(estimator).fit(tiny_corpus)
    output = fitted.transform(tiny_corpus)
    if sp.issparse(output):
        # Sparse output opts out of set_output, as scikit-learn's vectorizers do.
        assert not hasattr(fitted, "set_output")
        return
    frame = clone(estimator).set_output(transform="pandas").fit(tiny_corpus).transform(tiny_corpus)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(fitted.get_feature_names_out())


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_feature_names_match_output(estimator, tiny_corpus):
    fitted = clone(estimator).fit(tiny_corpus)
    names = fitted.get_feature_names_out()
    assert len(names) == fitted.transform(tiny_corpus[:2]).shape[1]
    assert all(isinstance(name, str) for name in names)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_invalid_parameter_is_named(estimator, tiny_corpus):
    name, value = _invalid(estimator)
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        clone(estimator).set_params(**{name: value}).fit(tiny_corpus)


@pytest.mark.parametrize("method", ["fit", "fit_transform"])
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_skip_parameter_validation_is_honoured(estimator, method, tiny_corpus):
    # For example min_count=0 is refused by validation; unvalidated, it keeps every token,
    # as 1 does.
    name, invalid_value, valid_value = _unvalidated(estimator)
    invalid = _one_thread_seeded(estimator).set_params(**{name: invalid_value})
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        getattr(invalid, method)(tiny_corpus)
    with sklearn.config_context(skip_parameter_validation=True):
        getattr(invalid, method)(tiny_corpus)
    expected = _one_thread_seeded(estimator).set_params(**{name: valid_value}).fit(tiny_corpus)
    _assert_same_output(invalid.transform(tiny_corpus), expected.transform(tiny_corpus))


@pytest.mark.parametrize(
    "estimator, name",
    [(e, name) for e in ESTIMATORS for name in _numeric_parameters(e)],
    ids=lambda value: value if isinstance(value, str) else _id(value),
)
def test_boolean_is_not_a_number(estimator, name, tiny_corpus):
    for method in ("fit", "fit_transform"):
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter .* Got True"):
            getattr(clone(estimator).set_params(**{name: True}), method)(tiny_corpus)


@pytest.mark.parametrize(
    "estimator", [e for e in ESTIMATORS if "n_jobs" in e.get_params()], ids=_id
)
def test_n_jobs_as_joblib_reads_it(estimator, tiny_corpus):
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter .* Got 0"):
        clone(estimator).set_params(n_jobs=0).fit(tiny_corpus)
    one_thread = _one_thread_seeded(estimator)
    expected = one_thread.fit_transform(tiny_corpus)
    # -100: as many threads as cores + 1 - 100, at least one: the one-thread result.
    _assert_same_output(clone(one_thread).set_params(n_jobs=-100).fit_transform(tiny_corpus),
                        expected)
    all_cores = clone(one_thread).set_params(n_jobs=-1).fit(tiny_corpus)
    assert all_cores.transform(tiny_corpus).shape == expected.shape


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
@pytest.mark.parametrize("X, message", [
    ({"a cat sat", "a dog sat"}, r"got a set, which has no order.*sorted\(X\)"),
    (frozenset({"a cat sat"}), r"got a frozenset, which has no order"),
    ({"first": "a cat sat"}, r"got a mapping \(dict\).*list\(X.values\(\)\)"),
], ids=["set", "frozenset", "dict"])
def test_unordered_or_mapping_input_is_rejected(estimator, X, message):
    with pytest.raises(TypeError, match=message):
        clone(estimator).fit(X)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_tags(estimator):
    tags = estimator.__sklearn_tags__()
    assert tags.input_tags.string
    assert not tags.input_tags.two_d_array
