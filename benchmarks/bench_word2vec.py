"""skembed Word2VecTransformer vs gensim Word2Vec, side by side on the shared corpus.

Each (library, configuration, run) trains in a fresh subprocess, one at a time, so peak
memory is measured per fit and the two libraries never compete for the cores. Both get
the same lowercased word tokens (the regex of skembed's "word" tokenizer) already in
memory, so the timed part is what each library does from token lists to vectors:
vocabulary counting plus training. Quality is measured with gensim's own evaluators on
both models, so the scores are comparable. A third run per configuration ("skembed-stream")
measures skembed's own path, streaming the .gz files once with ``input="filename"``
(tokenizing included in the time), which is where its memory advantage shows: gensim's
peak includes the token lists, as in its in-memory mode.

Configuration "sg-ns-batched" is skembed's skip-gram + negative sampling with
``batch_windows=True`` (HogBatch); it is compared with gensim's sg-ns runs and with
skembed's pair-by-pair sg-ns runs of the same session (run sg-ns first).

Usage::

    python benchmarks/bench_word2vec.py                 # 3 runs of each configuration
    python benchmarks/bench_word2vec.py --runs 1 --configs sg-ns
    python benchmarks/bench_word2vec.py --scaling       # skembed on 1 vs 2 threads

Needs the bench extra (gensim, psutil) and ../shared/data beside the repository.
"""

import argparse
import gzip
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"


def shown_path(path):
    """``path`` as the results files show it: relative to the repository."""
    return os.path.relpath(path, REPO)
WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")

CONFIGS = {
    "sg-ns": {"architecture": "skipgram", "objective": "negative_sampling"},
    "cbow-ns": {"architecture": "cbow", "objective": "negative_sampling"},
    "sg-hs": {"architecture": "skipgram", "objective": "hierarchical_softmax"},
    # skembed only: skip-gram + negative sampling with one noise draw per window (HogBatch);
    # compared with gensim's sg-ns (the runs above, when sg-ns ran first) and skembed's.
    "sg-ns-batched": {"architecture": "skipgram", "objective": "negative_sampling",
                     "batch_windows": True},
}
SETTINGS = {"vector_size": 100, "window": 5, "negative": 5, "sample": 1e-3, "min_count": 5,
            "epochs": 5, "alpha": 0.025, "min_alpha": 0.0001}


def _read_corpus(corpus_dir):
    docs = []
    for path in sorted(corpus_dir.glob("*.txt.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            docs.extend(WORD.findall(line.lower()) for line in lines)
    return docs


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _evaluate(tokens, vectors, eval_dir):
    import logging

    from gensim.models import KeyedVectors

    logging.getLogger("gensim").setLevel(logging.ERROR)
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(tokens), vectors)
    wordsim = kv.evaluate_word_pairs(str(eval_dir / "wordsim353.tsv"))
    simlex = kv.evaluate_word_pairs(str(eval_dir / "simlex999.txt"))
    accuracy, sections = kv.evaluate_word_analogies(str(eval_dir / "questions-words.txt"))
    total = next(s for s in sections if s["section"] == "Total accuracy")
    return {
        "wordsim353": float(wordsim[1][0]),
        "simlex999": float(simlex[1][0]),
        "analogy": float(accuracy),
        "analogy_covered": len(total["correct"]) + len(total["incorrect"]),
    }


def _fit_skembed(docs, config, threads, seed):
    from skembed import Word2VecTransformer

    params = dict(SETTINGS, **CONFIGS[config], n_jobs=threads, random_state=seed,
                  input="tokens")
    # Warm-up on a tiny corpus so compile (or cache loading) is not timed.
    Word2VecTransformer(**dict(params, min_count=1, epochs=1, random_state=0)).fit(docs[:200])
    start = time.perf_counter()
    model = Word2VecTransformer(**params).fit(docs)
    seconds = time.perf_counter() - start
    return seconds, model.vectors_.tokens, model.vectors_.vectors


def _fit_skembed_stream(files, config, threads, seed):
    from skembed import Word2VecTransformer

    params = dict(SETTINGS, **CONFIGS[config], n_jobs=threads, random_state=seed)
    Word2VecTransformer(**dict(params, min_count=1, epochs=1, random_state=0)).fit(
        ["warm up the compiled kernels"] * 50)
    start = time.perf_counter()
    model = Word2VecTransformer(**params, input="filename").fit(files)
    seconds = time.perf_counter() - start
    return seconds, model.vectors_.tokens, model.vectors_.vectors


def _fit_gensim(docs, config, threads, seed):
    from gensim.models import Word2Vec

    spec = CONFIGS[config]
    hs = spec["objective"] == "hierarchical_softmax"
    start = time.perf_counter()
    model = Word2Vec(
        docs, vector_size=SETTINGS["vector_size"], window=SETTINGS["window"],
        min_count=SETTINGS["min_count"], sample=SETTINGS["sample"], epochs=SETTINGS["epochs"],
        alpha=SETTINGS["alpha"], min_alpha=SETTINGS["min_alpha"],
        sg=int(spec["architecture"] == "skipgram"), hs=int(hs),
        negative=0 if hs else SETTINGS["negative"], workers=threads, seed=seed,
    )
    seconds = time.perf_counter() - start
    return seconds, model.wv.index_to_key, model.wv.vectors


def _count_tokens(files):
    total = 0
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            total += sum(len(WORD.findall(line.lower())) for line in lines)
    return total


def _child(args):
    data = Path(args.data)
    if args.library == "skembed-stream":
        # skembed's own path: stream the files once, tokenizing as it reads.
        files = sorted((data / "corpus").glob("*.txt.gz"))
        baseline = _peak_rss_mb()
        seconds, tokens, vectors = _fit_skembed_stream(files, args.config, args.threads,
                                                       args.seed)
        peak = _peak_rss_mb()
        n_tokens = _count_tokens(files)
    else:
        docs = _read_corpus(data / "corpus")
        n_tokens = sum(map(len, docs))
        baseline = _peak_rss_mb()
        fit = _fit_skembed if args.library == "skembed" else _fit_gensim
        seconds, tokens, vectors = fit(docs, args.config, args.threads, args.seed)
        peak = _peak_rss_mb()
    result = {
        "library": args.library, "config": args.config, "seed": args.seed,
        "seconds": seconds, "words_per_second": n_tokens * SETTINGS["epochs"] / seconds,
        "peak_rss_mb": peak, "rss_before_fit_mb": baseline,
        "vocabulary": len(tokens), "tokens": n_tokens,
    }
    result.update(_evaluate(tokens, vectors, data / "eval"))
    print("RESULT " + json.dumps(result), flush=True)


def _compile_check(threads):
    """Time the first fit in a fresh process with a warm cache, against a second fit."""
    code = (
        "import time; from skembed import Word2VecTransformer as W\n"
        "docs = ['the quick brown fox jumps over the lazy dog'] * 200\n"
        "out = []\n"
        "for arch in ('skipgram', 'cbow'):\n"
        "    for obj in ('negative_sampling', 'hierarchical_softmax'):\n"
        "        for _ in range(2):\n"
        "            t = time.perf_counter()\n"
        f"            W(min_count=1, epochs=1, n_jobs={threads}, architecture=arch,\n"
        "              objective=obj).fit(docs)\n"
        "            out.append(time.perf_counter() - t)\n"
        "first = sum(out[0::2]); again = sum(out[1::2])\n"
        "print(f'{first:.3f} {again:.3f}')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)  # warm
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0]), float(out[1])


def run_child(script, arguments, env=None):
    """Run ``script --child arguments...`` in a fresh process; return its RESULT line's dict."""
    command = [sys.executable, str(script), "--child", *map(str, arguments)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def _run_child(library, config, seed, args, threads=None):
    threads = args.threads if threads is None else threads
    return run_child(__file__, ["--library", library, "--config", config, "--seed", seed,
                                "--threads", threads, "--data", args.data],
                     env=dict(os.environ, PYTHONHASHSEED="0"))


def report_scaling(label, runs, threads, fit_seconds):
    """Time ``fit_seconds(n_threads, seed)`` on 1 and ``threads`` threads, alternately.

    Prints each run and the medians' speed-up.
    """
    seconds = {1: [], threads: []}
    for run in range(runs):
        for n_threads in seconds:
            seconds[n_threads].append(fit_seconds(n_threads, run + 1))
            print(f"  {label} run {run + 1} {n_threads} thread(s) "
                  f"{seconds[n_threads][-1]:6.1f} s", flush=True)
    one, many = (statistics.median(seconds[n]) for n in seconds)
    print(f"{label}: median fit 1 thread {one:.1f} s, {threads} threads {many:.1f} s "
          f"-> {one / many:.2f}x", flush=True)


def _scaling(args):
    """skembed alone on one thread and on ``args.threads``, alternately; print the speed-up."""
    print(f"skembed thread scaling; corpus {shown_path(args.data)}/corpus (all files); "
          f"1 vs {args.threads} threads; {args.runs} run(s) each; settings {SETTINGS}")
    for config in args.configs:
        def fit_seconds(threads, seed, config=config):
            return _run_child("skembed", config, seed, args, threads)["seconds"]

        report_scaling(config, args.runs, args.threads, fit_seconds)


def _median(results, key):
    return statistics.median(r[key] for r in results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="the shared data folder")
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="also write every run's figures to this file")
    parser.add_argument("--scaling", action="store_true",
                        help="time skembed alone on 1 thread and on --threads instead")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--library", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args)
    if not (Path(args.data) / "corpus").is_dir():
        sys.exit(f"no corpus at {args.data}/corpus: pass --data")
    if args.scaling:
        return _scaling(args)

    import gensim

    import skembed

    print(f"skembed {skembed.__version__} vs gensim {gensim.__version__}; corpus "
          f"{shown_path(args.data)}/corpus (all files); {args.threads} threads; "
          f"{args.runs} run(s) each; "
          f"settings {SETTINGS}")
    first, again = _compile_check(args.threads)
    print(f"compile check (warm cache, new process, 4 configurations): first fits "
          f"{first:.2f} s, same fits again {again:.2f} s -> compile/load overhead "
          f"{first - again:.2f} s")
    everything = []
    runs_of = {}
    for config in args.configs:
        runs = {"skembed": [], "gensim": [], "skembed-stream": []}
        libraries = ("skembed", "gensim", "skembed-stream")
        shared = CONFIGS[config].get("batch_windows", False)
        if shared:
            libraries = ("skembed",)
            if "sg-ns" in runs_of:
                runs["gensim"] = runs_of["sg-ns"]["gensim"]
            else:
                libraries = ("skembed", "gensim")
        for run in range(args.runs):
            for library in libraries:
                result = _run_child(library, config, run + 1, args)
                runs[library].append(result)
                everything.append(result)
                print(f"  {config} run {run + 1} {library:14s} {result['seconds']:6.1f} s "
                      f"{result['words_per_second']:>10,.0f} words/s  RSS "
                      f"{result['peak_rss_mb']:5.0f} MB  ws353 {result['wordsim353']:.3f}  "
                      f"simlex {result['simlex999']:.3f}  analogy {result['analogy']:.3f}",
                      flush=True)
        ours, theirs = runs["skembed"], runs["gensim"]
        ratio = _median(theirs, "seconds") / _median(ours, "seconds")
        print(f"{config}: median fit skembed {_median(ours, 'seconds'):.1f} s, gensim "
              f"{_median(theirs, 'seconds'):.1f} s -> throughput ratio {ratio:.2f}x")
        for key in ("wordsim353", "simlex999", "analogy"):
            mine, reference = _median(ours, key), _median(theirs, key)
            print(f"    {key:10s} skembed {mine:.3f}  gensim {reference:.3f}  "
                  f"diff {mine - reference:+.3f}")
        runs_of[config] = runs
        if shared:
            if "sg-ns" in runs_of:
                pairwise = runs_of["sg-ns"]["skembed"]
                print(f"    against skembed sg-ns (one draw per pair) in this run: fit "
                      f"{_median(pairwise, 'seconds') / _median(ours, 'seconds'):.2f}x faster; "
                      + ", ".join(f"{key} {_median(ours, key) - _median(pairwise, key):+.3f}"
                                  for key in ("wordsim353", "simlex999", "analogy")),
                      flush=True)
            continue
        stream = runs["skembed-stream"]
        print(f"    peak RSS, both given the token lists in memory: skembed "
              f"{_median(ours, 'peak_rss_mb'):.0f} MB, gensim {_median(theirs, 'peak_rss_mb'):.0f}"
              f" MB (the lists alone: {_median(ours, 'rss_before_fit_mb'):.0f} MB)")
        print(f"    skembed streaming the .gz files itself (input='filename', tokenizing as it "
              f"reads): {_median(stream, 'seconds'):.1f} s, peak RSS "
              f"{_median(stream, 'peak_rss_mb'):.0f} MB, ratio to gensim in memory "
              f"{_median(theirs, 'seconds') / _median(stream, 'seconds'):.2f}x, "
              f"ws353 {_median(stream, 'wordsim353'):.3f}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=1))


if __name__ == "__main__":
    main()
