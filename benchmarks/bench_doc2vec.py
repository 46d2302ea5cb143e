"""Doc2VecTransformer side by side with gensim's Doc2Vec on text classification (issue 16).

On each shared classification set (``fortunes``, ``wordnet_nouns``) the script trains
skembed's ``Doc2VecTransformer`` and gensim 4's ``Doc2Vec`` on the same tokens (skembed's
"word" analyzer, ``Doc2VecTransformer().build_analyzer()``, applied once to every text;
skembed reads them with ``input="tokens"``, gensim as ``TaggedDocument`` lists) at the same
settings, both on ``--threads`` threads (``n_jobs`` / ``workers``), and prints for each:

* fit time (vocabulary and training, from the token lists) and the speed-up, gensim's
  time over skembed's;
* inference throughput on the test texts, in documents per second: skembed's
  ``transform`` on ``--threads`` threads and on one thread, gensim's ``infer_vector`` in a
  loop (one thread; gensim has no batch inference) and, for reference, the same calls
  spread over ``--threads`` Python threads (gensim releases the GIL inside its Cython
  loop only, so this shows what a user gets from a thread pool; those vectors are not
  used, since concurrent calls share the model's random state);
* the accuracy and macro-F1 of LogisticRegression (``max_iter=2000``, C among 0.1, 1, 10,
  100 by 3-fold cross-validation on the training split) on (a) inferred vectors for both
  splits and (b) gensim's usual recipe: the trained vectors of the training split, inferred
  vectors for the test split. In both recipes the held-out folds are scored on inferred
  rows of their documents, as the test split is (for (b): fitted on trained rows, scored
  on inferred ones). The cross-validation folds run in ``--threads`` processes with one
  BLAS thread each.

The settings follow gensim's IMDB recipe (vector_size=100, min_count=2, epochs=20,
sample=0, negative sampling with 5 noise words): PV-DBOW (``dm=0``), PV-DBOW with
interleaved skip-gram word training (``dbow_words=1``; once more with skembed's
``batch_windows=True``, its word pairs trained a window at a time, against the same
gensim setting), and PV-DM with the mean (``dm=1``, window 10, alpha 0.05). Inference
runs ``epochs`` passes from ``alpha`` in both libraries (their defaults).

Reference rows on the same split: TF-IDF 1-2-grams + LogisticRegression (the setting of
the data README, C=10, as in ``bench_classifier.py``); skembed's ``Word2VecTransformer``
(skip-gram, the same common settings) trained on the training texts and pooled per document
(mean, ``norm="l2"``) + LogisticRegression with C chosen as above; and skembed's PV-DBOW
rows side by side with those pooled Word2Vec rows (``np.hstack``, as a ``FeatureUnion``
would), under (a) and (b).

Each setting is fitted ``--runs`` times per library (seeds 0, 1, ...); times, throughputs,
accuracies and F1 are medians over the runs. C is chosen by cross-validation in the first
run (seed 0) of each row and reused for the other seeds: the searches would otherwise take
most of the time on ``wordnet_nouns``. The time spent per phase is printed after each set.
Before anything is timed, every skembed setting is fitted and applied once on a few
documents, so numba's compile time is not counted. skembed's inferred rows do not depend
on the thread count; the script checks that the one-thread and ``--threads`` rows are
identical.

Usage::

    python benchmarks/bench_doc2vec.py > benchmarks/results_doc2vec.txt
    python benchmarks/bench_doc2vec.py --limit 800 --runs 1 --datasets fortunes  # quick check

Needs gensim (the bench extra: ``pip install ".[bench]"``) and ../shared/data beside the
repository. Nothing is downloaded and no file is written.
"""

import argparse
import logging
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from _labelled import accuracy_and_f1, read_split
from _machine import REPO, cpu_model, git_commit, package_version

DEFAULT_DATA = REPO.parent / "shared" / "data"
DATASETS = ("fortunes", "wordnet_nouns")
CS = (0.1, 1.0, 10.0, 100.0)
FOLDS = 3
MAX_ITER = 2000
WARM_UP_DOCS = 300

# gensim's IMDB recipe, common to every setting (gensim spells the objective hs=0).
COMMON = {"vector_size": 100, "min_count": 2, "epochs": 20, "sample": 0.0, "negative": 5}
# (name, skembed parameters, gensim parameters), on top of COMMON
SETTINGS = [
    ("PV-DBOW", {"dm": False}, {"dm": 0}),
    ("PV-DBOW + dbow_words", {"dm": False, "dbow_words": True}, {"dm": 0, "dbow_words": 1}),
    # skembed's batched word windows (HogBatch) against gensim's pair-by-pair dbow_words
    ("PV-DBOW + dbow_words, skembed batch_windows=True",
     {"dm": False, "dbow_words": True, "batch_windows": True}, {"dm": 0, "dbow_words": 1}),
    ("PV-DM mean, window 10, alpha 0.05", {"dm": True, "dm_mean": True, "window": 10,
                                           "alpha": 0.05},
     {"dm": 1, "dm_mean": 1, "window": 10, "alpha": 0.05}),
]
CONCATENATED = "PV-DBOW"  # the setting whose rows are stacked with pooled Word2Vec
# (recipe, training rows): (a) inferred for both splits, (b) trained for the training split
RECIPES = (("inferred", "inferred train"), ("trained", "trained"))


def _print_machine(args):
    command = " ".join(["python", "benchmarks/bench_doc2vec.py", *sys.argv[1:]])
    print(f"command: `{command}`")
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}, {platform.system()} "
          f"{platform.release()}")
    packages = ["numpy", "scikit-learn", "numba", "gensim"]
    print(f"python {platform.python_version()}; skembed {package_version('skembed')} "
          f"(commit {git_commit()}); "
          + ", ".join(f"{name} {package_version(name)}" for name in packages))
    print(f"{args.runs} run(s) per setting and library (seeds 0..{args.runs - 1}), "
          f"{args.threads} threads each; medians; common settings {COMMON}", flush=True)


# ------------------------------------------------------------------------- scoring


def _chosen_C(X_fit, y, X_score, threads):
    """Return the C of the best mean accuracy over stratified folds of the training split.

    Each fold's model is fitted on the ``X_fit`` rows of the other folds and scored on the
    ``X_score`` rows of the held-out fold: the rows of the same documents as the test split
    will present them. For recipe (b) these are inferred rows while the model fits trained
    ones; choosing C on trained rows alone favoured weak regularisation that did not carry
    over to inferred rows (C=10 instead of 0.1 cost up to 6 points on fortunes).
    """
    from joblib import Parallel, delayed
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(y)
    folds = list(StratifiedKFold(FOLDS).split(X_fit, y))

    def accuracy(C, fit, held_out):
        model = LogisticRegression(C=C, max_iter=MAX_ITER).fit(X_fit[fit], y[fit])
        return model.score(X_score[held_out], y[held_out])

    scores = Parallel(n_jobs=threads)(delayed(accuracy)(C, fit, held_out)
                                      for C in CS for fit, held_out in folds)
    return CS[int(np.argmax(np.reshape(scores, (len(CS), len(folds))).mean(axis=1)))]


def _logistic_regression(X_train, y_train, X_test, y_test, threads, C=None, X_validate=None):
    """Return ((accuracy, macro-F1), C) of LR, with C chosen by cross-validation if None.

    ``X_validate`` (default ``X_train``) are the rows the cross-validation scores its
    held-out folds on (``_chosen_C``). The folds run in ``threads`` processes with one
    BLAS thread each: on a busy machine, OpenBLAS threads spinning against each other made
    these small dense fits 20 to 70 times slower.
    """
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        if C is None:
            C = _chosen_C(X_train, y_train, X_train if X_validate is None else X_validate,
                          threads)
        model = LogisticRegression(C=C, max_iter=MAX_ITER).fit(X_train, y_train)
        return accuracy_and_f1(y_test, model.predict(X_test)), C


def _classify(rows, y_train, y_test, threads, first_run, recipes=RECIPES):
    """Scores of recipes (a) inferred/inferred and (b) trained/inferred.

    ``first_run`` is the result of the first seed, whose C values are reused, or None
    (then C is chosen by cross-validation, held-out folds scored on the inferred rows of
    the training split). ``recipes`` pairs each recipe with the rows it trains on; every
    recipe is tested on ``rows["inferred test"]``.
    """
    results = {}
    for recipe, train_key in recipes:
        C = None if first_run is None else first_run[recipe][1]
        results[recipe] = _logistic_regression(rows[train_key], y_train, rows["inferred test"],
                                                y_test, threads, C, rows["inferred train"])
    return results


def _timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


# ----------------------------------------------------------------------- libraries


def _skembed_model(params, threads, seed):
    from skembed import Doc2VecTransformer

    return Doc2VecTransformer(input="tokens", n_jobs=threads, random_state=seed,
                              **COMMON, **params)


def _warm_up(tokens, threads):
    """Compile skembed's kernels for every setting on a few documents (untimed)."""
    from skembed import Doc2VecTransformer, Word2VecTransformer

    for _, params, _ in SETTINGS:
        for n_jobs in sorted({1, threads}):
            model = Doc2VecTransformer(input="tokens", n_jobs=n_jobs, random_state=0,
                                       **{**COMMON, "epochs": 2, "min_count": 1}, **params)
            model.fit(tokens)
            model.transform(tokens[:50])
    Word2VecTransformer(input="tokens", n_jobs=threads, epochs=1, min_count=1).fit(tokens)


def _run_skembed(params, train_tokens, test_tokens, threads, seed):
    """Fit and infer once; return the timings and the three row sets."""
    model = _skembed_model(params, threads, seed)
    _, fit_seconds = _timed(model.fit, train_tokens)
    inferred_train, train_seconds = _timed(model.transform, train_tokens)
    inferred_test, seconds = _timed(model.transform, test_tokens)
    model.set_params(n_jobs=1)
    one_thread, seconds_one = _timed(model.transform, test_tokens)
    return {
        "fit s": fit_seconds,
        "infer s": train_seconds + seconds + seconds_one,
        "infer docs/s": len(test_tokens) / seconds,
        "infer docs/s 1 thread": len(test_tokens) / seconds_one,
        "identical": bool(np.array_equal(one_thread, inferred_test)),
        "trained": model.document_vectors_,
        "inferred train": inferred_train,
        "inferred test": inferred_test,
    }


def _infer_loop(model, tokens):
    return np.vstack([model.infer_vector(words) for words in tokens])


def _run_gensim(params, train_tokens, test_tokens, threads, seed):
    """Fit and infer once; return the timings and the three row sets."""
    from gensim.models.doc2vec import Doc2Vec, TaggedDocument

    documents = [TaggedDocument(words, [i]) for i, words in enumerate(train_tokens)]
    model, fit_seconds = _timed(lambda: Doc2Vec(documents, workers=threads, seed=seed, hs=0,
                                                **COMMON, **params))
    trained = np.vstack([model.dv[i] for i in range(len(train_tokens))])
    inferred_train, train_seconds = _timed(_infer_loop, model, train_tokens)
    inferred_test, seconds = _timed(_infer_loop, model, test_tokens)
    with ThreadPoolExecutor(threads) as pool:
        _, seconds_pool = _timed(lambda: list(pool.map(model.infer_vector, test_tokens,
                                                       chunksize=64)))
    return {
        "fit s": fit_seconds,
        "infer s": train_seconds + seconds + seconds_pool,
        "infer docs/s": len(test_tokens) / seconds_pool,
        "infer docs/s 1 thread": len(test_tokens) / seconds,
        "trained": trained,
        "inferred train": inferred_train,
        "inferred test": inferred_test,
    }


def _word2vec_rows(train_tokens, test_tokens, threads, seed):
    from skembed import Word2VecTransformer

    model = Word2VecTransformer(input="tokens", pooling="mean", norm="l2", n_jobs=threads,
                                random_state=seed, **COMMON)
    return {"inferred train": model.fit_transform(train_tokens),
            "inferred test": model.transform(test_tokens)}


# ---------------------------------------------------------------------------- output


def _median(runs, key):
    return statistics.median(run[key] for run in runs)


def _score_medians(runs, recipe):
    accuracy = statistics.median(run[recipe][0][0] for run in runs)
    f1 = statistics.median(run[recipe][0][1] for run in runs)
    return f"{accuracy:.4f} | {f1:.4f} | {runs[0][recipe][1]:g}"


def _print_setting(setting, ours, theirs):
    fit_ours, fit_theirs = _median(ours, "fit s"), _median(theirs, "fit s")
    rate, rate_one = _median(ours, "infer docs/s"), _median(ours, "infer docs/s 1 thread")
    their_rate = _median(theirs, "infer docs/s 1 thread")
    their_pool = _median(theirs, "infer docs/s")
    print(f"| {setting} | skembed | {fit_ours:.2f} | {fit_theirs / fit_ours:.2f}x | "
          f"{rate:,.0f} | {rate_one:,.0f} | {rate / their_rate:.2f}x | "
          f"{rate_one / their_rate:.2f}x | {_score_medians(ours, 'inferred')} | "
          f"{_score_medians(ours, 'trained')} |")
    print(f"| {setting} | gensim | {fit_theirs:.2f} | 1 | {their_pool:,.0f} (pool) | "
          f"{their_rate:,.0f} | 1 | 1 | {_score_medians(theirs, 'inferred')} | "
          f"{_score_medians(theirs, 'trained')} |", flush=True)


def _classified(rows, runs, train, test, args, spent):
    """Append the classification of ``rows`` to ``runs`` (C from the first run)."""
    scores, seconds = _timed(_classify, rows, train[1], test[1], args.threads,
                             runs[0] if runs else None)
    spent["logistic regression"] += seconds
    runs.append({**rows, **scores})


def _dataset(name, args):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    from skembed import Doc2VecTransformer

    data = args.data / "classification" / name
    train = read_split(data / "train.tsv.gz", args.limit)
    test = read_split(data / "test.tsv.gz", args.limit)
    analyzer = Doc2VecTransformer().build_analyzer()
    train_tokens = [analyzer(text) for text in train[0]]
    test_tokens = [analyzer(text) for text in test[0]]
    n_tokens = sum(map(len, train_tokens))
    print(f"\n## {name}: {len(train[0]):,} training texts ({n_tokens:,} word tokens) and "
          f"{len(test[0]):,} test texts, {len(set(train[1]))} classes", flush=True)
    start = time.perf_counter()
    spent = dict.fromkeys(("skembed fit", "gensim fit", "skembed inference",
                           "gensim inference", "logistic regression", "references"), 0.0)

    word2vec, seconds = _timed(lambda: [
        _word2vec_rows(train_tokens, test_tokens, args.threads, seed)
        for seed in range(args.runs)])
    spent["references"] += seconds

    print(f"\n| setting | library | fit s | fit speed-up (gensim s / skembed s) | "
          f"infer docs/s ({args.threads} threads) | infer docs/s (1 thread) | "
          f"infer speed-up vs gensim loop ({args.threads} threads) | "
          "infer speed-up vs gensim loop (1 thread) | "
          "(a) inferred/inferred: accuracy | macro-F1 | C | "
          "(b) trained/inferred: accuracy | macro-F1 | C |")
    print("| --- | --- |" + " ---: |" * 12)
    concatenated, not_identical = [], []
    for setting, ours_params, their_params in SETTINGS:
        ours, theirs = [], []
        for seed in range(args.runs):
            rows = _run_skembed(ours_params, train_tokens, test_tokens, args.threads, seed)
            spent["skembed fit"] += rows["fit s"]
            spent["skembed inference"] += rows["infer s"]
            if not rows["identical"]:
                not_identical.append(f"{setting}, seed {seed}")
            _classified(rows, ours, train, test, args, spent)
            if setting == CONCATENATED:
                stacked = {key: np.hstack([rows[key], word2vec[seed][pooled]]) for key, pooled
                           in (("trained", "inferred train"),
                               ("inferred train", "inferred train"),
                               ("inferred test", "inferred test"))}
                _classified(stacked, concatenated, train, test, args, spent)
            rows = _run_gensim(their_params, train_tokens, test_tokens, args.threads, seed)
            spent["gensim fit"] += rows["fit s"]
            spent["gensim inference"] += rows["infer s"]
            _classified(rows, theirs, train, test, args, spent)
        _print_setting(setting, ours, theirs)
    print(f"\ngensim's {args.threads}-thread figure ('pool') maps infer_vector over a "
          f"{args.threads}-thread pool; its speed-ups are against the one-thread loop. "
          "C: chosen by 3-fold CV in the first run (seed 0; held-out folds scored on inferred "
          "rows), reused for the other seeds.")
    print(f"skembed's inferred rows, 1 thread vs {args.threads} threads: "
          + ("identical in every run" if not not_identical
             else "DIFFERENT in " + "; ".join(not_identical)))

    print("\n| reference pipeline (skembed) | accuracy | macro-F1 | C |")
    print("| --- | ---: | ---: | ---: |")
    reference_start = time.perf_counter()
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    with threadpool_limits(1, user_api="blas"):
        model = LogisticRegression(C=10, max_iter=MAX_ITER).fit(tfidf.fit_transform(train[0]),
                                                               train[1])
    accuracy, f1 = accuracy_and_f1(test[1], model.predict(tfidf.transform(test[0])))
    print(f"| TF-IDF 1-2-grams + LR | {accuracy:.4f} | {f1:.4f} | 10 |", flush=True)
    pooled = []
    for rows in word2vec:
        pooled.append(_classify(rows, train[1], test[1], args.threads,
                                pooled[0] if pooled else None, RECIPES[:1]))
    spent["references"] += time.perf_counter() - reference_start
    print("| Word2Vec skip-gram trained in fit, pooled (mean, l2) + LR | "
          f"{_score_medians(pooled, 'inferred')} |")
    print(f"| {CONCATENATED} (a) inferred/inferred, hstack pooled Word2Vec + LR | "
          f"{_score_medians(concatenated, 'inferred')} |")
    print(f"| {CONCATENATED} (b) trained/inferred, hstack pooled Word2Vec + LR | "
          f"{_score_medians(concatenated, 'trained')} |")
    print(f"\n{name}: {time.perf_counter() - start:.0f} s in all; "
          + ", ".join(f"{phase} {seconds:.0f} s" for phase, seconds in spent.items()),
          flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None,
                        help="read only the first N texts of each split (a quick check)")
    args = parser.parse_args(argv)
    if find_spec("gensim") is None:
        print('bench_doc2vec.py needs gensim (the bench extra): run pip install ".[bench]" '
              "in the repository", file=sys.stderr)
        return 2
    if not (args.data / "classification").is_dir():
        print(f"no shared data at {args.data}: pass --data", file=sys.stderr)
        return 2
    logging.getLogger("gensim").setLevel(logging.ERROR)
    _print_machine(args)
    start = time.perf_counter()
    first = read_split(args.data / "classification" / args.datasets[0] / "train.tsv.gz",
                        WARM_UP_DOCS)[0]
    from skembed import Doc2VecTransformer

    analyzer = Doc2VecTransformer().build_analyzer()
    _warm_up([analyzer(text) for text in first], args.threads)
    print(f"warm-up (numba compilation, untimed): {time.perf_counter() - start:.0f} s",
          flush=True)
    for name in args.datasets:
        _dataset(name, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
