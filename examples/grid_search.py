"""Grid search over the tokenizer and the vector size of a Word2Vec classification pipeline.

``GridSearchCV`` treats ``Word2VecTransformer`` like any other step: each candidate
(``tokenizer`` "word" or "bpe", ``vector_size`` 25 or 50) trains its own vectors inside
every cross-validation fold, on that fold's training texts only, so no text of a
validation fold leaks into the vectors it is scored with. The search runs 2 candidates
at a time (``n_jobs=2``) and each Word2Vec uses one thread (``n_jobs=1``), which keeps
2 cores busy without oversubscribing them and makes every fit reproducible.

Prints the mean and standard deviation of the cross-validated accuracy of each
candidate, the best parameters and the best pipeline's accuracy on the test texts.

Run::

    python examples/grid_search.py
"""

import time

from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skembed import Word2VecTransformer
from skembed.datasets import load_fortunes

SEED = 0


def main():
    train_texts, train_labels = load_fortunes(subset="train", return_X_y=True)
    test_texts, test_labels = load_fortunes(subset="test", return_X_y=True)

    pipeline = Pipeline([
        ("embed", Word2VecTransformer(epochs=3, subword_vocab_size=4000, n_jobs=1,
                                      random_state=SEED)),
        ("scale", StandardScaler()),
        ("classify", LogisticRegression(max_iter=2000)),
    ])
    grid = {"embed__tokenizer": ["word", "bpe"], "embed__vector_size": [25, 50]}
    search = GridSearchCV(pipeline, grid, cv=3, n_jobs=2)

    start = time.perf_counter()
    search.fit(train_texts, train_labels)
    seconds = time.perf_counter() - start
    n_fits = len(search.cv_results_["params"]) * search.n_splits_
    print(f"{n_fits} fits of 3-fold cross-validation, plus one refit, in {seconds:.0f} s\n")

    results = search.cv_results_
    print(f"{'tokenizer':10s} {'vector_size':>11s} {'mean accuracy':>14s} {'std':>6s} "
          f"{'rank':>5s} {'fit (s)':>8s}")
    for i, params in enumerate(results["params"]):
        print(f"{params['embed__tokenizer']:10s} {params['embed__vector_size']:11d} "
              f"{results['mean_test_score'][i]:14.3f} {results['std_test_score'][i]:6.3f} "
              f"{results['rank_test_score'][i]:5d} {results['mean_fit_time'][i]:8.1f}")

    print(f"\nbest parameters: {search.best_params_}")
    print(f"best cross-validated accuracy: {search.best_score_:.3f}")
    print(f"test accuracy of the refitted best pipeline: "
          f"{search.score(test_texts, test_labels):.3f}")


if __name__ == "__main__":
    # Small dense classifiers: one BLAS thread is faster than several, most of all on a busy
    # machine. (The search's worker processes get the same limit from joblib.)
    with threadpool_limits(limits=1, user_api="blas"):
        main()
