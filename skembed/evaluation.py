"""Intrinsic and extrinsic evaluation of word vectors.

* [`evaluate_analogies`][skembed.evaluation.evaluate_analogies]: accuracy on analogy
  questions in the Google format (``: section`` lines, then ``a b c d`` per line), by
  3CosAdd or 3CosMul, overall and per section, with the coverage and the reasons
  questions were skipped.
* [`evaluate_word_pairs`][skembed.evaluation.evaluate_word_pairs]: Spearman and Pearson
  correlation between human scores of word pairs (WordSim-353, SimLex-999 format) and
  cosine similarities, with an explicit policy for unknown words.
* [`make_analogy_scorer`][skembed.evaluation.make_analogy_scorer] and
  [`make_word_pairs_scorer`][skembed.evaluation.make_word_pairs_scorer]: scorers for
  ``GridSearchCV(scoring=...)`` that select an embedding by an intrinsic score.
* [`compare_pipelines`][skembed.evaluation.compare_pipelines]: cross-validated accuracy,
  macro-F1 and fit time of several pipelines on one labelled dataset, as a table.

Any of them takes a [`Vectors`][skembed.Vectors], a fitted embedding estimator, a fitted
pipeline or ``FrozenEstimator`` that contains one, or gensim's ``KeyedVectors`` (see
[`fitted_vectors`][skembed.evaluation.fitted_vectors]).
"""

import math
import os
import time
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from scipy import stats

from ._compat import N_JOBS_CONSTRAINT, HasMethods, Interval, StrOptions, validate_params
from ._files import read_text
from ._vectors import _COSMUL_EPSILON, as_vectors

__all__ = [
    "AnalogyResult",
    "AnalogySection",
    "PipelineComparison",
    "WordPairResult",
    "compare_pipelines",
    "evaluate_analogies",
    "evaluate_word_pairs",
    "fitted_vectors",
    "make_analogy_scorer",
    "make_word_pairs_scorer",
    "read_analogies",
    "read_word_pairs",
]

_QUESTION_BATCH = 256  # questions scored against the vocabulary at once
_NO_SECTION = "(no section)"


# What the evaluators accept as vectors is decided by as_vectors, whose TypeError lists
# it; a second, vaguer check here would only shadow that message.
_VECTORS = "no_validation"
_LINES = [str, os.PathLike, HasMethods(["__iter__"])]  # a path, or lines / tuples
_RESTRICT_VOCAB = [Interval(Integral, 1, None, closed="left"), None]


@validate_params({"model": _VECTORS}, prefer_skip_nested_validation=True)
def fitted_vectors(model):
    """Return the [Vectors][skembed.Vectors] of a vectors object, estimator or pipeline.

    This is the lookup every function of ``skembed.evaluation``, ``skembed.io`` and
    ``skembed.plot`` applies to its vectors argument, and that ``pretrained=`` applies to
    vectors objects.

    Parameters
    ----------
    model : object
        Where to find the vectors: a [Vectors][skembed.Vectors] (returned as it is); a fitted
        embedding estimator (its ``vectors_``); a fitted scikit-learn ``Pipeline``, searched
        from its last step backwards for the first step with vectors; a
        ``sklearn.frozen.FrozenEstimator`` around any of these; or gensim's
        ``KeyedVectors`` (any object with ``index_to_key`` and ``vectors``) or a gensim
        model with ``wv``, converted without importing gensim.

    Returns
    -------
    Vectors
        The object's own vectors (not a copy); gensim vectors are wrapped, sharing
        their matrix when it is float32 and C-contiguous.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the embedding estimator (alone, in the pipeline or frozen) is not fitted.
    TypeError
        If ``model`` holds no word vectors; the message lists what is accepted.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skembed import Word2VecTransformer
    >>> from skembed.evaluation import fitted_vectors
    >>> docs = ["the cat sat on the mat", "the dog sat on the log"] * 5
    >>> w2v = Word2VecTransformer(vector_size=8, min_count=1, random_state=0).fit(docs)
    >>> pipeline = make_pipeline(FrozenEstimator(w2v), LogisticRegression())
    >>> pipeline = pipeline.fit(docs, [0, 1] * 5)
    >>> fitted_vectors(pipeline) is w2v.vectors_
    True
    """
    return as_vectors(model, what="model")


def _source_lines(source, what):
    """Yield (line number, line) from a path or an iterable of lines; name the source."""
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        if not os.path.isfile(name):
            raise FileNotFoundError(f"{what} file {name!r} does not exist")
        # Plain, gzip, bzip2 or xz (told by content); a line that does not decode as
        # UTF-8 raises ValueError naming the file and the line.
        lines = read_text(name, encoding="utf-8").splitlines()
        return name, enumerate(lines, start=1)
    if isinstance(source, bytes):
        raise TypeError(f"{what} must be a path or an iterable of lines, got bytes")
    return f"the given {what}", enumerate(source, start=1)


# ------------------------------------------------------------------ vocabulary


class _Lookup:
    """Case-(in)sensitive access to the first ``restrict_vocab`` rows of some vectors."""

    def __init__(self, vectors, restrict_vocab, case_insensitive):
        self.vectors = vectors
        n_rows = len(vectors) if restrict_vocab is None else min(restrict_vocab, len(vectors))
        self.n_rows = n_rows
        self.case_insensitive = case_insensitive
        self.row_of = {}
        self.rows_of = {}
        # Walk from the least frequent up so the most frequent spelling of a key wins.
        for row in range(n_rows - 1, -1, -1):
            key = self.key(vectors.tokens[row])
            self.row_of[key] = row
            self.rows_of.setdefault(key, []).append(row)
        self.all_keys = None

    def key(self, word):
        return word.upper() if self.case_insensitive else word

    def known_anywhere(self, word):
        if self.all_keys is None:
            self.all_keys = {self.key(t) for t in self.vectors.tokens}
        return self.key(word) in self.all_keys


# ------------------------------------------------------------------- analogies


@dataclass(frozen=True)
class AnalogySection:
    """Results of one section of analogy questions.

    [`evaluate_analogies`][skembed.evaluation.evaluate_analogies] gives one per section
    of the questions, in ``AnalogyResult.sections``.

    Attributes
    ----------
    name : str
        Section name (the text after ``:``).
    correct : int
        Questions answered correctly.
    answered : int
        Questions whose four words are all in the searched vocabulary.
    total : int
        Questions in the section.

    See Also
    --------
    AnalogyResult : The results over all sections.

    Examples
    --------
    >>> from skembed.evaluation import AnalogySection
    >>> section = AnalogySection("capital-common-countries", correct=3, answered=4,
    ...                          total=5)
    >>> section.accuracy
    0.75
    """

    name: str
    correct: int
    answered: int
    total: int

    @property
    def accuracy(self):
        """Correct over answered (None when nothing was answered)."""
        return self.correct / self.answered if self.answered else None


@dataclass(frozen=True)
class AnalogyResult:
    """Analogy accuracy, overall and per section.

    Returned by [`evaluate_analogies`][skembed.evaluation.evaluate_analogies]; ``table()``
    formats it for printing.

    Attributes
    ----------
    accuracy : float or None
        Correct over answered questions (None when none could be answered).
    correct, answered, total : int
        Counts over all sections.
    coverage : float
        Answered over total questions.
    sections : tuple of AnalogySection
        In file order.
    skipped : dict
        Why unanswered questions were skipped: reason to count.
    method : str
        ``"3cosadd"`` or ``"3cosmul"``.
    restrict_vocab : int or None
        Size of the searched vocabulary.

    See Also
    --------
    evaluate_analogies : Computes it.
    AnalogySection : The results of one section.

    Examples
    --------
    >>> import numpy as np
    >>> from skembed import Vectors
    >>> from skembed.evaluation import evaluate_analogies
    >>> kv = Vectors(["king", "queen", "man", "woman"],
    ...              np.array([[1, 1], [1, -1], [0.9, 1.1], [0.9, -0.9]]))
    >>> result = evaluate_analogies(kv, [": family", "man king woman queen",
    ...                                  "man king girl princess"])
    >>> result.correct, result.answered, result.total, result.skipped
    (1, 1, 2, {'a word is not in the vocabulary': 1})
    >>> print(result.table())
    section                           correct  answered  total accuracy
    family                                  1         1      2 1.000
    total                                   1         1      2 1.000
    """

    accuracy: float
    correct: int
    answered: int
    total: int
    coverage: float
    sections: tuple
    skipped: dict = field(default_factory=dict)
    method: str = "3cosadd"
    restrict_vocab: int = None

    def table(self):
        """Return a plain-text table: one line per section, then the total.

        Returns
        -------
        str
            Columns section, correct, answered, total and accuracy ("-" when nothing
            was answered), one line each, without a final newline.
        """
        lines = [f"{'section':32s} {'correct':>8s} {'answered':>9s} {'total':>6s} accuracy"]
        for s in (*self.sections, AnalogySection("total", self.correct, self.answered,
                                                 self.total)):
            accuracy = "-" if s.accuracy is None else f"{s.accuracy:.3f}"
            lines.append(f"{s.name:32s} {s.correct:8d} {s.answered:9d} {s.total:6d} {accuracy}")
        return "\n".join(lines)


@validate_params({"questions": _LINES}, prefer_skip_nested_validation=True)
def read_analogies(questions):
    """Read analogy questions in the Google format.

    Parameters
    ----------
    questions : path, iterable of str, or iterable of tuples
        A text file (plain, or compressed with gzip, bzip2 or xz) or its lines:
        ``: section`` lines start a section; every other non-blank line is a question
        ``a b c d`` ("a is to b as c is to d").
        Already-read questions, tuples ``(a, b, c, d)`` or ``(section, a, b, c, d)``, are
        taken as they are.

    Returns
    -------
    list of (section, a, b, c, d)
        The questions in order; ``section`` is ``"(no section)"`` before the first
        section line.

    Raises
    ------
    ValueError
        For a question line that does not have exactly four words (naming the line).
    """
    if not isinstance(questions, (str, os.PathLike, bytes)):
        questions = list(questions)
        if questions and not isinstance(questions[0], str):
            return [tuple(q) if len(q) == 5 else (_NO_SECTION, *q) for q in questions]
    source, lines = _source_lines(questions, "analogy questions")
    section = _NO_SECTION
    parsed = []
    for number, line in lines:
        text = line.strip()
        if not text:
            continue
        if text.startswith(":"):
            section = text[1:].strip() or _NO_SECTION
            continue
        words = text.split()
        if len(words) != 4:
            raise ValueError(
                f"{source}, line {number}: an analogy question needs 4 words 'a b c d', "
                f"got {len(words)}: {text[:80]!r}"
            )
        parsed.append((section, *words))
    return parsed


@validate_params(
    {
        "vectors": _VECTORS,
        "questions": _LINES,
        "method": [StrOptions({"3cosadd", "3cosmul"})],
        "restrict_vocab": _RESTRICT_VOCAB,
        "case_insensitive": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def evaluate_analogies(vectors, questions, *, method="3cosadd", restrict_vocab=30_000,
                       case_insensitive=True):
    """Score analogy questions (is ``d`` the nearest token to ``b - a + c``).

    Follows gensim's ``evaluate_word_analogies``: only the ``restrict_vocab`` most frequent
    tokens are searched, a question with a word outside them is skipped (and counted in
    ``coverage`` and ``skipped``), ``a``, ``b`` and ``c`` are never the answer, and with
    ``case_insensitive`` words are matched ignoring case (the most frequent spelling of a
    word stands for it).

    Parameters
    ----------
    vectors : Vectors, fitted estimator, Pipeline, FrozenEstimator or KeyedVectors
        The vectors to test: anything
        [`fitted_vectors`][skembed.evaluation.fitted_vectors] accepts.
    questions : path or iterable of str
        Questions in the Google analogy format (see
        [`read_analogies`][skembed.evaluation.read_analogies]).
    method : {"3cosadd", "3cosmul"}, default="3cosadd"
        3CosAdd ranks candidates by ``cos(d, b) - cos(d, a) + cos(d, c)``; 3CosMul (Levy
        and Goldberg, 2014) by ``cos(d, b) cos(d, c) / (cos(d, a) + 1e-6)`` with cosines
        mapped to [0, 1].
    restrict_vocab : int or None, default=30000
        Search only the first (most frequent) tokens; None searches all.
    case_insensitive : bool, default=True
        Match question words and tokens ignoring case.

    Returns
    -------
    AnalogyResult
        Accuracy, coverage and counts, overall and per section.

    Examples
    --------
    >>> import numpy as np
    >>> from skembed import Vectors
    >>> from skembed.evaluation import evaluate_analogies
    >>> kv = Vectors(["king", "queen", "man", "woman"],
    ...              np.array([[1, 1], [1, -1], [0.9, 1.1], [0.9, -0.9]]))
    >>> result = evaluate_analogies(kv, [": family", "man king woman queen",
    ...                                  "man king girl princess"])
    >>> result.accuracy, result.coverage
    (1.0, 0.5)
    """
    vectors = as_vectors(vectors, what="vectors")
    parsed = read_analogies(questions)
    lookup = _Lookup(vectors, restrict_vocab, case_insensitive)

    outside = (f"a word is not among the {lookup.n_rows} most frequent tokens"
               if lookup.n_rows < len(vectors) else None)
    missing = "a word is not in the vocabulary"
    skipped = {}
    answerable = []  # (question index, rows of a, b, c, expected key)
    for q, (_, *words) in enumerate(parsed):
        keys = [lookup.key(w) for w in words]
        if all(k in lookup.row_of for k in keys):
            answerable.append((q, *(lookup.row_of[k] for k in keys[:3]), keys[3]))
            continue
        unknown = [w for w, k in zip(words, keys, strict=True) if k not in lookup.row_of]
        reason = missing
        if outside and all(lookup.known_anywhere(w) for w in unknown):
            reason = outside
        skipped[reason] = skipped.get(reason, 0) + 1

    correct_flags = _answer(vectors, lookup, answerable, method)
    correct_of = {q: ok for (q, *_), ok in zip(answerable, correct_flags, strict=True)}

    sections = {}
    for q, (section, *_) in enumerate(parsed):
        counts = sections.setdefault(section, [0, 0, 0])
        counts[2] += 1
        if q in correct_of:
            counts[1] += 1
            counts[0] += int(correct_of[q])
    section_results = tuple(AnalogySection(name, *counts) for name, counts in sections.items())
    correct = sum(s.correct for s in section_results)
    answered = len(answerable)
    total = len(parsed)
    return AnalogyResult(
        accuracy=correct / answered if answered else None,
        correct=correct,
        answered=answered,
        total=total,
        coverage=answered / total if total else 0.0,
        sections=section_results,
        skipped=skipped,
        method=method,
        restrict_vocab=lookup.n_rows,
    )


def _answer(vectors, lookup, answerable, method):
    """Return, per answerable question, whether the best candidate is the expected word."""
    if not answerable:
        return []
    normed = vectors.normed[: lookup.n_rows]
    key_of_row = [lookup.key(t) for t in vectors.tokens[: lookup.n_rows]]
    flags = []
    for start in range(0, len(answerable), _QUESTION_BATCH):
        batch = answerable[start : start + _QUESTION_BATCH]
        a, b, c = (np.array([q[i] for q in batch]) for i in (1, 2, 3))
        if method == "3cosadd":
            query = (normed[b] + normed[c] - normed[a]) / np.float32(3.0)
            norms = np.linalg.norm(query, axis=1, keepdims=True)
            np.divide(query, norms, out=query, where=norms > 0)
            scores = query @ normed.T
        else:
            shifted = [(np.float32(1.0) + normed[rows] @ normed.T) / np.float32(2.0)
                       for rows in (a, b, c)]
            scores = shifted[1] * shifted[2] / (shifted[0] + np.float32(_COSMUL_EPSILON))
        for i, (_, row_a, row_b, row_c, _) in enumerate(batch):
            # Every spelling of a, b and c is excluded, as gensim does.
            for row in (row_a, row_b, row_c):
                scores[i, lookup.rows_of[key_of_row[row]]] = -np.inf
        best = np.argmax(scores, axis=1)
        flags.extend(key_of_row[r] == q[4] for r, q in zip(best, batch, strict=True))
    return flags


# ------------------------------------------------------------------ word pairs


@dataclass(frozen=True)
class WordPairResult:
    """Correlation between human scores and cosine similarities of word pairs.

    Returned by [`evaluate_word_pairs`][skembed.evaluation.evaluate_word_pairs].

    Attributes
    ----------
    spearman, spearman_pvalue : float
        Spearman's rho over the scored pairs, and its p-value.
    pearson, pearson_pvalue : float
        Pearson's r over the scored pairs, and its p-value.
    n_pairs : int
        Pairs in the file.
    n_known : int
        Pairs whose two words have vectors.
    n_scored : int
        Pairs in the correlation (``n_known``, or ``n_pairs`` with ``unknown="zero"``).
    coverage : float
        ``n_known / n_pairs``.
    unknown : str
        The policy for pairs with an unknown word: ``"skip"`` or ``"zero"``.
    unknown_words : tuple of str
        The words without a vector, sorted.

    See Also
    --------
    evaluate_word_pairs : Computes it.

    Examples
    --------
    >>> import numpy as np
    >>> from skembed import Vectors
    >>> from skembed.evaluation import evaluate_word_pairs
    >>> kv = Vectors(["cat", "dog", "car"], np.array([[1, 0.1], [1, 0.3], [0, 1]]))
    >>> result = evaluate_word_pairs(kv, [("cat", "dog", 8.0), ("cat", "car", 1.0),
    ...                                   ("dog", "car", 2.0), ("cat", "emu", 5.0)])
    >>> result.n_pairs, result.n_known, result.n_scored, result.unknown_words
    (4, 3, 3, ('emu',))
    """

    spearman: float
    spearman_pvalue: float
    pearson: float
    pearson_pvalue: float
    n_pairs: int
    n_known: int
    n_scored: int
    coverage: float
    unknown: str
    unknown_words: tuple


@validate_params({"pairs": _LINES, "delimiter": [str]}, prefer_skip_nested_validation=True)
def read_word_pairs(pairs, delimiter="\t"):
    r"""Read scored word pairs (WordSim-353 and SimLex-999 format).

    Parameters
    ----------
    pairs : path, iterable of str, or iterable of (str, str, float)
        Lines ``word1<delimiter>word2<delimiter>score[<delimiter>...]``; lines starting
        with ``#`` and blank lines are skipped, extra columns ignored.
    delimiter : str, default="\t"
        Column separator.

    Returns
    -------
    list of (str, str, float)
        The pairs and their scores, in order.

    Raises
    ------
    ValueError
        For a line with fewer than 3 columns or a score that is not a finite number.
    """
    if not isinstance(pairs, (str, os.PathLike, bytes)):
        pairs = list(pairs)
        if pairs and not isinstance(pairs[0], str):
            return [(str(a), str(b), float(score)) for a, b, score in pairs]
    source, lines = _source_lines(pairs, "word pairs")
    parsed = []
    for number, line in lines:
        text = line.rstrip("\r\n")
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        columns = text.split(delimiter)
        if len(columns) < 3:
            raise ValueError(
                f"{source}, line {number}: expected 'word1{delimiter!r}word2{delimiter!r}score'"
                f", got {len(columns)} column(s): {text[:80]!r}"
            )
        a, b, score = (c.strip() for c in columns[:3])
        try:
            value = float(score)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise ValueError(f"{source}, line {number}: the score {score!r} is not a number")
        parsed.append((a, b, value))
    return parsed


@validate_params(
    {
        "vectors": _VECTORS,
        "pairs": _LINES,
        "unknown": [StrOptions({"skip", "zero"})],
        "restrict_vocab": _RESTRICT_VOCAB,
        "case_insensitive": ["boolean"],
        "delimiter": [str],
    },
    prefer_skip_nested_validation=True,
)
def evaluate_word_pairs(vectors, pairs, *, unknown="skip", restrict_vocab=None,
                        case_insensitive=True, delimiter="\t"):
    r"""Correlate human similarity scores with the cosine similarity of the vectors.

    Parameters
    ----------
    vectors : Vectors, fitted estimator, Pipeline, FrozenEstimator or KeyedVectors
        The vectors to test: anything
        [`fitted_vectors`][skembed.evaluation.fitted_vectors] accepts.
    pairs : path, iterable of str, or iterable of (str, str, float)
        Scored pairs (see [`read_word_pairs`][skembed.evaluation.read_word_pairs]).
    unknown : {"skip", "zero"}, default="skip"
        A pair with a word that has no vector is left out (``"skip"``), or scored with
        similarity 0 (``"zero"``, gensim's ``dummy4unknown``).
    restrict_vocab : int or None, default=None
        Use only the first (most frequent) tokens. With None, words outside the vocabulary
        that the vectors can still build (fastText n-grams, subword tokens) count as known.
    case_insensitive : bool, default=True
        Match words ignoring case (the most frequent spelling stands for a word).
    delimiter : str, default="\t"
        Column separator of a pairs file.

    Returns
    -------
    WordPairResult
        The correlations, their p-values and the coverage.

    Raises
    ------
    ValueError
        If fewer than two pairs can be scored (no correlation is defined).

    Examples
    --------
    >>> import numpy as np
    >>> from skembed import Vectors
    >>> from skembed.evaluation import evaluate_word_pairs
    >>> kv = Vectors(["cat", "dog", "car"], np.array([[1, 0.1], [1, 0.3], [0, 1]]))
    >>> result = evaluate_word_pairs(kv, [("cat", "dog", 8.0), ("cat", "car", 1.0),
    ...                                   ("dog", "car", 2.0), ("cat", "emu", 5.0)])
    >>> result.spearman, result.n_known, result.coverage
    (1.0, 3, 0.75)
    """
    vectors = as_vectors(vectors, what="vectors")
    parsed = read_word_pairs(pairs, delimiter)
    lookup = _Lookup(vectors, restrict_vocab, case_insensitive)

    def unit_vector(word):
        row = lookup.row_of.get(lookup.key(word))
        if row is not None:
            return vectors.normed[row]
        if restrict_vocab is None:
            spelling = word.lower() if case_insensitive else word
            if spelling in vectors:
                return vectors.get_vector(spelling, norm=True)
        return None

    human, model, unknown_words = [], [], set()
    n_known = 0
    for a, b, score in parsed:
        u, v = unit_vector(a), unit_vector(b)
        if u is None or v is None:
            unknown_words.update(w for w, x in ((a, u), (b, v)) if x is None)
            if unknown == "zero":
                human.append(score)
                model.append(0.0)
            continue
        n_known += 1
        human.append(score)
        model.append(float(np.dot(u, v)))
    if len(human) < 2:
        raise ValueError(
            f"only {len(human)} of {len(parsed)} word pairs could be scored: a correlation "
            "needs at least 2 (are the vectors and the pairs in the same language and case?)"
        )
    spearman = stats.spearmanr(human, model)
    pearson = stats.pearsonr(human, model)
    return WordPairResult(
        spearman=float(spearman.statistic),
        spearman_pvalue=float(spearman.pvalue),
        pearson=float(pearson.statistic),
        pearson_pvalue=float(pearson.pvalue),
        n_pairs=len(parsed),
        n_known=n_known,
        n_scored=len(human),
        coverage=n_known / len(parsed),
        unknown=unknown,
        unknown_words=tuple(sorted(unknown_words)),
    )


# --------------------------------------------------------------------- scorers


class _IntrinsicScorer:
    """A picklable ``scorer(estimator, X, y=None)`` that ignores X and tests the vectors."""

    def __init__(self, evaluate, data, attribute, kwargs):
        self.evaluate = evaluate
        self.data = data
        self.attribute = attribute
        self.kwargs = kwargs

    def __call__(self, estimator, X=None, y=None):
        result = self.evaluate(as_vectors(estimator, what="estimator"), self.data,
                               **self.kwargs)
        value = getattr(result, self.attribute)
        return 0.0 if value is None else float(value)

    def __repr__(self):
        return f"make_{self.evaluate.__name__[len('evaluate_'):]}_scorer(...)"


@validate_params({"questions": _LINES}, prefer_skip_nested_validation=True)
def make_analogy_scorer(questions, **kwargs):
    """Return a scorer for ``GridSearchCV(scoring=...)``: analogy accuracy of the vectors.

    The questions are read once, here. The scorer finds the vectors in the fitted
    estimator or pipeline (see [`fitted_vectors`][skembed.evaluation.fitted_vectors]) and
    ignores the validation data; an estimator that answers no question scores 0.

    Parameters
    ----------
    questions : path or iterable of str
        Questions in the Google analogy format.
    **kwargs
        Passed to [`evaluate_analogies`][skembed.evaluation.evaluate_analogies]
        (``method``, ``restrict_vocab``, ``case_insensitive``).

    Returns
    -------
    callable
        ``scorer(estimator, X, y=None) -> float``.
    """
    return _IntrinsicScorer(evaluate_analogies, read_analogies(questions), "accuracy", kwargs)


@validate_params({"pairs": _LINES}, prefer_skip_nested_validation=True)
def make_word_pairs_scorer(pairs, **kwargs):
    """Return a scorer for ``GridSearchCV(scoring=...)``: Spearman rho on word pairs.

    Parameters
    ----------
    pairs : path, iterable of str, or iterable of (str, str, float)
        Scored word pairs, read once here.
    **kwargs
        Passed to [`evaluate_word_pairs`][skembed.evaluation.evaluate_word_pairs]
        (``unknown``, ``restrict_vocab``, ``case_insensitive``).

    Returns
    -------
    callable
        ``scorer(estimator, X, y=None) -> float``.
    """
    return _IntrinsicScorer(evaluate_word_pairs, read_word_pairs(pairs), "spearman", kwargs)


# ------------------------------------------------------------------- extrinsic


def _with_C_chosen(estimator, Cs, inner_cv):
    """Return a clone of ``estimator`` whose final step chooses its ``C`` among ``Cs``.

    The final step (of a pipeline, however nested, or the estimator itself) is wrapped in
    a ``GridSearchCV`` over ``C`` with ``inner_cv`` folds, scored by accuracy. The steps
    before it are fitted once on the data given to ``fit``; the search sees their output.
    Returns None when the final step has no ``C`` parameter.
    """
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        name, last = estimator.steps[-1]
        tuned = _with_C_chosen(last, Cs, inner_cv)
        if tuned is None:
            return None
        return clone(estimator).set_params(**{name: tuned})
    if not hasattr(estimator, "get_params") or "C" not in estimator.get_params(deep=False):
        return None
    return GridSearchCV(clone(estimator), {"C": [float(c) for c in Cs]}, cv=inner_cv,
                        scoring="accuracy", error_score="raise")


def _chosen_C(fitted):
    """Return the ``C`` that the search of ``_with_C_chosen`` chose in a fitted estimator."""
    from sklearn.pipeline import Pipeline

    while isinstance(fitted, Pipeline):
        fitted = fitted.steps[-1][1]
    return float(fitted.best_params_["C"])


def _positive_values(values, name):
    """Return ``values`` as a 1-D float array, or raise if one is not a positive number."""
    try:
        array = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        array = np.full(1, np.nan)
    if array.size == 0 or not np.all(np.isfinite(array) & (array > 0)):
        raise ValueError(f"{name} must hold one or more positive numbers, got {values!r}")
    return array


def _format_C(values):
    """Format the chosen C of each fold: ``10, 10, 100``; ``-`` when C was not chosen."""
    return "-" if values is None else ", ".join(f"{value:g}" for value in values)


@dataclass(frozen=True)
class PipelineComparison:
    """Cross-validated scores of several pipelines on one dataset.

    Returned by [`compare_pipelines`][skembed.evaluation.compare_pipelines]: one row per
    pipeline, with the mean and standard deviation over the folds of the accuracy and the
    macro-averaged F1 on the test folds, the mean fit time per fold and, when ``C`` was
    chosen by cross-validation, the value chosen on each training fold.

    Attributes
    ----------
    rows : tuple of dict
        One per pipeline, in the given order: ``name``, ``accuracy_mean``,
        ``accuracy_std``, ``f1_macro_mean``, ``f1_macro_std``, ``fit_seconds`` (mean per
        fold), ``n_splits`` and ``C``: the ``C`` chosen on each training fold (a tuple of
        floats, in fold order), or None when it was not chosen (``Cs=None``, or a
        pipeline whose final step has no ``C``).

    See Also
    --------
    compare_pipelines : Builds this table.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skembed.datasets import load_fortunes
    >>> from skembed.evaluation import compare_pipelines
    >>> texts, labels = load_fortunes(subset="train", return_X_y=True)
    >>> pipelines = {"majority": DummyClassifier(),
    ...              "TF-IDF": make_pipeline(TfidfVectorizer(), LogisticRegression())}
    >>> table = compare_pipelines(pipelines, texts[:300], labels[:300], cv=3, Cs=[1, 100])
    >>> [(row["name"], len(row["C"] or ())) for row in table.rows]
    [('majority', 0), ('TF-IDF', 3)]
    >>> print(table.to_markdown().splitlines()[0])
    | pipeline | accuracy | macro-F1 | fit time per fold | C per fold |
    """

    rows: tuple

    def to_markdown(self):
        """Return the table as Markdown.

        Returns
        -------
        str
            A header and one line per pipeline: accuracy and macro-F1 as mean ± standard
            deviation over the folds, and the mean fit time per fold; plus a column of
            the ``C`` chosen on each fold when any row has one.

        Examples
        --------
        >>> from skembed.evaluation import PipelineComparison
        >>> row = {"name": "one-hot", "accuracy_mean": 0.5612, "accuracy_std": 0.01,
        ...        "f1_macro_mean": 0.54, "f1_macro_std": 0.012, "fit_seconds": 2.31,
        ...        "n_splits": 3, "C": (10.0, 10.0, 100.0)}
        >>> print(PipelineComparison(rows=(row,)).to_markdown())
        | pipeline | accuracy | macro-F1 | fit time per fold | C per fold |
        | --- | ---: | ---: | ---: | ---: |
        | one-hot | 0.561 ± 0.010 | 0.540 ± 0.012 | 2.3 s | 10, 10, 100 |
        """
        with_C = any(r.get("C") is not None for r in self.rows)
        header = "| pipeline | accuracy | macro-F1 | fit time per fold |"
        rule = "| --- | ---: | ---: | ---: |"
        lines = [header + " C per fold |" if with_C else header,
                 rule + " ---: |" if with_C else rule]
        for r in self.rows:
            line = (f"| {r['name']} | {r['accuracy_mean']:.3f} ± {r['accuracy_std']:.3f} | "
                    f"{r['f1_macro_mean']:.3f} ± {r['f1_macro_std']:.3f} | "
                    f"{r['fit_seconds']:.1f} s |")
            lines.append(line + f" {_format_C(r.get('C'))} |" if with_C else line)
        return "\n".join(lines)

    def to_frame(self):
        """Return the table as a pandas DataFrame indexed by pipeline name.

        Returns
        -------
        pandas.DataFrame
            One row per pipeline; the columns are the keys of ``rows`` other than
            ``name``.
        """
        import pandas as pd

        return pd.DataFrame(list(self.rows)).set_index("name")


@validate_params(
    {
        "pipelines": [dict],
        "X": ["array-like", HasMethods(["__iter__"])],
        "y": ["array-like"],
        "cv": ["cv_object"],
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
        "Cs": ["array-like", None],
        "inner_cv": ["cv_object"],
    },
    prefer_skip_nested_validation=False,  # the pipelines' own parameters are checked in fit
)
def compare_pipelines(pipelines, X, y, *, cv=5, n_jobs=None, verbose=0, Cs=None,
                      inner_cv=3):
    """Cross-validate several pipelines on the same folds and tabulate the results.

    Parameters
    ----------
    pipelines : dict of str to estimator
        Name to (unfitted) pipeline or classifier.
    X : sequence of documents
        As the pipelines take them.
    y : array-like of shape (n_samples,)
        Labels.
    cv : int or cross-validation splitter, default=5
        As in ``sklearn.model_selection.cross_validate`` (an int means stratified folds
        for classifiers; the same folds are used for every pipeline).
    n_jobs : int or None, default=None
        Folds fitted in parallel (processes), as in ``cross_validate``.
    verbose : int, default=0
        Print one line per pipeline when > 0.
    Cs : array-like of float or None, default=None
        None fits every pipeline as it is given, so each classifier keeps its own ``C``
        (LogisticRegression's default 1.0 suits some features far better than others:
        TF-IDF rows want a larger C than binary one-hot rows). A list of positive values
        chooses, on each training fold, the ``C`` of every pipeline whose final step has
        one (LogisticRegression, LinearSVC, SVC, ...) among them, by the accuracy of an
        ``inner_cv``-fold cross-validation on that training fold only (nested
        cross-validation: the test fold plays no part in the choice). Pipelines without a
        ``C`` are fitted as given. The chosen values are in each row's ``C``.
    inner_cv : int or cross-validation splitter, default=3
        The folds of that inner cross-validation, as ``cv`` of ``GridSearchCV``. The
        steps before the final one are fitted once per training fold, and the inner
        folds see their output.

    Returns
    -------
    PipelineComparison
        The scores of each pipeline, in the order of ``pipelines``.

    Raises
    ------
    ValueError
        If ``pipelines`` is empty, if ``Cs`` holds a value that is not a positive number,
        or if ``Cs`` is given but no pipeline's final step has a ``C`` parameter.

    See Also
    --------
    PipelineComparison : The table returned.

    Notes
    -----
    Choosing ``C`` costs ``len(Cs) * inner_cv + 1`` fits of the final step per fold
    instead of one; the steps before it (an embedding trained in ``fit``, for instance)
    are still fitted once per fold.
    """
    from sklearn.model_selection import check_cv, cross_validate

    if not pipelines:
        raise ValueError("pipelines is empty: give at least one name -> estimator")
    if Cs is not None:
        tuned = {name: _with_C_chosen(estimator, _positive_values(Cs, "Cs"), inner_cv)
                 for name, estimator in pipelines.items()}
        if all(estimator is None for estimator in tuned.values()):
            raise ValueError(
                f"Cs={Cs!r} was given, but the final step of no pipeline has a C parameter "
                f"(pipelines: {', '.join(pipelines)})"
            )
        pipelines = {name: pipelines[name] if estimator is None else estimator
                     for name, estimator in tuned.items()}
    else:
        tuned = dict.fromkeys(pipelines)
    X = list(X) if not hasattr(X, "__getitem__") or isinstance(X, str) else X
    splitter = check_cv(cv, y, classifier=True)
    folds = list(splitter.split(X, y))
    rows = []
    for name, estimator in pipelines.items():
        start = time.perf_counter()
        chosen = tuned[name] is not None
        scores = cross_validate(estimator, X, y, cv=folds, n_jobs=n_jobs,
                                scoring=("accuracy", "f1_macro"), error_score="raise",
                                return_estimator=chosen)
        row = {
            "name": name,
            "accuracy_mean": float(np.mean(scores["test_accuracy"])),
            "accuracy_std": float(np.std(scores["test_accuracy"])),
            "f1_macro_mean": float(np.mean(scores["test_f1_macro"])),
            "f1_macro_std": float(np.std(scores["test_f1_macro"])),
            "fit_seconds": float(np.mean(scores["fit_time"])),
            "n_splits": len(folds),
            "C": tuple(_chosen_C(fitted) for fitted in scores["estimator"]) if chosen else None,
        }
        rows.append(row)
        if verbose > 0:
            shown_C = "" if row["C"] is None else f", C {_format_C(row['C'])}"
            print(f"[compare_pipelines] {name}: accuracy {row['accuracy_mean']:.3f}, macro-F1 "
                  f"{row['f1_macro_mean']:.3f}{shown_C} ({time.perf_counter() - start:.0f} s)",
                  flush=True)
    return PipelineComparison(rows=tuple(rows))
