"""Documents per second of a batch transform: one process, two Dask workers, TF-IDF.

The documents are the lines of the shared corpus (repeated ``--repeat`` times). Models
are fitted once, then each measurement is repeated ``--runs`` times (medians reported):

* ``transform`` in this process (skembed's word tokenizer and pooling, one core busy);
* ``skembed.parallel.dask_transform`` on a ``distributed.LocalCluster`` of two worker
  processes with one thread each on loopback, the model broadcast to the workers, in
  three ways: (a) the documents shipped from this process as a ``dask.bag`` of
  ``--partitions`` partitions and the rows gathered back into one array; (b) the workers
  reading the documents themselves from ``--partitions`` text files
  (``dask.bag.read_text``) and the rows gathered back; (c) as (b) but the rows kept on
  the workers (``persist``), as when they feed a further distributed step. Cluster
  start-up is never in the time;
* scikit-learn's ``TfidfVectorizer.transform`` on the same documents, a yardstick for
  "what a text pipeline's first step costs".

The two-worker rows are checked to equal the single-process rows exactly.

Usage::

    python benchmarks/bench_dask_transform.py --runs 3

Needs the test extra (dask, distributed) and ../shared/data beside the repository.
"""

import argparse
import gzip
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]
from bench_word2vec import DEFAULT_DATA  # noqa: E402


def _documents(corpus_dir, repeat):
    lines = []
    for path in sorted(Path(corpus_dir).glob("*.txt.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as file:
            lines.extend(line.rstrip("\n") for line in file if line.strip())
    return lines * repeat


def _timed(function, runs):
    seconds, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), seconds, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="the shared data folder")
    parser.add_argument("--repeat", type=int, default=2, help="copies of the corpus lines")
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import dask.bag as db
    import numpy as np
    from distributed import Client, LocalCluster, wait
    from sklearn.feature_extraction.text import TfidfVectorizer

    import skembed
    from skembed import FastTextTransformer, Word2VecTransformer
    from skembed.parallel import dask_transform

    docs = _documents(Path(args.data) / "corpus", args.repeat)
    n = len(docs)
    folder = Path(tempfile.mkdtemp(prefix="skembed-dask-bench-"))
    files = []
    for k in range(args.partitions):  # the same documents, as files the workers read
        files.append(str(folder / f"part-{k:03d}.txt"))
        Path(files[-1]).write_text("".join(d + "\n" for d in docs[k::args.partitions]),
                                   encoding="utf-8")
    # Row order follows the files, so compare with the documents in that order.
    docs = [d for k in range(args.partitions) for d in docs[k::args.partitions]]
    print(f"skembed {skembed.__version__}; {n:,} documents (the shared corpus lines x "
          f"{args.repeat}); {args.partitions} partitions; {args.runs} run(s) each", flush=True)
    training = docs[: n // args.repeat]
    models = {
        "Word2Vec (mean)": Word2VecTransformer(architecture="cbow", epochs=1, n_jobs=2,
                                               random_state=0).fit(training),
        "FastText (mean, n-grams for unseen words)": FastTextTransformer(
            architecture="cbow", epochs=1, n_jobs=2, random_state=0).fit(training[::4]),
    }
    tfidf = TfidfVectorizer().fit(training)

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=":0")
    client = Client(cluster)
    try:
        seconds, runs, _ = _timed(lambda: tfidf.transform(docs), args.runs)
        print(f"  TfidfVectorizer.transform, one process   {seconds:7.2f} s  "
              f"{n / seconds:10,.0f} docs/s  runs {[round(s, 2) for s in runs]}", flush=True)
        for name, model in models.items():
            single, runs, expected = _timed(lambda m=model: m.transform(docs), args.runs)
            print(f"  {name}:\n    transform, one process: {single:7.2f} s  "
                  f"{n / single:10,.0f} docs/s  runs {[round(s, 2) for s in runs]}",
                  flush=True)

            def shipped(m=model):
                bag = db.from_sequence(docs, npartitions=args.partitions)
                return dask_transform(m, bag, client=client).compute()

            def read_by_workers(m=model):
                return dask_transform(m, db.read_text(files), client=client).compute()

            def kept_on_workers(m=model):
                rows = dask_transform(m, db.read_text(files), client=client).persist()
                wait(rows)
                return rows

            for label, run in [("documents shipped, rows gathered", shipped),
                               ("workers read files, rows gathered", read_by_workers),
                               ("workers read files, rows kept", kept_on_workers)]:
                spread, runs, rows = _timed(run, args.runs)
                if not hasattr(rows, "dask"):
                    assert np.array_equal(rows, expected), "two-worker rows differ"
                print(f"    dask_transform, 2 workers, {label}: {spread:7.2f} s  "
                      f"{n / spread:10,.0f} docs/s  runs {[round(s, 2) for s in runs]}  "
                      f"-> {single / spread:.2f}x one process", flush=True)
            del rows
    finally:
        client.close()
        cluster.close()
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
