"""The built-in demo: ``skembed demo`` / ``python -m skembed demo``."""

import time


def _vector_models():
    from . import FastTextTransformer, GloVeTransformer, Word2VecTransformer

    return [
        ("Word2Vec (skip-gram)", Word2VecTransformer, {}),
        ("FastText (skip-gram, n-grams 3-6)", FastTextTransformer, {}),
        ("GloVe (window 10, 15 epochs)", GloVeTransformer, {}),
    ]


def _train_vectors(corpus_path, questions):
    """Train every embedding on the glosses; print intrinsic scores; return the models."""
    from .evaluation import evaluate_analogies

    print("1. Word vectors trained on the built-in WordNet glosses (117,659 lines, "
          "1.77 M tokens), 100 dimensions, 2 threads")
    print(f"   {'model':<34} {'fit s':>6} {'tokens':>7} {'analogies':>9} {'answered':>9}  "
          "nearest neighbours")
    fitted = []
    for name, estimator, params in _vector_models():
        start = time.perf_counter()
        model = estimator(input="filename", n_jobs=2, random_state=0, **params)
        model.fit([corpus_path])
        seconds = time.perf_counter() - start
        result = evaluate_analogies(model, questions)
        vectors = model.vectors_
        neighbours = "; ".join(
            f"{word}: " + ", ".join(t for t, _ in vectors.most_similar(word, topn=3))
            for word in ("mother", "tree") if word in vectors)
        print(f"   {name:<34} {seconds:6.1f} {len(vectors):7,d} {result.accuracy:9.3f} "
              f"{result.answered:4d}/{result.total}  {neighbours}", flush=True)
        fitted.append((name, estimator, model))
    print("   (analogies: 3CosAdd accuracy on the Google questions whose words are among the "
          "30,000 most frequent tokens)\n")
    return fitted


def _classify(fitted):
    """Fit pipelines on the fortunes training texts; print test accuracy and macro-F1."""
    from sklearn.dummy import DummyClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from . import OneHotWordEncoder, Word2VecTransformer
    from .datasets import load_fortunes

    train_texts, train_labels = load_fortunes(subset="train", return_X_y=True)
    test_texts, test_labels = load_fortunes(subset="test", return_X_y=True)
    print(f"2. Text classification: fortunes, {len(train_texts):,} training and "
          f"{len(test_texts):,} test texts, {len(set(train_labels))} topics; "
          "LogisticRegression on each representation")

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
    width = max(len(name) for name, _ in pipelines)
    print(f"   {'pipeline':<{width}}  accuracy  macro-F1  fit s")
    for name, pipeline in pipelines:
        start = time.perf_counter()
        pipeline.fit(train_texts, train_labels)
        seconds = time.perf_counter() - start
        predicted = pipeline.predict(test_texts)
        accuracy = accuracy_score(test_labels, predicted)
        macro_f1 = f1_score(test_labels, predicted, average="macro")
        print(f"   {name:<{width}}  {accuracy:8.3f}  {macro_f1:8.3f}  {seconds:5.1f}",
              flush=True)


def run_demo(args):
    """Train every estimator on the built-in data; print intrinsic and pipeline scores.

    Part 1 trains Word2Vec, FastText and GloVe on the built-in WordNet glosses and prints
    their analogy accuracy and a few nearest neighbours. Part 2 compares text
    classification pipelines on the built-in fortunes data: TF-IDF and one-hot baselines,
    Word2Vec trained on the texts themselves, and the glosses vectors used frozen. Takes a
    few minutes on 2 cores.
    """
    from .datasets import load_analogy_questions, load_wordnet_glosses

    start = time.perf_counter()
    fitted = _train_vectors(load_wordnet_glosses(as_path=True), load_analogy_questions())
    _classify(fitted)
    print(f"\ndone in {time.perf_counter() - start:.0f} s")
    return 0
