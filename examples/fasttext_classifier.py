"""fastText's supervised classifier against TF-IDF + LogisticRegression on the fortunes.

``FastTextClassifier`` learns word vectors and a linear output layer together, from the
labels, on the training texts of the built-in fortunes dataset (18 topics). Compared:

* fastText's defaults (5 epochs, ``alpha=0.1``, chosen for hundreds of thousands of
  documents: on 5,685 short texts the model is far from trained);
* 25 epochs;
* word bigrams (``word_ngrams=2``), with 50 epochs for the extra rows to learn;
* 25 epochs, the input rows of the words started from Word2Vec vectors trained on
  unlabelled text, the built-in WordNet glosses (``pretrained=``);
* the baseline: TF-IDF + LogisticRegression with its default ``C=1`` and with
  ``C=1000``, the value that 3-fold cross-validation on the training texts chooses (as
  in ``python -m skembed demo``).

Prints test accuracy, macro-F1 and fit time of each, then the top classes that the last
classifier gives two new texts. The classifiers train with ``n_jobs=1`` and a seed, so
their rows are the same on every run; the glosses vectors train with two lock-free
threads and vary slightly.

Run::

    python examples/fasttext_classifier.py
"""

import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from skembed import FastTextClassifier, Word2VecTransformer
from skembed.datasets import load_fortunes, load_wordnet_glosses

SEED = 0
NEW_TEXTS = ["My program compiles, but the kernel panics at boot.",
             "Captain, the shields will not hold much longer."]


def glosses_vectors():
    """Word2Vec vectors trained on the built-in WordNet glosses (unlabelled text)."""
    start = time.perf_counter()
    model = Word2VecTransformer(input="filename", n_jobs=2, random_state=SEED)
    model.fit([load_wordnet_glosses(as_path=True)])
    print(f"trained Word2Vec on the WordNet glosses in {time.perf_counter() - start:.1f} s: "
          f"{model.vectors_}")
    return model.vectors_


def evaluate(name, model, train, test):
    """Fit ``model`` on ``train``; return (name, accuracy, macro-F1, fit seconds) on ``test``."""
    start = time.perf_counter()
    model.fit(*train)
    seconds = time.perf_counter() - start
    predicted = model.predict(test[0])
    return (name, accuracy_score(test[1], predicted),
            f1_score(test[1], predicted, average="macro"), seconds)


def main():
    train = load_fortunes(subset="train", return_X_y=True)
    test = load_fortunes(subset="test", return_X_y=True)
    print(f"fortunes: {len(train[0]):,} training and {len(test[0]):,} test texts, "
          f"{len(set(train[1]))} topics")
    # The first fit compiles the kernels (a few seconds on a cold cache): do it outside
    # the timings.
    FastTextClassifier(epochs=1, random_state=SEED).fit(train[0][:100], train[1][:100])
    vectors = glosses_vectors()

    models = {
        "FastTextClassifier() (defaults, 5 epochs)": FastTextClassifier(random_state=SEED),
        "FastTextClassifier(epochs=25)": FastTextClassifier(epochs=25, random_state=SEED),
        "FastTextClassifier(word_ngrams=2, epochs=50)": FastTextClassifier(
            word_ngrams=2, epochs=50, random_state=SEED),
        "FastTextClassifier(epochs=25, pretrained=...)": FastTextClassifier(
            epochs=25, pretrained=vectors, random_state=SEED),
        "TF-IDF + LogisticRegression(C=1)": make_pipeline(
            TfidfVectorizer(), LogisticRegression(max_iter=2000)),
        "TF-IDF + LogisticRegression(C=1000)": make_pipeline(
            TfidfVectorizer(), LogisticRegression(C=1000, max_iter=2000)),
    }
    rows = [evaluate(name, model, train, test) for name, model in models.items()]

    print()
    print(f"{'model':46s} {'accuracy':>9s} {'macro-F1':>9s} {'fit (s)':>8s}")
    for name, accuracy, macro_f1, seconds in rows:
        print(f"{name:46s} {accuracy:9.3f} {macro_f1:9.3f} {seconds:8.1f}")

    pretrained = models["FastTextClassifier(epochs=25, pretrained=...)"]
    print(f"\n{pretrained.n_pretrained_:,} input rows started from the glosses vectors "
          f"({len(pretrained.vocabulary_):,} words in the vocabulary). Top classes of two "
          "new texts:")
    for text, proba in zip(NEW_TEXTS, pretrained.predict_proba(NEW_TEXTS), strict=True):
        top = proba.argsort()[::-1][:3]
        classes = ", ".join(f"{pretrained.classes_[i]} {proba[i]:.2f}" for i in top)
        print(f"  {text!r}: {classes}")
    print(f"transform gives {pretrained.transform(NEW_TEXTS).shape[1]}-dimensional "
          "document vectors trained for these labels.")


if __name__ == "__main__":
    # LogisticRegression's matrix products are small: one BLAS thread is faster than two
    # on a busy machine. The numba kernels are not limited by this.
    with threadpool_limits(limits=1, user_api="blas"):
        main()
