"""Cross-validate embedding pipelines against TF-IDF and one-hot baselines on one dataset.

Compares, on the same folds, LogisticRegression on: TF-IDF; one-hot words and BPE tokens;
Word2Vec, FastText and GloVe vectors trained inside each fold on the fold's texts (word
and subword tokenizers); and Word2Vec vectors trained once on the unlabelled shared
corpus, saved to a file and used frozen (``pretrained=``). One row has no
LogisticRegression: ``FastTextClassifier``, fastText's supervised classifier, learns its
vectors from each fold's labels and is the final estimator itself (25 epochs: fastText's
default 5 are meant for far more documents). ``Doc2VecTransformer(dm=False)`` adds
PV-DBOW paragraph vectors at gensim's IMDB recipe (20 epochs, ``min_count=2``,
``sample=0``): inside a pipeline, the classifier learns from the trained vectors of each
training fold (``fit_transform``) and predicts from vectors inferred for the test fold
(``transform``). Prints a Markdown table.
Every LogisticRegression keeps C=1 unless ``--Cs`` gives values to choose it among, by
3-fold cross-validation on each training fold (the test folds play no part in it);
``FastTextClassifier`` has no C and is fitted as given.

Run::

    python examples/compare_pipelines.py                          # built-in fortunes data
    python examples/compare_pipelines.py --dataset wordnet_nouns  # ../shared/data
    python examples/compare_pipelines.py --quick                  # a one-minute smoke run
    python examples/compare_pipelines.py --Cs 0.1 1 10 100 1000   # C chosen per fold
"""

import argparse
import gzip
import tempfile
import time
from pathlib import Path

from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skembed import (
    Doc2VecTransformer,
    FastTextClassifier,
    FastTextTransformer,
    GloVeTransformer,
    OneHotWordEncoder,
    Word2VecTransformer,
)
from skembed.datasets import load_fortunes
from skembed.evaluation import compare_pipelines
from skembed.io import save_vectors

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def read_dataset(name, data, limit):
    """Return (texts, labels) of a dataset's training split."""
    if name == "fortunes" and not (data / "classification" / name).is_dir():
        texts, labels = load_fortunes(subset="train", return_X_y=True)
        return list(texts)[:limit], list(labels)[:limit]
    texts, labels = [], []
    with gzip.open(data / "classification" / name / "train.tsv.gz", "rt",
                   encoding="utf-8") as lines:
        for line in lines:
            label, _, text = line.rstrip("\n").partition("\t")
            texts.append(text)
            labels.append(label)
            if limit is not None and len(texts) >= limit:
                break
    return texts, labels


def pretrain(data, folder, quick):
    """Train Word2Vec once on the unlabelled corpus and save it; return the file's path."""
    files = sorted((data / "corpus").glob("*.txt.gz"))
    if quick or not files:
        return None
    start = time.perf_counter()
    model = Word2VecTransformer(input="filename", n_jobs=2, random_state=0).fit(files)
    path = Path(folder) / "corpus_word2vec.npz"
    save_vectors(model.vectors_, path)
    print(f"pretrained Word2Vec on {len(files)} corpus files in "
          f"{time.perf_counter() - start:.0f} s ({len(model.vectors_):,} tokens)")
    return path


def pipelines(quick, pretrained_path):
    """Name -> unfitted pipeline."""
    epochs = 1 if quick else 5
    classifier = {"max_iter": 200 if quick else 2000}

    def embed(step):
        return make_pipeline(step, LogisticRegression(**classifier))

    def dense(step):
        # Pooled vectors are small and correlated: standardise them for the classifier.
        return make_pipeline(step, StandardScaler(), LogisticRegression(**classifier))

    chosen = {
        "majority class": DummyClassifier(),
        "TF-IDF": embed(TfidfVectorizer()),
        "one-hot, word": embed(OneHotWordEncoder()),
        "one-hot, BPE": embed(OneHotWordEncoder(tokenizer="bpe")),
        "Word2Vec, word": dense(Word2VecTransformer(epochs=epochs, n_jobs=2,
                                                    random_state=0)),
        "Word2Vec, BPE": dense(Word2VecTransformer(tokenizer="bpe", epochs=epochs, n_jobs=2,
                                                   random_state=0)),
        "FastText, word": dense(FastTextTransformer(epochs=epochs, n_jobs=2,
                                                    random_state=0)),
        "GloVe, word": dense(GloVeTransformer(epochs=3 if quick else 15, n_jobs=2,
                                              random_state=0)),
        # Paragraph vectors: trained rows for the training fold, inferred rows for the
        # test fold.
        "Doc2Vec PV-DBOW, IMDB recipe": dense(Doc2VecTransformer(
            dm=False, min_count=2, sample=0.0, epochs=5 if quick else 20, n_jobs=2,
            random_state=0)),
        # Supervised: the vectors learn from the labels; no LogisticRegression after it.
        "FastTextClassifier (supervised)": FastTextClassifier(epochs=25, random_state=0),
    }
    if pretrained_path is not None:
        chosen["Word2Vec pretrained on the corpus, frozen"] = dense(
            Word2VecTransformer(pretrained=str(pretrained_path)))
        chosen["same, TF-IDF-weighted mean"] = dense(
            Word2VecTransformer(pretrained=str(pretrained_path), pooling="tfidf"))
        chosen["FastTextClassifier, its input rows from the corpus Word2Vec"] = (
            FastTextClassifier(epochs=25, pretrained=str(pretrained_path), random_state=0))
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fortunes", choices=["fortunes", "wordnet_nouns"])
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None, help="use the first N texts")
    parser.add_argument("--quick", action="store_true", help="small settings, 3 folds")
    parser.add_argument("--Cs", type=float, nargs="+", metavar="C",
                        help="choose each LogisticRegression's C among these values on "
                             "each training fold (default: C=1 for every row)")
    args = parser.parse_args()
    limit = 1500 if args.quick and args.limit is None else args.limit
    texts, labels = read_dataset(args.dataset, args.data, limit)
    print(f"{args.dataset}: {len(texts):,} training texts, {len(set(labels))} classes")
    with tempfile.TemporaryDirectory() as folder:
        path = pretrain(args.data, folder, args.quick)
        table = compare_pipelines(pipelines(args.quick, path), texts, labels,
                                  cv=3 if args.quick else args.cv, verbose=1, Cs=args.Cs)
    print(table.to_markdown())


if __name__ == "__main__":
    main()
