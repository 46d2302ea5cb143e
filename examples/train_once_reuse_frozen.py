"""Train Word2Vec once on unlabelled text, then reuse it frozen in cross-validation and a search.

A ``Word2VecTransformer`` inside a pipeline is trained again in every ``fit``: in every
fold of ``cross_val_score`` and for every candidate of ``GridSearchCV``. When the vectors
come from unlabelled text and only the classifier is being tuned, that is wasted work.
Fit the transformer once and wrap it in ``sklearn.frozen.FrozenEstimator``: its ``fit``
does nothing and ``clone`` returns the same object, so the search only refits the scaler
and the classifier.

Here the unlabelled text is every fortunes text, train and test, with the labels thrown
away (the vectors see the test texts but never a label, the usual semi-supervised
setting). The script times the one training, a 5-fold ``cross_val_score``, a
``GridSearchCV`` over the classifier's ``C`` and, for comparison, a cross-validation
that retrains the vectors in each fold. It checks that the frozen step's ``vectors_`` is
still the object trained at the start.

Run::

    python examples/train_once_reuse_frozen.py
"""

import time

from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skembed import Word2VecTransformer
from skembed.datasets import load_fortunes

SEED = 0


class CountTrainings:
    """Word2Vec callback that counts how many times training starts."""

    def __init__(self):
        self.count = 0

    def on_train_begin(self, estimator):
        self.count += 1


def classifier_pipeline(embedding):
    """embedding -> StandardScaler -> LogisticRegression."""
    return Pipeline([
        ("embed", embedding),
        ("scale", StandardScaler()),
        ("classify", LogisticRegression(max_iter=2000)),
    ])


def main():
    all_texts, _ = load_fortunes(subset="all", return_X_y=True)  # labels ignored
    train_texts, train_labels = load_fortunes(subset="train", return_X_y=True)
    test_texts, test_labels = load_fortunes(subset="test", return_X_y=True)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)

    # 1. Train once, on unlabelled text.
    counter = CountTrainings()
    word2vec = Word2VecTransformer(vector_size=50, epochs=5, n_jobs=2, random_state=SEED,
                                   callbacks=[counter])
    start = time.perf_counter()
    word2vec.fit(all_texts)
    train_seconds = time.perf_counter() - start
    trained_vectors = word2vec.vectors_
    print(f"trained Word2Vec once on {len(all_texts):,} unlabelled texts in "
          f"{train_seconds:.1f} s: {trained_vectors}")

    # 2. Reuse it frozen: no fold and no candidate trains it again.
    frozen = classifier_pipeline(FrozenEstimator(word2vec))
    start = time.perf_counter()
    frozen_scores = cross_val_score(frozen, train_texts, train_labels, cv=folds)
    cv_seconds = time.perf_counter() - start

    search = GridSearchCV(frozen, {"classify__C": [0.01, 0.1, 1.0, 10.0]}, cv=folds)
    start = time.perf_counter()
    search.fit(train_texts, train_labels)
    search_seconds = time.perf_counter() - start

    # 3. For comparison: the same cross-validation, retraining the vectors in every fold.
    retrained = classifier_pipeline(clone(word2vec))
    start = time.perf_counter()
    retrained_scores = cross_val_score(retrained, train_texts, train_labels, cv=folds)
    retrain_seconds = time.perf_counter() - start

    n_candidates = len(search.cv_results_["params"])
    print("\nC        mean accuracy    std")
    for params, mean, std in zip(search.cv_results_["params"],
                                 search.cv_results_["mean_test_score"],
                                 search.cv_results_["std_test_score"], strict=True):
        print(f"{params['classify__C']:<8g} {mean:13.3f} {std:6.3f}")
    print(f"\nbest C: {search.best_params_['classify__C']:g}, cross-validated accuracy "
          f"{search.best_score_:.3f}, test accuracy {search.score(test_texts, test_labels):.3f}")

    print("\nwhat                                                    seconds  accuracy (5-fold)")
    print(f"{'the one Word2Vec training':55s} {train_seconds:7.1f}")
    print(f"{'cross_val_score, frozen vectors (5 fits)':55s} {cv_seconds:7.1f}  "
          f"{frozen_scores.mean():.3f} +- {frozen_scores.std():.3f}")
    print(f"{f'GridSearchCV over C, frozen ({5 * n_candidates} fits + refit)':55s} "
          f"{search_seconds:7.1f}  {search.best_score_:.3f} (best C)")
    print(f"{'cross_val_score, Word2Vec retrained in each fold':55s} {retrain_seconds:7.1f}  "
          f"{retrained_scores.mean():.3f} +- {retrained_scores.std():.3f}")

    step = search.best_estimator_.named_steps["embed"]
    print(f"\nthe search's frozen step is the FrozenEstimator we built: "
          f"{step is frozen.named_steps['embed']}")
    print(f"its vectors_ is the object trained at the start: "
          f"{step.estimator.vectors_ is trained_vectors}")
    # clone() deep-copies callbacks, so the retrained comparison counted on its own copies.
    print(f"times the frozen Word2Vec was trained, across all the fits above: {counter.count}")


if __name__ == "__main__":
    # Small dense classifiers: one BLAS thread is faster than two, by far on a busy machine
    # where waiting BLAS threads spin. Word2Vec's numba threads are not affected.
    with threadpool_limits(limits=1, user_api="blas"):
        main()
