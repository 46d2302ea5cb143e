"""The scikit-learn contract, run for every public estimator.

Add a new estimator to ESTIMATORS (with small settings) and it is covered. A classifier
gets labels from ``_labels`` wherever the contract fits it, and the classifier section at
the end runs scikit-learn's classifier checks, in their text-input versions where the
original needs a numeric 2-D X.
"""

import atexit
import copy
import io
import pickle
import shutil
import tempfile
from functools import partial

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from conftest import TINY_CORPUS
from scipy.stats import rankdata
from sklearn.base import clone, is_classifier
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import (
    GridSearchCV,
    ParameterGrid,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_checks
from sklearn.utils.validation import check_is_fitted
from tiny_teacher import build_tiny_teacher

from skembed import (
    Doc2VecTransformer,
    FastTextClassifier,
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
    FastTextClassifier(vector_size=8, epochs=2, random_state=0, n_jobs=1),
    FastTextClassifier(vector_size=8, epochs=2, word_ngrams=2, max_n=4, random_state=0,
                       n_jobs=1),
    FastTextClassifier(vector_size=8, epochs=2, loss="hs", random_state=0, n_jobs=1),
    Doc2VecTransformer(vector_size=8, min_count=1, epochs=2, random_state=0, n_jobs=1),
    Doc2VecTransformer(vector_size=8, min_count=1, epochs=2, dm=False, dbow_words=True,
                       random_state=0, n_jobs=1),
    Doc2VecTransformer(vector_size=8, min_count=1, epochs=2, dm=False,
                       objective="hierarchical_softmax", random_state=0, n_jobs=1),
]
CLASSIFIERS = [estimator for estimator in ESTIMATORS if is_classifier(estimator)]

# What a grid search, an invalid value and an unvalidated value change, per estimator: the
# trained estimators share min_count; the frozen ones have their own parameters.
_GRIDS = {StaticEmbedding: {"pooling": ["mean", "sif"]},
          SentenceEncoder: {"normalize": [True, False]},
          FastTextClassifier: {"word_ngrams": [1, 2], "vector_size": [8, 16]},
          Doc2VecTransformer: {"dm": [True, False]}}
_INVALID = {StaticEmbedding: ("pooling", "median"), SentenceEncoder: ("batch_size", 0),
            FastTextClassifier: ("loss", "hinge"), Doc2VecTransformer: ("infer_epochs", 0)}
# An invalid value that works when validation is skipped, and the valid value it acts as.
_UNVALIDATED = {StaticEmbedding: ("lowercase", 1, True),
                SentenceEncoder: ("normalize", 1, True),
                FastTextClassifier: ("shuffle", 1, True),
                Doc2VecTransformer: ("dm", 1, True)}
# Estimators whose fit_transform returns the rows trained for the training documents (the
# fitted attribute named here), not what transform gives: Doc2Vec's transform infers a new
# row for each document against the frozen model, so fit_transform(X) and
# fit(X).transform(X) differ by design.
_FIT_TRANSFORM_RETURNS_TRAINED = {Doc2VecTransformer: "document_vectors_"}
# What a fitted estimator is asked, where it offers it: every answer must survive pickling,
# cloning and refitting, and none may exist before fit.
METHODS = ["transform", "predict", "predict_proba", "predict_log_proba", "decision_function"]


def _grid(estimator):
    return _GRIDS.get(type(estimator), {"min_count": [1, 2]})


def _invalid(estimator):
    return _INVALID.get(type(estimator), ("min_count", -1))


def _unvalidated(estimator):
    return _UNVALIDATED.get(type(estimator), ("min_count", 0, 1))


def _labels(estimator, documents):
    """A valid ``y`` for fitting a classifier on ``documents``; None for the others.

    The contract needs a ``y`` the classifier accepts, not one it can learn: two classes
    in turn make a two-class ``y`` for any two or more documents.
    """
    if not is_classifier(estimator):
        return None
    return np.array(["even", "odd"])[np.arange(len(documents)) % 2]


def _methods(estimator):
    return [method for method in METHODS if hasattr(estimator, method)]


def _outputs(fitted, X):
    """Every answer the fitted estimator gives for X, by method name."""
    return {method: getattr(fitted, method)(X) for method in _methods(fitted)}


def _assert_same_outputs(a, b):
    assert a.keys() == b.keys()
    for method in a:
        _assert_same_output(a[method], b[method])

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
    estimator.fit(tiny_corpus, _labels(estimator, tiny_corpus))
    after = estimator.get_params()
    assert before.keys() == after.keys()
    for name in before:
        assert repr(before[name]) == repr(after[name]), name


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_not_fitted_error(estimator, tiny_corpus):
    # scikit-learn's check_estimators_unfitted and check_get_feature_names_out_error.
    for method in _methods(estimator):
        with pytest.raises(NotFittedError):
            getattr(clone(estimator), method)(tiny_corpus)
    if hasattr(estimator, "get_feature_names_out"):
        with pytest.raises(NotFittedError):
            clone(estimator).get_feature_names_out()


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_bare_string_is_rejected(estimator, tiny_corpus):
    # (y has as many labels as the corpus: it is the bare str that must be refused.)
    with pytest.raises(ValueError, match="iterable over raw text documents"):
        clone(estimator).fit("a single document", _labels(estimator, tiny_corpus))
    fitted = clone(estimator).fit(tiny_corpus, _labels(estimator, tiny_corpus))
    for method in _methods(fitted):
        with pytest.raises(ValueError, match="iterable over raw text documents"):
            getattr(fitted, method)("a single document")


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_failed_fit_leaves_no_fitted_attributes(estimator, tiny_corpus):
    estimator = clone(estimator).fit(tiny_corpus, _labels(estimator, tiny_corpus))
    bad = ["fine", "also fine", None]
    with pytest.raises(TypeError, match="document 2"):
        estimator.fit(bad, _labels(estimator, bad))
    assert not [name for name in vars(estimator) if name.endswith("_")]
    for method in _methods(estimator):
        with pytest.raises(NotFittedError):
            getattr(estimator, method)(tiny_corpus)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_one_shot_generator_and_fit_transform(estimator, tiny_corpus):
    y = _labels(estimator, tiny_corpus)
    from_list = clone(estimator).fit(tiny_corpus, y).transform(tiny_corpus)
    from_generator = clone(estimator).fit((doc for doc in tiny_corpus), y).transform(tiny_corpus)
    fitted = clone(estimator)
    fit_transformed = fitted.fit_transform((doc for doc in tiny_corpus), y)
    _assert_same_output(from_list, from_generator)
    assert from_list.shape[0] == len(tiny_corpus)
    trained = _FIT_TRANSFORM_RETURNS_TRAINED.get(type(estimator))
    if trained is None:
        _assert_same_output(from_list, fit_transformed)
        return
    # The trained rows, as a copy (changing it leaves the model alone); the same as fit
    # trains from a list; and transform, which infers, answers the same every time.
    rows = getattr(fitted, trained)
    _assert_same_output(fit_transformed, rows)
    assert not np.shares_memory(fit_transformed, rows)
    _assert_same_output(fit_transformed, getattr(clone(estimator).fit(tiny_corpus, y), trained))
    assert fit_transformed.shape == from_list.shape
    _assert_same_output(fitted.transform(tiny_corpus), from_list)
    _assert_same_output(fitted.transform(tiny_corpus), fitted.transform(tiny_corpus))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_pickle_and_joblib_round_trip(estimator, tiny_corpus, tmp_path):
    fitted = clone(estimator).fit(tiny_corpus, _labels(estimator, tiny_corpus))
    expected = _outputs(fitted, tiny_corpus)
    restored = pickle.loads(pickle.dumps(fitted))
    _assert_same_outputs(expected, _outputs(restored, tiny_corpus))
    buffer = io.BytesIO()
    joblib.dump(fitted, buffer)
    buffer.seek(0)
    _assert_same_outputs(expected, _outputs(joblib.load(buffer), tiny_corpus))
    # scikit-learn's check_estimators_pickle(readonly_memmap=True): joblib workers load
    # fitted arrays as read-only memory maps, and predicting must not write to them.
    joblib.dump(fitted, tmp_path / "fitted.joblib")
    _assert_same_outputs(
        expected, _outputs(joblib.load(tmp_path / "fitted.joblib", mmap_mode="r"), tiny_corpus))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_clone_and_refit_is_reproducible(estimator, tiny_corpus):
    y = _labels(estimator, tiny_corpus)
    estimator = _one_thread_seeded(estimator)
    first = _outputs(estimator.fit(tiny_corpus, y), tiny_corpus)
    second = _outputs(clone(estimator).fit(tiny_corpus, y), tiny_corpus)
    _assert_same_outputs(first, second)
    # scikit-learn's check_fit_idempotent: fitting the same instance again changes nothing.
    _assert_same_outputs(first, _outputs(estimator.fit(tiny_corpus, y), tiny_corpus))
    if hasattr(estimator, "vocabulary_"):
        assert clone(estimator).fit(tiny_corpus, y).vocabulary_ == estimator.vocabulary_


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_pipeline_grid_search_matches_a_manual_loop(estimator, labelled):
    # A transformer is searched in a pipeline before a LogisticRegression; a classifier is
    # searched on its own (test_classifier_as_a_pipeline_transformer has it in a pipeline).
    texts, labels = labelled
    if is_classifier(estimator):
        pipeline, prefix = _one_thread_seeded(estimator), ""
    else:
        pipeline = make_pipeline(_one_thread_seeded(estimator), LogisticRegression(max_iter=1000))
        prefix = f"{pipeline.steps[0][0]}__"
    grid = {f"{prefix}{name}": values for name, values in _grid(estimator).items()}
    folds = StratifiedKFold(n_splits=2)
    search = GridSearchCV(pipeline, grid, scoring="accuracy", cv=folds, n_jobs=2)
    search.fit(texts, labels)

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
    fitted = clone(estimator).fit(tiny_corpus, _labels(estimator, tiny_corpus))
    output = fitted.transform(tiny_corpus)
    if sp.issparse(output):
        # Sparse output opts out of set_output, as scikit-learn's vectorizers do.
        assert not hasattr(fitted, "set_output")
        return
    frame = clone(estimator).set_output(transform="pandas").fit(
        tiny_corpus, _labels(estimator, tiny_corpus)).transform(tiny_corpus)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(fitted.get_feature_names_out())


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_feature_names_match_output(estimator, tiny_corpus):
    fitted = clone(estimator).fit(tiny_corpus, _labels(estimator, tiny_corpus))
    names = fitted.get_feature_names_out()
    assert len(names) == fitted.transform(tiny_corpus[:2]).shape[1]
    assert all(isinstance(name, str) for name in names)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_invalid_parameter_is_named(estimator, tiny_corpus):
    name, value = _invalid(estimator)
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        clone(estimator).set_params(**{name: value}).fit(
            tiny_corpus, _labels(estimator, tiny_corpus))


@pytest.mark.parametrize("method", ["fit", "fit_transform"])
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_skip_parameter_validation_is_honoured(estimator, method, tiny_corpus):
    # For example min_count=0 is refused by validation; unvalidated, it keeps every token,
    # as 1 does.
    name, invalid_value, valid_value = _unvalidated(estimator)
    y = _labels(estimator, tiny_corpus)
    invalid = _one_thread_seeded(estimator).set_params(**{name: invalid_value})
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        getattr(invalid, method)(tiny_corpus, y)
    with sklearn.config_context(skip_parameter_validation=True):
        getattr(invalid, method)(tiny_corpus, y)
    expected = _one_thread_seeded(estimator).set_params(**{name: valid_value}).fit(
        tiny_corpus, y)
    _assert_same_outputs(_outputs(invalid, tiny_corpus), _outputs(expected, tiny_corpus))


@pytest.mark.parametrize(
    "estimator, name",
    [(e, name) for e in ESTIMATORS for name in _numeric_parameters(e)],
    ids=lambda value: value if isinstance(value, str) else _id(value),
)
def test_boolean_is_not_a_number(estimator, name, tiny_corpus):
    for method in ("fit", "fit_transform"):
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter .* Got True"):
            getattr(clone(estimator).set_params(**{name: True}), method)(
                tiny_corpus, _labels(estimator, tiny_corpus))


@pytest.mark.parametrize(
    "estimator", [e for e in ESTIMATORS if "n_jobs" in e.get_params()], ids=_id
)
def test_n_jobs_as_joblib_reads_it(estimator, tiny_corpus):
    y = _labels(estimator, tiny_corpus)
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter .* Got 0"):
        clone(estimator).set_params(n_jobs=0).fit(tiny_corpus, y)
    one_thread = _one_thread_seeded(estimator)
    expected = one_thread.fit_transform(tiny_corpus, y)
    # -100: as many threads as cores + 1 - 100, at least one: the one-thread result.
    _assert_same_output(clone(one_thread).set_params(n_jobs=-100).fit_transform(tiny_corpus, y),
                        expected)
    all_cores = clone(one_thread).set_params(n_jobs=-1).fit(tiny_corpus, y)
    assert all_cores.transform(tiny_corpus).shape == expected.shape


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
# Two documents each, so that a classifier has a valid two-class y for them.
@pytest.mark.parametrize("X, message", [
    ({"a cat sat", "a dog sat"}, r"got a set, which has no order.*sorted\(X\)"),
    (frozenset({"a cat sat", "a dog sat"}), r"got a frozenset, which has no order"),
    ({"first": "a cat sat", "second": "a dog sat"},
     r"got a mapping \(dict\).*list\(X.values\(\)\)"),
], ids=["set", "frozenset", "dict"])
def test_unordered_or_mapping_input_is_rejected(estimator, X, message):
    with pytest.raises(TypeError, match=message):
        clone(estimator).fit(X, _labels(estimator, X))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_tags(estimator):
    tags = estimator.__sklearn_tags__()
    assert tags.input_tags.string
    assert not tags.input_tags.two_d_array


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_fit_check_is_fitted_and_no_n_features_in(estimator, tiny_corpus):
    # scikit-learn's check_fit_check_is_fitted, with text. Its check_n_features_in does not
    # apply: raw text has no feature count, so neither n_features_in_ nor
    # feature_names_in_ is ever set.
    estimator = clone(estimator)
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)
    estimator.fit(tiny_corpus, _labels(estimator, tiny_corpus))
    check_is_fitted(estimator)
    assert not hasattr(estimator, "n_features_in_")
    assert not hasattr(estimator, "feature_names_in_")


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_methods_change_nothing_and_answer_each_document_alone(estimator, tiny_corpus):
    # scikit-learn's check_dict_unchanged, check_methods_subset_invariance and
    # check_methods_sample_order_invariance, with text.
    fitted = clone(estimator).fit(tiny_corpus, _labels(estimator, tiny_corpus))
    state = pickle.dumps(fitted)
    whole = _outputs(fitted, tiny_corpus)
    assert pickle.dumps(fitted) == state, "a method changed the fitted estimator"
    order = np.random.default_rng(0).permutation(len(tiny_corpus))
    for method, expected in whole.items():
        answer = getattr(fitted, method)
        expected = _dense(expected)
        compare = np.testing.assert_array_equal
        if expected.dtype.kind == "f":  # a batch may add up floats in another order
            compare = partial(np.testing.assert_allclose, rtol=1e-6, atol=1e-7)
        one_by_one = np.concatenate([_dense(answer([doc])) for doc in tiny_corpus])
        compare(one_by_one, expected, err_msg=method)
        compare(_dense(answer([tiny_corpus[i] for i in order])), expected[order], err_msg=method)


# ----------------------------------------------------------------------------- classifiers
# scikit-learn's classifier checks (sklearn.utils.estimator_checks._yield_classifier_checks)
# build a numeric 2-D X. Those that fail on y before X is read run as they are; the others
# are written again below with text X, each naming the check it mirrors. Checks that do not
# apply: partial_fit (none), multi-class support (always), check_sample_weight_equivalence
# (SGD on a weight of 2 is not SGD on a repeated document) and the class_weight="balanced"
# checks for linear models on numeric X.

# y is validated before X is read, so scikit-learn's numeric X never reaches the tokenizer.
CLASSIFIER_CHECKS = [
    "check_classifiers_one_label",
    "check_classifiers_regression_target",
    "check_requires_y_none",
    "check_supervised_y_no_nan",
]


def _learning(estimator):
    """A deterministic clone that learns its training texts (predictions vary with them)."""
    return _one_thread_seeded(estimator).set_params(epochs=20, alpha=1.0)


def _topics(labelled, n_classes):
    """The labelled texts of the first ``n_classes`` topics, their class numbers, the topics."""
    texts, labels = labelled
    names = np.unique(labels)[:n_classes].astype(str)
    keep = np.isin(labels, names)
    texts = [t for t, k in zip(texts, keep, strict=True) if k]
    return texts, np.searchsorted(names, labels[keep]), names


@pytest.fixture(scope="module")
def multilabelled():
    """Fortunes with three overlapping labels (science is both technical and academic).

    Some documents have none of the labels, as scikit-learn's multi-label checks allow.
    """
    texts, topics = load_fortunes(subset="train", return_X_y=True)
    groups = [{"computers", "linux", "perl", "science"},
              {"science", "education", "literature", "art"},
              {"politics", "law", "work"}]
    chosen = np.random.default_rng(0).permutation(len(texts))[:400]
    indicator = np.array([[topics[i] in group for group in groups] for i in chosen])
    return [texts[i] for i in chosen], indicator.astype(np.int64)


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_id)
@pytest.mark.parametrize("check", CLASSIFIER_CHECKS)
def test_sklearn_classifier_checks(estimator, check):
    getattr(estimator_checks, check)(type(estimator).__name__, clone(estimator))


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_id)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("kind", ["str", "object", "int"])
def test_classes_and_predictions(estimator, labelled, n_classes, kind):
    # check_classifiers_classes and check_classifiers_predictions, with
    # check_decision_proba_consistency and check_non_transformer_estimators_n_iter.
    texts, codes, names = _topics(labelled, n_classes)
    y = {"str": names[codes], "object": names.astype(object)[codes],
         "int": np.array([-1, 1, 7])[codes]}[kind]
    clf = _learning(estimator).fit(texts, y)
    assert clf.n_iter_ >= 1
    np.testing.assert_array_equal(clf.classes_, np.unique(y))
    predicted = clf.predict(texts)
    assert predicted.dtype == y.dtype
    assert clf.score(texts, y) == accuracy_score(y, predicted) > 0.95

    proba = clf.predict_proba(texts)
    assert proba.shape == (len(texts), n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(texts)), proba)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], predicted)
    decision = clf.decision_function(texts)
    if n_classes == 2:
        # One score, that of classes_[1], as scikit-learn's binary classifiers give.
        assert decision.shape == (len(texts),)
        np.testing.assert_array_equal(clf.classes_[(decision > 0).astype(int)], predicted)
        np.testing.assert_array_equal(rankdata(proba[:, 1].round(10)),
                                      rankdata(decision.round(10)))
    else:
        assert decision.shape == (len(texts), n_classes)
        np.testing.assert_array_equal(clf.classes_[decision.argmax(axis=1)], predicted)


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_id)
def test_one_class_is_refused_or_predicted(estimator, labelled):
    # check_classifiers_one_label and check_classifiers_one_label_sample_weights.
    texts, labels = labelled
    with pytest.raises(ValueError, match="at least 2 classes .* contains only one class"):
        clone(estimator).fit(texts, np.full(len(texts), "computers"))
    # Weights that leave one class: fitted, and it predicts that class only.
    for name in np.unique(labels):
        weights = (labels == name).astype(float)
        predicted = _learning(estimator).fit(texts, labels, sample_weight=weights).predict(texts)
        assert set(predicted) == {name}


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_id)
def test_all_zero_sample_weights_are_refused(estimator, labelled):
    # check_all_zero_sample_weights_error, with text.
    texts, labels = labelled
    with pytest.raises(ValueError, match=r"(weight.*zero)|(zero.*weight)"):
        clone(estimator).fit(texts, labels, sample_weight=np.zeros(len(texts)))


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_id)
def test_sample_weight_forms(estimator, labelled):
    # check_sample_weights_list, _not_an_array, _pandas_series, _shape and
    # _not_overwritten, with text; weights of one change nothing.
    texts, labels = labelled
    clf = _one_thread_seeded(estimator)
    expected = _outputs(clone(clf).fit(texts, labels), texts)
    ones = np.ones(len(texts))
    forms = [ones, ones.tolist(), ones.astype(np.float32)]
    pd = pytest.importorskip("pandas")
    forms.append(pd.Series(ones))
    for weights in forms:
        fitted = clone(clf).fit(texts, labels, sample_weight=weights)
        _assert_same_outputs(expected, _outputs(fitted, texts))
    weights = np.arange(len(texts)) % 3 + 0.5
    kept = weights.copy()
    clone(clf).fit(texts, labels, sample_weight=weights)
    np.testing.assert_array_equal(weights, kept)
    for wrong in (ones[:2], np.ones((len(texts), 2))):
        with pytest.raises(ValueError, match=r"sample_weight has shape .* expected \(240,\)"):
            clone(clf).fit(texts, labels, sample_weight=wrong)


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_id)
def test_data_not_an_array(estimator, labelled):
    # check_classifier_data_not_an_array, with text: tuples and pandas Series work as lists.
    pd = pytest.importorskip("pandas")
    texts, labels = labelled
    clf = _one_thread_seeded(estimator)
    expected = _outputs(clone(clf).fit(texts, labels), texts)
    for X, y in [(tuple(texts), list(labels)), (pd.Series(texts), pd.Series(labels))]:
        _assert_same_outputs(expected, _outputs(clone(clf).fit(X, y), X))


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_id)
def test_column_y_warns_and_fits_as_1d(estimator, labelled):
    # check_supervised_y_2d, with text.
    texts, labels = labelled
    clf = _one_thread_seeded(estimator)
    expected = _outputs(clone(clf).fit(texts, labels), texts)
    with pytest.warns(DataConversionWarning, match="A column-vector y was passed"):
        fitted = clone(clf).fit(texts, labels[:, None])
    _assert_same_outputs(expected, _outputs(fitted, texts))


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_id)
def test_multilabel_with_one_vs_all(estimator, multilabelled):
    # check_classifier_multioutput, check_classifiers_multilabel_output_format_predict,
    # _predict_proba and _decision_function, and
    # check_classifiers_multilabel_representation_invariance, with text.
    texts, indicator = multilabelled
    train, test = slice(0, 300), slice(300, None)
    clf = _learning(estimator).set_params(loss="ova")
    fitted = clone(clf).fit(texts[train], indicator[train])
    np.testing.assert_array_equal(fitted.classes_, np.arange(indicator.shape[1]))
    assert (fitted.predict(texts[train]) == indicator[train]).mean() > 0.95

    predicted = fitted.predict(texts[test])
    assert isinstance(predicted, np.ndarray)
    assert predicted.shape == indicator[test].shape and predicted.dtype == indicator.dtype
    decision = fitted.decision_function(texts[test])
    assert decision.shape == predicted.shape and decision.dtype.kind == "f"
    np.testing.assert_array_equal(fitted.classes_[(decision > 0).astype(int)], predicted)
    proba = fitted.predict_proba(texts[test])
    assert proba.shape == predicted.shape and proba.dtype.kind == "f"
    assert ((proba > 0) & (proba < 1)).all()
    np.testing.assert_array_equal(proba.round().astype(int), predicted)
    for label in range(indicator.shape[1]):
        np.testing.assert_array_equal(rankdata(proba[:, label]), rankdata(decision[:, label]))

    for same in (indicator[train].tolist(), list(indicator[train]),
                 sp.csr_matrix(indicator[train])):
        again = clone(clf).fit(texts[train], same).predict(texts[test])
        np.testing.assert_array_equal(again, predicted)
        assert type(again) is type(predicted) and again.dtype == predicted.dtype
    for loss in ("softmax", "hs"):
        with pytest.raises(ValueError, match=f"only loss='ova' .* not loss='{loss}'"):
            clone(clf).set_params(loss=loss).fit(texts[train], indicator[train])


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_id)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_class_weight_favours_a_class(estimator, labelled, n_classes):
    # check_class_weight_classifiers, with text (held-out documents of every class).
    texts, codes, _ = _topics(labelled, n_classes)
    weights = {0: 1000, 1: 0.0001, 2: 0.0001}
    train, test = slice(0, len(texts) // 2), slice(len(texts) // 2, None)
    clf = _learning(estimator).set_params(class_weight={c: weights[c] for c in range(n_classes)})
    predicted = clf.fit(texts[train], codes[train]).predict(texts[test])
    assert np.mean(predicted == 0) > 0.87


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_id)
def test_classifier_as_a_pipeline_transformer(estimator, labelled):
    # A Pipeline fits its first step with fit_transform(X, y): the document vectors of the
    # supervised model feed the next step.
    texts, labels = labelled
    classifier = _one_thread_seeded(estimator)
    pipeline = make_pipeline(classifier, LogisticRegression(max_iter=1000)).fit(texts, labels)
    alone = clone(classifier).fit(texts, labels)
    vectors = alone.transform(texts)
    np.testing.assert_array_equal(pipeline[0].transform(texts), vectors)
    assert pipeline[-1].coef_.shape == (3, vectors.shape[1])
    np.testing.assert_array_equal(pipeline.predict(texts), pipeline[-1].predict(vectors))


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_id)
def test_cross_val_score_matches_a_manual_loop(estimator, labelled):
    texts, labels = labelled
    classifier = _one_thread_seeded(estimator)
    folds = StratifiedKFold(n_splits=3)
    scores = cross_val_score(classifier, texts, labels, cv=folds, scoring="accuracy")
    manual = [clone(classifier).fit([texts[i] for i in train], labels[train])
              .score([texts[i] for i in test], labels[test])
              for train, test in folds.split(texts, labels)]
    np.testing.assert_array_equal(scores, manual)
