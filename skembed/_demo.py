"""The built-in demo: ``skembed demo`` / ``python -m skembed demo``."""

import time


def run_demo(args):
    """Train pipelines on the built-in fortunes data and print their test accuracy."""
    from sklearn.dummy import DummyClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.pipeline import make_pipeline

    from . import OneHotWordEncoder, Word2VecTransformer
    from .datasets import load_fortunes

    train_texts, train_labels = load_fortunes(subset="train", return_X_y=True)
    test_texts, test_labels = load_fortunes(subset="test", return_X_y=True)
    print(
        f"fortunes: {len(train_texts)} training and {len(test_texts)} test texts, "
        f"{len(set(train_labels))} topics (built-in data)\n"
    )

    def classifier():
        return LogisticRegression(max_iter=2000)

    pipelines = [
        ("majority class (baseline)", DummyClassifier()),
        ("TfidfVectorizer + LogisticRegression (baseline)",
         make_pipeline(TfidfVectorizer(), classifier())),
        ("OneHotWordEncoder(word) + LogisticRegression",
         make_pipeline(OneHotWordEncoder(), classifier())),
        ("OneHotWordEncoder(bpe) + LogisticRegression",
         make_pipeline(OneHotWordEncoder(tokenizer="bpe"), classifier())),
        ("Word2VecTransformer(skipgram) + LogisticRegression",
         make_pipeline(Word2VecTransformer(n_jobs=2, random_state=0), classifier())),
        ("Word2VecTransformer(skipgram, sif) + LogisticRegression",
         make_pipeline(Word2VecTransformer(pooling="sif", n_jobs=2, random_state=0),
                       classifier())),
    ]
    width = max(len(name) for name, _ in pipelines)
    print(f"{'pipeline':<{width}}  accuracy  macro-F1  fit s")
    for name, pipeline in pipelines:
        start = time.perf_counter()
        pipeline.fit(train_texts, train_labels)
        seconds = time.perf_counter() - start
        predicted = pipeline.predict(test_texts)
        accuracy = accuracy_score(test_labels, predicted)
        macro_f1 = f1_score(test_labels, predicted, average="macro")
        print(f"{name:<{width}}  {accuracy:8.3f}  {macro_f1:8.3f}  {seconds:5.1f}", flush=True)
    return 0
