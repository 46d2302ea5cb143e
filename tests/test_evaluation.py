"""Intrinsic and extrinsic evaluation: hand-built cases, gensim agreement, scorers, tables."""

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr
from sklearn import config_context
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from skembed import FastTextTransformer, Vectors, Word2VecTransformer
from skembed.datasets import load_fortunes
from skembed.evaluation import (
    compare_pipelines,
    evaluate_analogies,
    evaluate_word_pairs,
    fitted_vectors,
    make_analogy_scorer,
    make_word_pairs_scorer,
    read_analogies,
    read_word_pairs,
)

# Each word is a sum of orthogonal features: person, male, female, royal, young (and an
# unrelated "apple"), so the analogies hold by construction.
_P, _M, _F, _R, _Y, _A = np.eye(6, dtype=np.float32)
_WORDS = {"man": _P + _M, "woman": _P + _F, "king": _P + _M + _R, "queen": _P + _F + _R,
          "boy": _P + _M + _Y, "girl": _P + _F + _Y, "prince": _P + _M + _R + _Y,
          "princess": _P + _F + _R + _Y, "apple": _A}
TOKENS = list(_WORDS)
GEOMETRY = np.array(list(_WORDS.values()))
QUESTIONS = [
    ": royalty",
    "man king woman queen",
    "boy prince girl princess",
    "man woman king queen",
    "man king woman apple",     # wrong on purpose: the answer is queen
    ": unknown",
    "man king woman empress",   # not in the vocabulary
]


@pytest.fixture(scope="module")
def kv():
    return Vectors(TOKENS, GEOMETRY)


@pytest.fixture(scope="module")
def fortunes_model():
    texts = load_fortunes(subset="all", return_X_y=True)[0]
    return Word2VecTransformer(vector_size=32, min_count=3, epochs=5, n_jobs=1,
                               random_state=0).fit(texts)


def test_read_analogies_and_line_errors():
    parsed = read_analogies(QUESTIONS)
    assert parsed[0] == ("royalty", "man", "king", "woman", "queen")
    assert parsed[-1][0] == "unknown" and len(parsed) == 5
    with pytest.raises(ValueError, match="line 2: an analogy question needs 4 words"):
        read_analogies([": s", "a b c"])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_analogies("no/such/questions.txt")


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_analogies_on_hand_built_vectors(kv, method):
    result = evaluate_analogies(kv, QUESTIONS, method=method)
    assert (result.correct, result.answered, result.total) == (3, 4, 5)
    assert result.accuracy == 0.75 and result.coverage == 0.8
    royalty, unknown = result.sections
    assert (royalty.name, royalty.correct, royalty.answered, royalty.total) == (
        "royalty", 3, 4, 4)
    assert unknown.accuracy is None and unknown.total == 1
    assert result.skipped == {"a word is not in the vocabulary": 1}
    assert "total" in result.table().splitlines()[-1]


def test_analogies_ignore_case_and_explain_restricted_vocabulary(kv):
    upper = Vectors([t.upper() for t in TOKENS], GEOMETRY)
    assert evaluate_analogies(upper, QUESTIONS).correct == 3
    assert evaluate_analogies(upper, QUESTIONS, case_insensitive=False).answered == 0
    small = evaluate_analogies(kv, QUESTIONS, restrict_vocab=4)
    assert small.answered == 2 and small.restrict_vocab == 4
    assert small.skipped == {"a word is not among the 4 most frequent tokens": 2,
                             "a word is not in the vocabulary": 1}
    with pytest.raises(ValueError, match="'method' parameter of evaluate_analogies must be"):
        evaluate_analogies(kv, QUESTIONS, method="3cosmax")


def test_word_pairs_policies_and_errors(kv):
    pairs = [("man", "boy", 8.0), ("man", "apple", 1.0), ("king", "prince", 9.0),
             ("queen", "girl", 6.0), ("man", "dragon", 3.0)]
    skip = evaluate_word_pairs(kv, pairs)
    cos = [kv.similarity(a, b) for a, b, _ in pairs[:4]]
    human = [s for _, _, s in pairs[:4]]
    assert skip.spearman == pytest.approx(spearmanr(human, cos).statistic)
    assert skip.pearson == pytest.approx(pearsonr(human, cos).statistic)
    assert (skip.n_pairs, skip.n_known, skip.n_scored) == (5, 4, 4)
    assert skip.coverage == 0.8 and skip.unknown_words == ("dragon",)
    zero = evaluate_word_pairs(kv, pairs, unknown="zero")
    assert zero.n_scored == 5 and zero.unknown == "zero"
    assert zero.spearman == pytest.approx(spearmanr(human + [3.0], cos + [0.0]).statistic)
    with pytest.raises(ValueError, match="only 0 of 1 word pairs"):
        evaluate_word_pairs(kv, [("x", "y", 1.0)])
    with pytest.raises(ValueError, match="line 3: the score 'high' is not a number"):
        read_word_pairs(["# header", "a\tb\t1", "a\tc\thigh"])
    with pytest.raises(ValueError, match="line 1: expected"):
        read_word_pairs(["a b 1"])


def test_word_pairs_score_unseen_words_from_ngrams():
    texts = load_fortunes(subset="train", return_X_y=True)[0][:800]
    ft = FastTextTransformer(vector_size=16, min_count=2, epochs=2, random_state=0).fit(texts)
    assert "computerz" not in ft.vectors_.index and "computerz" in ft.vectors_
    pairs = [("computer", "computerz", 9.0), ("computer", "the", 1.0), ("love", "hate", 4.0)]
    full = evaluate_word_pairs(ft, pairs)
    assert full.n_known == 3 and full.unknown_words == ()
    restricted = evaluate_word_pairs(ft, pairs, restrict_vocab=len(ft.vectors_))
    assert restricted.n_known == 2 and restricted.unknown_words == ("computerz",)


def test_fitted_vectors_finds_vectors_in_pipelines(fortunes_model):
    pipeline = make_pipeline(fortunes_model, LogisticRegression())
    assert fitted_vectors(pipeline) is fortunes_model.vectors_
    assert fitted_vectors(fortunes_model.vectors_) is fortunes_model.vectors_
    frozen = make_pipeline(FrozenEstimator(fortunes_model), LogisticRegression())
    assert fitted_vectors(frozen) is fortunes_model.vectors_
    with pytest.raises(TypeError, match="found no fitted word vectors in LogisticRegression"):
        fitted_vectors(LogisticRegression())
    with pytest.raises(TypeError, match=r"LogisticRegression \(the 'model' argument\)"):
        fitted_vectors(LogisticRegression())
    with pytest.raises(NotFittedError, match="Word2VecTransformer instance is not fitted"):
        fitted_vectors(make_pipeline(Word2VecTransformer(), LogisticRegression()))


def test_evaluators_and_scorers_take_gensim_vectors(fortunes_model):
    pytest.importorskip("gensim")
    kv = _gensim_keyed_vectors(fortunes_model.vectors_)
    pairs = [("love", "hate", 3.0), ("man", "woman", 8.0), ("time", "money", 4.0),
             ("life", "death", 5.0)]
    ours = evaluate_word_pairs(fortunes_model, pairs)
    assert evaluate_word_pairs(kv, pairs) == ours
    assert make_word_pairs_scorer(pairs)(kv, None) == ours.spearman
    lines = [": family", "man king woman queen", "he his she her", "boy girl man woman"]
    assert evaluate_analogies(kv, lines) == evaluate_analogies(fortunes_model, lines)


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda kv: evaluate_analogies(kv, QUESTIONS, method="cos"), "method"),
        (lambda kv: evaluate_analogies(kv, QUESTIONS, restrict_vocab=0), "restrict_vocab"),
        (lambda kv: evaluate_analogies(kv, QUESTIONS, restrict_vocab=True), "restrict_vocab"),
        (lambda kv: evaluate_analogies(kv, QUESTIONS, case_insensitive="yes"),
         "case_insensitive"),
        (lambda kv: evaluate_analogies(kv, 42), "questions"),
        (lambda kv: evaluate_word_pairs(kv, [], unknown="drop"), "unknown"),
        (lambda kv: evaluate_word_pairs(kv, [], restrict_vocab=2.5), "restrict_vocab"),
        (lambda kv: evaluate_word_pairs(kv, [], delimiter=None), "delimiter"),
        (lambda kv: evaluate_word_pairs(kv, None), "pairs"),
        (lambda kv: read_analogies(3.5), "questions"),
        (lambda kv: read_word_pairs(["a\tb\t1"], delimiter=b"\t"), "delimiter"),
        (lambda kv: make_analogy_scorer(None), "questions"),
        (lambda kv: make_word_pairs_scorer(7), "pairs"),
    ],
)
def test_wrong_arguments_raise_invalid_parameter_error_naming_them(kv, call, parameter):
    with pytest.raises(ValueError, match=f"The '{parameter}' parameter of \\w+ must be") as caught:
        call(kv)
    assert type(caught.value).__name__ == "InvalidParameterError"
    assert isinstance(caught.value, TypeError)  # scikit-learn's error is both


def test_skipping_validation_reaches_the_function(kv):
    # set_config(skip_parameter_validation=True) is honoured: the bad value gets through to
    # the function itself, which then fails on its own terms.
    with config_context(skip_parameter_validation=True), pytest.raises(TypeError,
                                                                        match="not iterable"):
        read_analogies(3.5)


# ----------------------------------------------------------- agreement with gensim


def _gensim_keyed_vectors(vectors):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.vector_size)
    kv.add_vectors(list(vectors.tokens), vectors.vectors)
    return kv


@pytest.mark.parametrize("restrict_vocab", [30_000, 1_000])
def test_analogy_accuracy_agrees_with_gensim(fortunes_model, shared_data, restrict_vocab):
    questions = shared_data / "eval" / "questions-words.txt"
    ours = evaluate_analogies(fortunes_model, questions, restrict_vocab=restrict_vocab)
    accuracy, sections = _gensim_keyed_vectors(fortunes_model.vectors_).evaluate_word_analogies(
        str(questions), restrict_vocab=restrict_vocab)
    theirs = {s["section"]: s for s in sections}
    assert ours.answered > 100  # enough questions for the comparison to mean something
    assert ours.accuracy == pytest.approx(accuracy)
    for section in ours.sections:
        if section.answered:
            assert section.correct == len(theirs[section.name]["correct"])
            assert section.answered == (len(theirs[section.name]["correct"])
                                        + len(theirs[section.name]["incorrect"]))


def test_3cosmul_agrees_with_gensim_most_similar_cosmul(fortunes_model, shared_data):
    # gensim's evaluate_word_analogies ignores 3CosMul, so ask most_similar_cosmul directly.
    questions = read_analogies(shared_data / "eval" / "questions-words.txt")
    vectors = fortunes_model.vectors_
    gensim_kv = _gensim_keyed_vectors(vectors)
    known = [[w.lower() for w in q[1:]] for q in questions
             if all(w.lower() in vectors.index for w in q[1:])]
    correct = sum(
        gensim_kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=1)[0][0] == d
        for a, b, c, d in known)
    lines = [" ".join(q) for q in known]
    ours = evaluate_analogies(vectors, lines, method="3cosmul", restrict_vocab=None)
    assert ours.answered == len(known) > 100
    assert ours.correct == correct
    additive = evaluate_analogies(vectors, lines, method="3cosadd", restrict_vocab=None)
    assert additive.correct != ours.correct  # the method is not ignored


@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
@pytest.mark.parametrize("unknown", ["skip", "zero"])
def test_word_pairs_agree_with_gensim(fortunes_model, shared_data, name, unknown):
    path = shared_data / "eval" / name
    ours = evaluate_word_pairs(fortunes_model, path, unknown=unknown)
    pearson, spearman, oov_percent = _gensim_keyed_vectors(
        fortunes_model.vectors_).evaluate_word_pairs(str(path), dummy4unknown=unknown == "zero")
    assert ours.spearman == pytest.approx(spearman.statistic, abs=1e-6)
    assert ours.pearson == pytest.approx(pearson.statistic, abs=1e-6)
    assert 100 * (1 - ours.coverage) == pytest.approx(oov_percent, abs=1e-9) or unknown == "skip"
    assert ours.n_known < ours.n_pairs  # the small model misses some words


# --------------------------------------------------------------------- scorers


def test_scorers_select_an_embedding_in_grid_search(shared_data):
    texts = load_fortunes(subset="all", return_X_y=True)[0]
    pairs = shared_data / "eval" / "wordsim353.tsv"
    scorer = make_word_pairs_scorer(pairs)
    search = GridSearchCV(
        Word2VecTransformer(min_count=3, epochs=2, random_state=0),
        {"vector_size": [8, 24]}, scoring=scorer, cv=2, n_jobs=2,
    ).fit(texts)
    assert search.best_params_["vector_size"] in (8, 24)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    fitted = search.best_estimator_
    assert scorer(fitted, None) == evaluate_word_pairs(fitted, pairs).spearman

    analogy = make_analogy_scorer(shared_data / "eval" / "questions-words.txt")
    pipeline = make_pipeline(fitted, DummyClassifier()).fit(texts[:50], ["a"] * 50)
    value = analogy(pipeline, None)
    assert 0.0 <= value <= 1.0
    assert value == (evaluate_analogies(fitted, shared_data / "eval" /
                                        "questions-words.txt").accuracy or 0.0)


# ------------------------------------------------------------------- extrinsic


def test_compare_pipelines_uses_the_same_folds_and_reports_scores():
    texts, labels = load_fortunes(subset="train", return_X_y=True)
    texts, labels = texts[:600], labels[:600]
    pipelines = {
        "majority": DummyClassifier(),
        "tf-idf": make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)),
    }
    table = compare_pipelines(pipelines, texts, labels, cv=3)
    assert [r["name"] for r in table.rows] == ["majority", "tf-idf"]
    tfidf = table.rows[1]
    folds = StratifiedKFold(3)
    expected = cross_val_score(pipelines["tf-idf"], texts, labels, cv=folds)
    assert tfidf["accuracy_mean"] == pytest.approx(expected.mean())
    assert tfidf["accuracy_mean"] > table.rows[0]["accuracy_mean"]
    assert 0 < tfidf["f1_macro_mean"] <= 1 and tfidf["fit_seconds"] > 0
    markdown = table.to_markdown().splitlines()
    assert markdown[0].startswith("| pipeline |") and len(markdown) == 4
    assert list(table.to_frame().index) == ["majority", "tf-idf"]
    with pytest.raises(ValueError, match="pipelines is empty"):
        compare_pipelines({}, texts, labels)


def test_compare_pipelines_chooses_C_on_each_training_fold_only():
    texts, labels = load_fortunes(subset="train", return_X_y=True)
    texts, labels = np.asarray(texts[:600], dtype=object), np.asarray(labels[:600])
    tfidf = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    pipelines = {"majority": DummyClassifier(), "tf-idf": tfidf}
    table = compare_pipelines(pipelines, texts, labels, cv=3, Cs=[0.1, 10], inner_cv=2)
    majority, tuned = table.rows
    assert majority["C"] is None
    # The same nested loop written out: on each training fold, a 2-fold search over C on
    # the TF-IDF rows of that fold alone; then the test fold is scored once.
    chosen, accuracies = [], []
    for train, test in StratifiedKFold(3).split(texts, labels):
        vectorizer = TfidfVectorizer().fit(texts[train])
        search = GridSearchCV(LogisticRegression(max_iter=1000), {"C": [0.1, 10.0]}, cv=2)
        search.fit(vectorizer.transform(texts[train]), labels[train])
        chosen.append(search.best_params_["C"])
        accuracies.append(search.score(vectorizer.transform(texts[test]), labels[test]))
    assert tuned["C"] == tuple(chosen)
    assert tuned["accuracy_mean"] == pytest.approx(np.mean(accuracies))
    # C=0.1 underfits TF-IDF rows badly: the search must have avoided it somewhere.
    assert 10.0 in tuned["C"]
    header, rule, *lines = table.to_markdown().splitlines()
    assert header.endswith("| C per fold |") and rule.count("---") == 5
    assert lines[0].endswith("| - |")
    assert lines[1].endswith(" | " + ", ".join(f"{c:g}" for c in chosen) + " |")

    # A single value is the same as fixing C: the search has nothing to choose.
    fixed = compare_pipelines({"tf-idf": tfidf}, texts, labels, cv=3, Cs=[10])
    expected = cross_val_score(tfidf.set_params(logisticregression__C=10), texts, labels,
                               cv=StratifiedKFold(3))
    assert fixed.rows[0]["C"] == (10.0, 10.0, 10.0)
    assert fixed.rows[0]["accuracy_mean"] == pytest.approx(expected.mean())


@pytest.mark.parametrize("Cs", [[], [0.0], [1, -2], [1, float("nan")], ["large"]])
def test_compare_pipelines_refuses_Cs_that_are_not_positive_numbers(Cs):
    texts, labels = load_fortunes(subset="train", return_X_y=True)
    tfidf = make_pipeline(TfidfVectorizer(), LogisticRegression())
    with pytest.raises(ValueError, match=r"Cs must hold one or more positive numbers, got"):
        compare_pipelines({"tf-idf": tfidf}, texts[:60], labels[:60], cv=2, Cs=Cs)


def test_compare_pipelines_says_when_no_pipeline_has_a_C():
    texts, labels = load_fortunes(subset="train", return_X_y=True)
    with pytest.raises(ValueError, match=r"final step of no pipeline has a C parameter "
                                         r"\(pipelines: majority\)"):
        compare_pipelines({"majority": DummyClassifier()}, texts[:60], labels[:60], cv=2,
                          Cs=[1.0])
    with pytest.raises(ValueError, match="'inner_cv' parameter of compare_pipelines"):
        compare_pipelines({"majority": DummyClassifier()}, texts[:60], labels[:60],
                          inner_cv="three")
