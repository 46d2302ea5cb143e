"""skembed FastTextTransformer vs gensim FastText vs Facebook fastText, side by side.

Each (library, run) trains in a fresh subprocess, one at a time, on the same lowercased
word tokens of the whole shared corpus, with the same settings (skip-gram, dim 100, window
5, negative 5, min_n 3, max_n 6, bucket 2M, min_count 5, sample 1e-3, lr 0.025, 5 epochs,
2 threads). skembed and gensim get the token lists in memory; fastText reads the same
tokens from a text file written before its timer starts. Word-pair scores use each
library's own word vectors, unseen words included (built from n-grams), so coverage is
reported too; analogies use the vocabulary words only, with gensim's evaluator.
"skembed-batched" is skembed with ``batch_windows=True`` (each window's pairs as one
minibatch step); the script prints its ratios and its quality against the default's.

Usage::

    python benchmarks/bench_fasttext.py --runs 3
    python benchmarks/bench_fasttext.py --runs 1 --libraries skembed gensim
    python benchmarks/bench_fasttext.py --scaling     # skembed on 1 vs 2 threads

Needs the bench extra (gensim, fasttext-wheel) and ../shared/data beside the repository.
"""

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_word2vec import (  # noqa: E402
    DEFAULT_DATA,
    _median,
    _peak_rss_mb,
    _read_corpus,
    report_scaling,
    run_child,
    shown_path,
)

SETTINGS = {"dim": 100, "window": 5, "negative": 5, "min_n": 3, "max_n": 6,
            "bucket": 2_000_000, "min_count": 5, "sample": 1e-3, "lr": 0.025, "epochs": 5}
# "skembed-batched": skembed with batch_windows=True (one noise draw per window, HogBatch)
LIBRARIES = ("skembed", "skembed-batched", "gensim", "fasttext")


def _pairs(path):
    pairs = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        a, b, score = line.split("\t")[:3]
        pairs.append((a.lower(), b.lower(), float(score)))
    return pairs


def _spearman(vector_of, pairs):
    from scipy.stats import spearmanr

    human, model = [], []
    for a, b, score in pairs:
        u, v = vector_of(a), vector_of(b)
        nu, nv = float((u @ u) ** 0.5), float((v @ v) ** 0.5)
        if nu == 0 or nv == 0 or not (math.isfinite(nu) and math.isfinite(nv)):
            continue
        human.append(score)
        model.append(float(u @ v) / (nu * nv))
    return float(spearmanr(human, model).statistic), len(human) / len(pairs)


def _analogies(tokens, vectors, eval_dir):
    import logging

    from gensim.models import KeyedVectors

    logging.getLogger("gensim").setLevel(logging.ERROR)
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(tokens), vectors)
    return float(kv.evaluate_word_analogies(str(eval_dir / "questions-words.txt"))[0])


def _train(library, docs, threads, seed, corpus_file):
    s = SETTINGS
    if library.startswith("skembed"):
        from skembed import FastTextTransformer

        params = dict(vector_size=s["dim"], window=s["window"], negative=s["negative"],
                      min_n=s["min_n"], max_n=s["max_n"], bucket=s["bucket"],
                      min_count=s["min_count"], sample=s["sample"], alpha=s["lr"],
                      epochs=s["epochs"], n_jobs=threads, random_state=seed, input="tokens",
                      batch_windows=library == "skembed-batched")
        FastTextTransformer(**dict(params, min_count=1, epochs=1)).fit(docs[:200])  # compile
        start = time.perf_counter()
        model = FastTextTransformer(**params).fit(docs)
        seconds = time.perf_counter() - start
        vectors = model.vectors_
        return seconds, vectors.tokens, vectors.vectors, vectors.get_vector
    if library == "gensim":
        from gensim.models import FastText

        start = time.perf_counter()
        model = FastText(docs, vector_size=s["dim"], window=s["window"], negative=s["negative"],
                         min_n=s["min_n"], max_n=s["max_n"], bucket=s["bucket"],
                         min_count=s["min_count"], sample=s["sample"], alpha=s["lr"],
                         epochs=s["epochs"], workers=threads, seed=seed, sg=1)
        seconds = time.perf_counter() - start
        wv = model.wv
        return seconds, list(wv.index_to_key), wv.vectors, wv.get_vector
    import fasttext

    start = time.perf_counter()
    model = fasttext.train_unsupervised(
        corpus_file, model="skipgram", dim=s["dim"], ws=s["window"], neg=s["negative"],
        minn=s["min_n"], maxn=s["max_n"], bucket=s["bucket"], minCount=s["min_count"],
        t=s["sample"], lr=s["lr"], epoch=s["epochs"], thread=threads, verbose=0)
    seconds = time.perf_counter() - start
    import numpy as np

    words = model.words
    vectors = np.vstack([model.get_word_vector(w) for w in words])
    return seconds, words, vectors, model.get_word_vector


def _child(args):
    data = Path(args.data)
    docs = _read_corpus(data / "corpus")
    n_tokens = sum(map(len, docs))
    corpus_file = None
    if args.library == "fasttext":
        handle, corpus_file = tempfile.mkstemp(suffix=".txt")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            for doc in docs:
                out.write(" ".join(doc) + "\n")
    try:
        seconds, tokens, vectors, vector_of = _train(args.library, docs, args.threads,
                                                     args.seed, corpus_file)
        peak = _peak_rss_mb()
        wordsim, wordsim_cover = _spearman(vector_of, _pairs(data / "eval" / "wordsim353.tsv"))
        simlex, simlex_cover = _spearman(vector_of, _pairs(data / "eval" / "simlex999.txt"))
        result = {
            "library": args.library, "seed": args.seed, "seconds": seconds,
            "words_per_second": n_tokens * SETTINGS["epochs"] / seconds, "peak_rss_mb": peak,
            "wordsim353": wordsim, "wordsim_coverage": wordsim_cover, "simlex999": simlex,
            "simlex_coverage": simlex_cover, "nan": bool(not (abs(vectors).sum() < math.inf)),
            "analogy": _analogies(tokens, vectors, data / "eval"),
        }
    finally:
        if corpus_file:
            os.unlink(corpus_file)
    print("RESULT " + json.dumps(result), flush=True)


def _scaling(args):
    """skembed alone on one thread and on ``args.threads``, alternately; print the speed-up."""
    print(f"skembed thread scaling; settings {SETTINGS}; 1 vs {args.threads} threads; "
          f"{args.runs} run(s); corpus {shown_path(args.data)}/corpus")
    for library in (lib for lib in args.libraries if lib.startswith("skembed")):
        def fit_seconds(threads, seed, library=library):
            return run_child(__file__, ["--library", library, "--seed", seed, "--threads",
                                        threads, "--data", args.data])["seconds"]

        report_scaling(library, args.runs, args.threads, fit_seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--libraries", nargs="+", default=list(LIBRARIES), choices=LIBRARIES)
    parser.add_argument("--scaling", action="store_true",
                        help="time skembed alone on 1 thread and on --threads instead")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--library", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args)
    if args.scaling:
        return _scaling(args)
    print(f"settings {SETTINGS}; {args.threads} threads; {args.runs} run(s); corpus "
          f"{shown_path(args.data)}/corpus")
    runs = {library: [] for library in args.libraries}
    for run in range(args.runs):
        for library in args.libraries:
            result = run_child(__file__, ["--library", library, "--seed", run + 1,
                                          "--threads", args.threads, "--data", args.data])
            runs[library].append(result)
            print(f"  run {run + 1} {library:14s} {result['seconds']:6.1f} s  RSS "
                  f"{result['peak_rss_mb']:5.0f} MB  ws353 {result['wordsim353']:.3f} "
                  f"({result['wordsim_coverage']:.0%})  simlex {result['simlex999']:.3f} "
                  f"({result['simlex_coverage']:.0%})  analogy {result['analogy']:.3f}",
                  flush=True)
    medians = {lib: {k: _median(rs, k) for k in
                     ("seconds", "peak_rss_mb", "wordsim353", "simlex999", "analogy")}
               for lib, rs in runs.items()}
    for library, m in medians.items():
        print(f"{library:14s} median {m['seconds']:.1f} s, RSS {m['peak_rss_mb']:.0f} MB, "
              f"ws353 {m['wordsim353']:.3f}, simlex {m['simlex999']:.3f}, "
              f"analogy {m['analogy']:.3f}")
    for ours in ("skembed", "skembed-batched"):
        if ours not in medians:
            continue
        for other in medians:
            if not other.startswith("skembed"):
                ratio = medians[other]["seconds"] / medians[ours]["seconds"]
                print(f"throughput ratio {ours} / {other}: {ratio:.2f}x")
    if "skembed" in medians and "skembed-batched" in medians:
        shared, pairwise = medians["skembed-batched"], medians["skembed"]
        print("skembed-batched - skembed: " + ", ".join(
            f"{key} {shared[key] - pairwise[key]:+.3f}"
            for key in ("wordsim353", "simlex999", "analogy")))


if __name__ == "__main__":
    main()
