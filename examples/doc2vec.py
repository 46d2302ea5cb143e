"""Paragraph vectors (Doc2Vec) against TF-IDF + LogisticRegression on the fortunes.

``Doc2VecTransformer`` learns one vector per training document in ``fit``
(``fit_transform`` returns those trained rows) and infers a vector for any document in
``transform``, with the word vectors and the output layer frozen. On the training texts
of the built-in fortunes dataset (18 topics), the script trains:

* PV-DBOW at gensim's defaults (10 epochs, ``min_count=5``, ``sample=1e-3``);
* PV-DBOW at gensim's IMDB recipe (``epochs=20, min_count=2, sample=0``), and the same
  with 50 epochs;
* PV-DM (mean) at the IMDB recipe's PV-DM settings (``window=10, alpha=0.05``).

Each model's rows go to a LogisticRegression (standardised; ``C`` chosen by 3-fold
cross-validation on the training rows) in two ways, both scored on the inferred rows of
the test texts:

* **trained**: the classifier learns from the trained training rows, as in
  ``make_pipeline(Doc2VecTransformer(), ...)``, whose ``fit`` calls ``fit_transform``;
* **inferred**: it learns from ``transform(train_texts)``, rows made the way the test
  rows are.

The baseline is TF-IDF + LogisticRegression with its default ``C=1`` and with
``C=1000``, the value that 3-fold cross-validation on the training texts chooses (as in
``python -m skembed demo``). The script also prints how close the inferred training rows
are to the trained ones, and checks that inference gives the same rows on two threads,
in reverse order and in small batches. Models train with ``n_jobs=1`` and a seed, so the
figures are the same on every run.

Run::

    python examples/doc2vec.py
"""

import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skembed import Doc2VecTransformer
from skembed.datasets import load_fortunes

SEED = 0
IMDB = {"min_count": 2, "sample": 0.0, "epochs": 20}  # gensim's IMDB recipe, common part
MODELS = {
    "PV-DBOW, gensim defaults": {"dm": False},
    "PV-DBOW, IMDB recipe": {"dm": False, **IMDB},
    "PV-DBOW, IMDB recipe, 50 epochs": {"dm": False, **IMDB, "epochs": 50},
    "PV-DM mean, IMDB recipe": {"dm": True, **IMDB, "window": 10, "alpha": 0.05},
}
CS = [0.01, 0.1, 1.0]


def scores(classifier, train_rows, train_labels, test_rows, test_labels):
    """Fit ``classifier`` and return (accuracy, macro-F1) on the test rows."""
    predicted = classifier.fit(train_rows, train_labels).predict(test_rows)
    return (accuracy_score(test_labels, predicted),
            f1_score(test_labels, predicted, average="macro"))


def dense_classifier():
    """Standardised rows, LogisticRegression with C chosen by 3-fold cross-validation."""
    return GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
                        {"logisticregression__C": CS}, cv=3)


def closeness(trained, inferred):
    """Mean cosine of each document's two rows; share whose inferred row finds its own."""
    known = np.abs(trained).sum(axis=1) > 0  # documents with no known word are zero rows
    a = trained[known] / np.linalg.norm(trained[known], axis=1, keepdims=True)
    b = inferred[known] / np.linalg.norm(inferred[known], axis=1, keepdims=True)
    own = np.einsum("ij,ij->i", a, b)
    nearest = (b @ a.T).argmax(axis=1)
    return own.mean(), (nearest == np.arange(len(a))).mean()


def main():
    train_texts, train_labels = load_fortunes(subset="train", return_X_y=True)
    test_texts, test_labels = load_fortunes(subset="test", return_X_y=True)
    print(f"fortunes: {len(train_texts):,} training and {len(test_texts):,} test texts, "
          f"{len(set(train_labels))} topics")
    # The first fit compiles the kernels (a few seconds on a cold cache): do it untimed.
    for dm in (False, True):
        Doc2VecTransformer(dm=dm, vector_size=8, min_count=1, epochs=1,
                           random_state=SEED).fit(train_texts[:100]).transform(test_texts[:5])

    rows, notes = [], []
    for name, params in MODELS.items():
        model = Doc2VecTransformer(n_jobs=1, random_state=SEED, **params)
        start = time.perf_counter()
        trained = model.fit_transform(train_texts)
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        inferred_train = model.transform(train_texts)
        infer_rate = len(train_texts) / (time.perf_counter() - start)
        inferred_test = model.transform(test_texts)
        for recipe, train_rows in (("trained", trained), ("inferred", inferred_train)):
            accuracy, macro_f1 = scores(dense_classifier(), train_rows, train_labels,
                                        inferred_test, test_labels)
            rows.append((f"{name} ({recipe})", accuracy, macro_f1, fit_seconds))
        cosine, own = closeness(trained, inferred_train)
        notes.append(f"  {name}: mean cosine {cosine:.3f}, own trained row nearest for "
                     f"{own:.1%} of the documents; inference {infer_rate:,.0f} docs/s")

    for C in (1.0, 1000.0):
        tfidf = make_pipeline(TfidfVectorizer(), LogisticRegression(C=C, max_iter=2000))
        start = time.perf_counter()
        accuracy, macro_f1 = scores(tfidf, train_texts, train_labels, test_texts,
                                    test_labels)
        rows.append((f"TF-IDF + LogisticRegression(C={C:g})", accuracy, macro_f1,
                     time.perf_counter() - start))

    print(f"\n{'model (classifier trained on ... rows)':50s} {'accuracy':>9s} "
          f"{'macro-F1':>9s} {'fit (s)':>8s}")
    for name, accuracy, macro_f1, seconds in rows:
        print(f"{name:50s} {accuracy:9.3f} {macro_f1:9.3f} {seconds:8.1f}")
    print("\ntransform(train_texts) against the trained rows (fit_transform):")
    print("\n".join(notes))

    # Inference is deterministic per document: threads, order and batching do not matter.
    last = list(MODELS)[-1]
    sample = list(test_texts[:200])
    reference = model.transform(sample)  # n_jobs=1
    model.set_params(n_jobs=2)
    reversed_rows = model.transform(sample[::-1])[::-1]
    batched = np.vstack([model.transform(sample[i:i + 7]) for i in range(0, 200, 7)])
    same = np.array_equal(reference, reversed_rows) and np.array_equal(reference, batched)
    print(f"\n{last}: inferred rows on 2 threads, reversed and in batches of 7 "
          f"{'are identical' if same else 'DIFFER'} to one call's rows.")


if __name__ == "__main__":
    # LogisticRegression's matrix products are small: one BLAS thread is faster than two
    # on a busy machine. The numba kernels are not limited by this.
    with threadpool_limits(limits=1, user_api="blas"):
        main()
