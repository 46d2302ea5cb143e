"""FastTextClassifier: predictions, labels, errors, weights, options, learning.

The data are real and small: four topics of the shipped fortunes set (120 training and
about 40 test texts each), and 600 WordNet glosses labelled by the first letter of their
lemma (and whether it has synonyms), over 30 classes, for the hierarchical softmax. Every
fit takes a fraction of a second.
"""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skembed import FastTextClassifier, Vectors
from skembed._labels import class_tree
from skembed._subwords import char_ngrams
from skembed.datasets import load_fortunes, load_wordnet_glosses

TOPICS = ["computers", "politics", "startrek", "food"]
# Enough training for these 480 texts (fastText's defaults, 5 epochs at 0.1, are made
# for far larger sets: here they stay at chance).
TRAINED = dict(vector_size=20, epochs=10, alpha=0.3, random_state=0, n_jobs=1)
QUICK = dict(vector_size=8, epochs=2, random_state=0, n_jobs=1)


def _pick(subset, per_topic):
    texts, labels = load_fortunes(subset=subset, return_X_y=True)
    index = sorted(i for topic in TOPICS for i in np.flatnonzero(labels == topic)[:per_topic])
    return [texts[i] for i in index], labels[index].astype(str)


@pytest.fixture(scope="module")
def train():
    return _pick("train", 120)


@pytest.fixture(scope="module")
def held_out():
    return _pick("test", 40)


@pytest.fixture(scope="module")
def fitted(train):
    texts, labels = train
    return {loss: FastTextClassifier(**TRAINED, loss=loss).fit(texts, labels)
            for loss in ("softmax", "hs", "ova")}


def _fitted_attributes(estimator):
    return [name for name in vars(estimator) if name.endswith("_") and not name.startswith("__")]


# ------------------------------------------------------------- predictions

@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
def test_prediction_shapes_and_consistency(fitted, held_out, loss):
    clf = fitted[loss]
    texts = held_out[0][:50]
    proba = clf.predict_proba(texts)
    scores = clf.decision_function(texts)
    assert proba.shape == scores.shape == (50, 4)
    assert clf.predict(texts).shape == (50,)
    assert clf.transform(texts).shape == (50, 20) and clf.transform(texts).dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(texts))
    np.testing.assert_array_equal(clf.classes_[scores.argmax(axis=1)], clf.predict(texts))
    np.testing.assert_allclose(clf.predict_log_proba(texts), np.log(proba), atol=1e-10)
    assert list(clf.classes_) == sorted(TOPICS)
    assert clf.class_count_.tolist() == [120] * 4
    assert len(clf.get_feature_names_out()) == 20


@pytest.mark.parametrize("loss", ["softmax", "ova"])
def test_decision_function_is_the_linear_layer(fitted, held_out, loss):
    clf = fitted[loss]
    texts = held_out[0][:30]
    expected = clf.transform(texts) @ clf.coef_.T + clf.intercept_
    np.testing.assert_allclose(clf.decision_function(texts), expected, rtol=1e-5, atol=1e-6)
    assert clf.coef_.shape == (4, 20) and clf.intercept_.shape == (4,)


def test_hierarchical_softmax_scores_are_log_probabilities(fitted, held_out):
    clf = fitted["hs"]
    assert clf.coef_.shape == (3, 20)  # one row per inner node of the class tree
    np.testing.assert_allclose(np.exp(clf.decision_function(held_out[0][:30])),
                               clf.predict_proba(held_out[0][:30]), rtol=1e-6)


@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
def test_binary_decision_function_is_one_dimensional(train, loss):
    texts, labels = train
    two = np.isin(labels, ["computers", "politics"])
    texts2 = [t for t, keep in zip(texts, two, strict=True) if keep]
    clf = FastTextClassifier(**TRAINED, loss=loss).fit(texts2, labels[two])
    scores = clf.decision_function(texts2)
    assert scores.shape == (len(texts2),)
    if loss == "hs":  # log-probabilities
        full = clf.predict_log_proba(texts2)
    else:
        full = clf.transform(texts2) @ clf.coef_.T + clf.intercept_
    np.testing.assert_allclose(scores, full[:, 1] - full[:, 0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(clf.predict(texts2), clf.classes_[(scores > 0).astype(int)])
    assert clf.predict_proba(texts2).shape == (len(texts2), 2)


# ------------------------------------------------------------------ labels

DOCS = ["a happy happy day", "what a sad day", "so happy", "sad and grey"] * 10


@pytest.mark.parametrize("labels,classes", [
    (["pos", "neg", "pos", "neg"] * 10, ["neg", "pos"]),
    ([10, 2, 10, 3] * 10, [2, 3, 10]),  # sorted as numbers, not as text
    ([1, "a", 1, "a"] * 10, ["1", "a"]),  # numpy turns the list into strings
    (np.array([True, False] * 20), [False, True]),
])
def test_labels_of_any_sortable_kind(labels, classes):
    clf = FastTextClassifier(**QUICK).fit(DOCS, labels)
    assert clf.classes_.tolist() == classes
    assert set(clf.predict(DOCS).tolist()) <= set(classes)
    assert clf.class_count_.sum() == len(DOCS)


# ------------------------------------------------------------------ errors

LABELS = ["pos", "neg", "pos", "neg"] * 10


@pytest.mark.parametrize("y,match", [
    (None, "requires y to be passed"),
    (["pos"] * 40, "at least 2 classes.*only one class"),
    ([np.nan, 1.0] * 20, "y contains NaN"),
    (np.eye(2, dtype=int)[[0, 1] * 20], "multi-label.*loss='ova'"),
])
def test_bad_y_is_refused(y, match):
    with pytest.raises(ValueError, match=match):
        FastTextClassifier(**QUICK).fit(DOCS, y)


def test_number_of_labels_must_match_documents():
    with pytest.raises(ValueError, match="X has 40 documents but y has 39 labels"):
        FastTextClassifier(**QUICK).fit(DOCS, LABELS[:-1])
    with pytest.raises(ValueError, match="X has 40 documents but y has 41 labels"):
        FastTextClassifier(**QUICK).fit(DOCS, [*LABELS, "pos"])


@pytest.mark.parametrize("params,fit_kwargs,match", [
    (dict(min_n=4, max_n=3), {}, "max_n=3 is smaller than min_n=4"),
    (dict(pretrained=Vectors(["zebra", "quokka"], np.ones((2, 8)))), {},
     "none of the .* words of X is in the pretrained vectors"),
    (dict(pretrained=Vectors(["happy", "sad"], np.ones((2, 8))), tokenizer="bpe"), {},
     "tokenizer='bpe' would train a new subword vocabulary"),
    (dict(pretrained=Vectors(["happy", "sad"], np.ones((2, 8))), vector_size=4), {},
     "vector_size=4 but the pretrained vectors have 8 dimensions"),
    ({}, dict(sample_weight=[1.0] * 39 + [-1.0]), "non-negative; document 39 has -1"),
    ({}, dict(sample_weight=[1.0] * 39), r"sample_weight has shape \(39,\)"),
])
def test_bad_parameters_are_refused(params, fit_kwargs, match):
    with pytest.raises(ValueError, match=match):
        FastTextClassifier(**{**QUICK, **params}).fit(DOCS, LABELS, **fit_kwargs)


def test_class_weight_needs_one_label_per_document():
    y = np.eye(2, dtype=int)[[0, 1] * 20]
    with pytest.raises(ValueError, match="class_weight applies to one label.*sample_weight"):
        FastTextClassifier(**QUICK, loss="ova", class_weight="balanced").fit(DOCS, y)


def _never_read():
    raise AssertionError("X was read")
    yield


def test_cheap_checks_come_before_reading_x():
    for params, y in [({}, None), (dict(min_n=4, max_n=3), LABELS),
                      ({}, np.eye(2, dtype=int)[[0, 1] * 20])]:
        with pytest.raises(ValueError):
            FastTextClassifier(**{**QUICK, **params}).fit(_never_read(), y)


def test_failed_fit_of_a_new_estimator_leaves_no_fitted_attribute():
    clf = FastTextClassifier(**QUICK)
    with pytest.raises(ValueError):
        clf.fit(DOCS, LABELS[:-1])
    assert _fitted_attributes(clf) == []
    with pytest.raises(ValueError):
        clf.fit(DOCS, None)
    assert _fitted_attributes(clf) == []


def _assert_unfitted(clf):
    assert _fitted_attributes(clf) == []
    for method in ("predict", "predict_proba", "decision_function", "transform"):
        with pytest.raises(NotFittedError):
            getattr(clf, method)(DOCS)


def test_failed_refit_after_reading_x_unfits_the_estimator():
    clf = FastTextClassifier(**QUICK).fit(DOCS, LABELS)
    with pytest.raises(ValueError, match="y has 39 labels"):
        clf.fit(DOCS, LABELS[:-1])
    _assert_unfitted(clf)
    clf.fit(DOCS, LABELS)
    with pytest.raises(ValueError, match="non-negative"):
        clf.fit(DOCS, LABELS, sample_weight=[-1.0] * 40)
    _assert_unfitted(clf)


@pytest.mark.parametrize("params,y", [
    ({}, None),
    ({}, ["pos"] * 40),
    (dict(min_n=4, max_n=3), LABELS),
    (dict(pretrained=Vectors(["happy"], np.ones((1, 8))), vector_size=None,
          tokenizer="bpe"), LABELS),
], ids=["y-none", "one-class", "max-n", "pretrained-bpe"])
def test_failed_refit_before_reading_x_unfits_the_estimator(params, y):
    clf = FastTextClassifier(**QUICK).fit(DOCS, LABELS)
    with pytest.raises(ValueError):
        clf.set_params(**params).fit(DOCS, y)
    _assert_unfitted(clf)


# ------------------------------------------------------------ weights

def test_zero_sample_weight_on_a_class_means_it_is_not_predicted(train, held_out):
    texts, labels = train
    weights = np.where(labels == "food", 0.0, 1.0)
    clf = FastTextClassifier(**TRAINED).fit(texts, labels, sample_weight=weights)
    assert "food" in clf.classes_  # still a class, only never learned as one
    predicted = clf.predict(held_out[0])
    assert (predicted == "food").mean() < 0.02
    plain = FastTextClassifier(**TRAINED).fit(texts, labels)
    assert (plain.predict(held_out[0]) == "food").mean() > 0.15


def test_class_weight_moves_predictions_towards_the_heavy_class(train, held_out):
    texts, labels = train
    plain = FastTextClassifier(**TRAINED).fit(texts, labels)
    heavy = FastTextClassifier(**TRAINED, class_weight={"food": 5.0}).fit(texts, labels)
    light = FastTextClassifier(**TRAINED, class_weight={"food": 0.2}).fit(texts, labels)
    share = [(clf.predict(held_out[0]) == "food").mean() for clf in (light, plain, heavy)]
    assert share[0] < share[1] < share[2], share
    proba = [clf.predict_proba(held_out[0])[:, list(clf.classes_).index("food")].mean()
             for clf in (light, plain, heavy)]
    assert proba[0] < proba[1] < proba[2], proba


def test_balanced_class_weight_equals_the_matching_sample_weights(train):
    texts, labels = train
    keep = np.isin(labels, ["computers", "politics"]) | (np.arange(len(labels)) % 4 == 0)
    texts = [t for t, k in zip(texts, keep, strict=True) if k]
    labels = labels[keep]
    counts = {c: (labels == c).sum() for c in set(labels)}
    weights = np.array([len(labels) / (len(counts) * counts[c]) for c in labels])
    a = FastTextClassifier(**QUICK, class_weight="balanced").fit(texts, labels)
    b = FastTextClassifier(**QUICK).fit(texts, labels, sample_weight=weights)
    np.testing.assert_allclose(a.input_matrix_, b.input_matrix_, atol=1e-6)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-6)


# ------------------------------------------------------------ multi-label

def test_multilabel_fit_and_predict_give_indicator_matrices(train, held_out):
    texts, labels = train
    def indicator(y):
        return np.column_stack([y == "computers", y == "politics",
                                np.isin(y, ["computers", "startrek"])]).astype(int)
    clf = FastTextClassifier(**TRAINED, loss="ova").fit(texts, indicator(labels))
    assert clf.classes_.tolist() == [0, 1, 2]
    predicted = clf.predict(held_out[0])
    assert predicted.shape == (len(held_out[0]), 3) and set(np.unique(predicted)) <= {0, 1}
    proba = clf.predict_proba(held_out[0])
    np.testing.assert_array_equal(predicted, (proba > 0.5).astype(int))
    assert not np.allclose(proba.sum(axis=1), 1.0)  # independent labels
    assert (predicted.sum(axis=1) == 2).any()  # several labels at once
    truth = indicator(held_out[1])
    # Label 2 (computers or startrek) is half of the documents: clearly above chance.
    assert (predicted[:, 2] == truth[:, 2]).mean() > 0.65
    assert clf.decision_function(held_out[0]).shape == (len(held_out[0]), 3)


# ------------------------------------------------------------ options

def test_early_stopping_records_validation_scores_and_stops(train):
    texts, labels = train
    clf = FastTextClassifier(**TRAINED, early_stopping=True, n_iter_no_change=1,
                             tol=1.0).fit(texts, labels)
    assert clf.n_iter_ == 2 < TRAINED["epochs"]
    assert len(clf.validation_scores_) == 2 and len(clf.loss_curve_) == 2
    assert all(0 <= s <= 1 for s in clf.validation_scores_)
    patient = FastTextClassifier(**TRAINED, early_stopping=True, tol=None).fit(texts, labels)
    assert patient.n_iter_ == TRAINED["epochs"] == len(patient.validation_scores_)
    assert max(patient.validation_scores_) > 0.4
    assert FastTextClassifier(**QUICK).fit(DOCS, LABELS).validation_scores_ is None


def test_pretrained_rows_are_used_and_kept_without_fine_tuning(train):
    texts, labels = train
    rng = np.random.default_rng(0)
    words = ["computer", "the", "president", "captain", "zzzunseen", "food"]
    pretrained = Vectors(words, rng.normal(size=(len(words), 12)).astype(np.float32))
    fixed = FastTextClassifier(**{**TRAINED, "vector_size": None}, pretrained=pretrained,
                               fine_tune=False).fit(texts, labels)
    # The words of X that the vectors know start from them (a pretrained word that X
    # lacks may join the vocabulary with count 0, as in fastText).
    known = [w for w in words if w in fixed.vocabulary_]
    assert set(words) - {"zzzunseen"} <= set(known)
    assert fixed.n_pretrained_ == len(known)
    assert fixed.input_matrix_.shape[1] == 12  # vector_size=None takes their dimension
    for word in known:
        np.testing.assert_array_equal(fixed.input_matrix_[fixed.vocabulary_[word]],
                                      pretrained.vectors[words.index(word)])
    tuned = FastTextClassifier(**{**TRAINED, "vector_size": None}, pretrained=pretrained).fit(
        texts, labels)
    assert tuned.n_pretrained_ == fixed.n_pretrained_
    row = tuned.input_matrix_[tuned.vocabulary_["the"]]
    assert not np.array_equal(row, pretrained.vectors[words.index("the")])  # fine-tuned
    assert FastTextClassifier(**QUICK).fit(DOCS, LABELS).n_pretrained_ == 0


def test_pretrained_words_missing_from_x_join_the_vocabulary(train):
    # As fastText's -pretrainedVectors: a word no labelled document has keeps its vector,
    # so a test document made of such words is read through them.
    texts, labels = train
    rng = np.random.default_rng(1)
    words = ["computer", "the", "zzzalpha", "zzzbeta"]
    pretrained = Vectors(words, rng.normal(size=(len(words), 8)).astype(np.float32))
    clf = FastTextClassifier(**{**TRAINED, "vector_size": None}, pretrained=pretrained).fit(
        texts, labels)
    assert clf.n_pretrained_ == len(words)
    for word in ("zzzalpha", "zzzbeta"):
        assert clf.counts_[clf.vocabulary_[word]] == 0
        np.testing.assert_array_equal(clf.input_matrix_[clf.vocabulary_[word]],
                                      pretrained.vectors[words.index(word)])
    end_only = clf.transform([""])[0]
    assert not np.allclose(clf.transform(["zzzalpha zzzbeta"])[0], end_only)


def test_tokenizer_none_takes_the_tokenizer_stored_with_the_vectors(train):
    from skembed._tokenize import DocumentAnalyzer, make_tokenizer

    texts, labels = train
    wordpiece = make_tokenizer("wordpiece", lowercase=True, input="content", texts=texts,
                               subword_vocab_size=400)
    pieces = sorted(wordpiece.get_vocab())
    vectors = Vectors(pieces, np.random.default_rng(2).normal(size=(len(pieces), 8)),
                      analyzer=DocumentAnalyzer(wordpiece, lowercase=True))
    clf = FastTextClassifier(**{**TRAINED, "vector_size": None}, pretrained=vectors).fit(
        texts, labels)
    split = clf.build_analyzer()
    assert split(texts[0]) == wordpiece.encode(texts[0].lower()).tokens
    assert any(token.startswith("##") for token in clf.vocabulary_)
    # Without vectors, or with word vectors, None means whole words.
    assert FastTextClassifier().build_analyzer()("Hello, World") == ["hello", "world"]
    with pytest.raises(NotFittedError):
        FastTextClassifier(pretrained=vectors).build_analyzer()  # the vectors decide


def test_unseen_words_use_their_character_ngrams(train):
    texts, labels = train
    clf = FastTextClassifier(**TRAINED, max_n=5).fit(texts, labels)
    assert "computerized" not in clf.vocabulary_
    end_of_document = len(clf.vocabulary_)  # rows: words, end of document, zeros, buckets
    end_only = clf.transform([""])
    np.testing.assert_array_equal(end_only[0], clf.input_matrix_[end_of_document])
    assert np.abs(clf.transform(["computerized"]) - end_only).max() > 1e-3
    # No n-gram of "qqqxj" was seen in training: each reads the shared row of zeros.
    np.testing.assert_array_equal(clf.input_matrix_[end_of_document + 1], 0.0)
    n_grams = len(char_ngrams("qqqxj", 3, 5))
    np.testing.assert_allclose(clf.transform(["qqqxj"]), end_only / (1 + n_grams), rtol=1e-6)
    plain = FastTextClassifier(**TRAINED).fit(texts, labels)
    np.testing.assert_array_equal(plain.transform(["computerized"]), plain.transform([""]))
    assert len(clf.ngram_buckets_) > 0 and len(plain.ngram_buckets_) == 0


def _skewed(train):
    """Topics of 120, 80, 50 and 30 training texts."""
    texts, labels = train
    sizes = {"computers": 120, "politics": 80, "startrek": 50, "food": 30}
    seen = dict.fromkeys(sizes, 0)
    keep = []
    for i, label in enumerate(labels):
        seen[label] += 1
        if seen[label] <= sizes[label]:
            keep.append(i)
    return [texts[i] for i in keep], labels[keep]


@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
def test_empty_and_unknown_documents_get_finite_predictions(train, loss):
    texts, labels = _skewed(train)
    clf = FastTextClassifier(**TRAINED, loss=loss).fit(texts, labels)
    docs = ["", "qqqq zzzzz", "   ", "!!!"]
    proba = clf.predict_proba(docs)
    assert np.isfinite(proba).all() and np.isfinite(clf.decision_function(docs)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    # All read the end-of-document row alone.
    for row in proba[1:]:
        np.testing.assert_array_equal(row, proba[0])
    np.testing.assert_array_equal(clf.transform([""])[0],
                                  clf.input_matrix_[len(clf.vocabulary_)])
    assert len(set(clf.predict(docs).tolist())) == 1


@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
def test_intercept_is_zero_unless_fitted_and_then_starts_at_the_prior(train, loss):
    texts, labels = _skewed(train)
    plain = FastTextClassifier(**QUICK, loss=loss).fit(texts, labels)
    np.testing.assert_array_equal(plain.intercept_, 0.0)
    # A learning rate too small to move anything leaves the bias where it started.
    clf = FastTextClassifier(**QUICK, loss=loss, fit_intercept=True, alpha=1e-9).fit(
        texts, labels)
    prior = clf.class_count_ / clf.class_count_.sum()
    bias = clf.intercept_.astype(np.float64)
    if loss == "softmax":
        from_bias = np.exp(bias) / np.exp(bias).sum()
    elif loss == "ova":
        from_bias = 1 / (1 + np.exp(-bias))  # each class's share of the documents
    else:
        codes, points, lengths = class_tree(clf.class_count_)
        from_bias = np.array([
            np.prod([1 / (1 + np.exp(-bias[points[c, k]] if codes[c, k] == 0
                                     else bias[points[c, k]]))
                     for k in range(lengths[c])]) for c in range(len(prior))])
    np.testing.assert_allclose(from_bias, prior, atol=1e-4)


@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_documents_without_evidence_get_the_class_priors(train, loss, fit_intercept):
    # Alone, the end-of-document row of an empty document would point at one class with
    # full confidence once trained (p = 1.00 for a class of prior 0.29 here): the classifier
    # answers with the training frequencies instead, whatever the loss.
    texts, labels = _skewed(train)
    clf = FastTextClassifier(**{**TRAINED, "epochs": 20}, loss=loss,
                             fit_intercept=fit_intercept, word_ngrams=2).fit(texts, labels)
    prior = clf.class_count_ / clf.class_count_.sum()
    nothing_known = ["", "zzzq qqxv", "   "]
    np.testing.assert_allclose(clf.predict_proba(nothing_known), np.tile(prior, (3, 1)),
                               rtol=1e-6)
    assert set(clf.predict(nothing_known)) == {clf.classes_[np.argmax(prior)]}
    # A document with one known word is read, not replaced by the prior.
    assert np.abs(clf.predict_proba([texts[0]])[0] - prior).max() > 0.05


def test_fit_transform_equals_fit_then_transform_and_reads_x_once(train):
    texts, labels = train
    once = FastTextClassifier(**QUICK, word_ngrams=2).fit_transform(
        (t for t in texts), labels)
    twice = FastTextClassifier(**QUICK, word_ngrams=2).fit(texts, labels).transform(texts)
    np.testing.assert_array_equal(once, twice)
    assert once.dtype == np.float32 and once.shape == (len(texts), 8)


def test_learning_beats_the_majority_class_on_held_out_texts(fitted, held_out):
    texts, labels = held_out
    majority = max((labels == c).mean() for c in TOPICS)
    for loss, clf in fitted.items():
        accuracy = clf.score(texts, labels)
        assert accuracy > majority + 0.2, (loss, accuracy, majority)
        assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_word_bigrams_learn_too(train, held_out):
    clf = FastTextClassifier(**TRAINED, word_ngrams=2).fit(*train)
    assert clf.score(*held_out) > 0.45
    # Words, the end-of-document row, the shared zero row, the buckets seen in training.
    assert clf.input_matrix_.shape[0] == len(clf.vocabulary_) + 2 + len(clf.ngram_buckets_)
    assert np.all(np.diff(clf.ngram_buckets_) > 0)


def test_hierarchical_softmax_with_many_classes():
    glosses = load_wordnet_glosses()[::190][:600]
    # The first letter of the lemma, and whether the synset has several lemmas.
    labels = np.array([g[0].lower() + ("+" if "," in g.split(":")[0] else "")
                       for g in glosses])
    n_classes = len(np.unique(labels))
    assert n_classes >= 30
    clf = FastTextClassifier(vector_size=16, epochs=20, alpha=0.5, loss="hs",
                             random_state=0).fit(glosses, labels)
    assert clf.coef_.shape == (n_classes - 1, 16) and len(clf.classes_) == n_classes
    proba = clf.predict_proba(glosses)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(glosses))
    majority = max((labels == c).mean() for c in clf.classes_)
    assert clf.score(glosses, labels) > majority + 0.3  # it fits its training texts


def test_callbacks_see_each_epoch_and_can_stop_training(train):
    class Recorder:
        def __init__(self):
            self.calls = []

        def on_train_begin(self, estimator):
            self.calls.append("begin")

        def on_epoch_end(self, estimator, epoch, logs):
            self.calls.append((epoch, logs["loss"], logs["vectors"].vectors.shape))
            return epoch == 2

        def on_train_end(self, estimator, logs):
            self.calls.append("end")

    recorder = Recorder()
    clf = FastTextClassifier(**TRAINED, callbacks=[recorder]).fit(*train)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    assert recorder.calls[0] == "begin" and recorder.calls[-1] == "end"
    epochs = recorder.calls[1:-1]
    assert [e for e, _, _ in epochs] == [0, 1, 2]
    assert [loss for _, loss, _ in epochs] == clf.loss_curve_
    assert epochs[0][2] == (len(clf.vocabulary_), 20)
