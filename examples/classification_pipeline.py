"""Word2Vec document features in a classification pipeline: mean vs TF-IDF vs SIF pooling.

Each pipeline trains Word2Vec vectors inside ``fit`` on the training texts of the
built-in fortunes dataset (18 topics), pools each text's token vectors into one row,
standardises the rows and fits a logistic regression. Only ``pooling`` differs between
the three embedding pipelines:

* ``"mean"``: the plain mean of the token vectors;
* ``"tfidf"``: a mean weighted by each token's IDF on the training texts;
* ``"sif"``: smooth inverse frequency weights, then the common component removed.

A TF-IDF + LogisticRegression pipeline is the baseline. Prints test accuracy, macro-F1
and fit time of each.

Run::

    python examples/classification_pipeline.py
"""

import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skembed import Word2VecTransformer
from skembed.datasets import load_fortunes

SEED = 0


def word2vec_pipeline(pooling):
    """Word2Vec (trained in fit) -> StandardScaler -> LogisticRegression."""
    embedding = Word2VecTransformer(vector_size=50, epochs=5, pooling=pooling, n_jobs=2,
                                    random_state=SEED)
    return make_pipeline(embedding, StandardScaler(), LogisticRegression(max_iter=2000))


def main():
    train_texts, train_labels = load_fortunes(subset="train", return_X_y=True)
    test_texts, test_labels = load_fortunes(subset="test", return_X_y=True)
    print(f"fortunes: {len(train_texts):,} training and {len(test_texts):,} test texts, "
          f"{len(set(train_labels))} topics")

    pipelines = {
        "TF-IDF baseline": make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2000)),
        "Word2Vec, pooling='mean'": word2vec_pipeline("mean"),
        "Word2Vec, pooling='tfidf'": word2vec_pipeline("tfidf"),
        "Word2Vec, pooling='sif'": word2vec_pipeline("sif"),
    }

    rows = []
    for name, pipeline in pipelines.items():
        start = time.perf_counter()
        pipeline.fit(train_texts, train_labels)
        seconds = time.perf_counter() - start
        predicted = pipeline.predict(test_texts)
        rows.append((name, accuracy_score(test_labels, predicted),
                     f1_score(test_labels, predicted, average="macro"), seconds))

    print()
    print(f"{'pipeline':28s} {'accuracy':>9s} {'macro-F1':>9s} {'fit (s)':>8s}")
    for name, accuracy, macro_f1, seconds in rows:
        print(f"{name:28s} {accuracy:9.3f} {macro_f1:9.3f} {seconds:8.1f}")
    print("\nWord2Vec runs with n_jobs=2 (lock-free threads), so its scores can vary "
          "slightly between runs; with n_jobs=1 they are reproducible.")


if __name__ == "__main__":
    # The classifiers' matrix products are small: one BLAS thread is faster than two, by far
    # on a busy machine where waiting BLAS threads spin. Word2Vec trains with numba threads,
    # which this limit does not touch, so n_jobs=2 still applies to it.
    with threadpool_limits(limits=1, user_api="blas"):
        main()
