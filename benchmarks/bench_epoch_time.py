"""One-epoch time of every trainer, for two checkouts of skembed side by side.

A change to the training code (the epoch driver, the kernels, their arguments) must keep
the hot loops as fast: this script times it against another checkout (for example the
commit before the change, unpacked with
``mkdir ../before && git archive REV | tar -x -C ../before``).
Each (checkout, configuration, run) trains in a fresh process, the checkouts alternating,
on the same tokens (austen and kjv from the shared corpus, lowercased words, 100
dimensions, min_count 5); a run's figure is the median of its epochs after the first (the
first can include compilation), and the script prints the median over runs.

Usage::

    python benchmarks/bench_epoch_time.py --other ../before            # 3 runs, 2 threads
    python benchmarks/bench_epoch_time.py --other ../before --threads 1 --configs sg-hs

Run it with nothing else running on the machine.
"""

import argparse
import gzip
import json
import statistics
import sys
from pathlib import Path

from bench_word2vec import DEFAULT_DATA, WORD, run_child

REPO = Path(__file__).resolve().parents[1]
FILES = ("austen", "kjv")
CONFIGS = {
    "sg-ns": ("Word2VecTransformer", {"epochs": 3}),
    "cbow-ns": ("Word2VecTransformer", {"architecture": "cbow", "epochs": 3}),
    "sg-hs": ("Word2VecTransformer", {"objective": "hierarchical_softmax", "epochs": 3}),
    "fasttext-sg": ("FastTextTransformer", {"epochs": 2}),
    "glove": ("GloVeTransformer", {"window": 5, "epochs": 5}),
}


def _child(args):
    sys.path.insert(0, args.repo)  # this checkout's skembed, not the installed one
    import skembed

    if not skembed.__file__.startswith(args.repo):
        raise SystemExit(f"imported {skembed.__file__}, not the checkout {args.repo}")
    docs = []
    for name in FILES:
        with gzip.open(Path(args.data) / "corpus" / f"{name}.txt.gz", "rt",
                       encoding="utf-8") as lines:
            docs.extend(WORD.findall(line.lower()) for line in lines)

    class Seconds:
        def __init__(self):
            self.epochs = []

        def on_epoch_end(self, estimator, epoch, logs):
            self.epochs.append(logs["seconds"])

    seconds = Seconds()
    name, params = CONFIGS[args.config]
    estimator = getattr(skembed, name)(vector_size=100, min_count=5, input="tokens",
                                       n_jobs=args.threads, random_state=0,
                                       callbacks=[seconds], **params)
    estimator.fit(docs)
    print("RESULT", json.dumps({"epochs": seconds.epochs}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", help="the other checkout to compare with (required)")
    parser.add_argument("--repo", default=str(REPO), help="this checkout (default: here)")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="the shared data folder")
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args)
    if args.other is None:
        parser.error("--other is required: the checkout to compare with")
    checkouts = {"this": str(Path(args.repo).resolve()), "other": str(Path(args.other).resolve())}
    print(f"seconds per epoch, {args.threads} thread(s), median of {args.runs} runs "
          "(this = this checkout, other = the --other checkout)")
    print(f"{'config':12s} {'other':>8s} {'this':>8s} {'this/other':>10s}")
    for config in args.configs:
        figures = {label: [] for label in checkouts}
        for _ in range(args.runs):
            for label, path in checkouts.items():
                result = run_child(__file__, ["--config", config, "--repo", path, "--data",
                                              args.data, "--threads", args.threads])
                figures[label].append(statistics.median(result["epochs"][1:]))
        this, other = (statistics.median(figures[k]) for k in ("this", "other"))
        print(f"{config:12s} {other:8.3f} {this:8.3f} {this / other:10.3f}", flush=True)


if __name__ == "__main__":
    main()
