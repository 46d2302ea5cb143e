"""Save trained vectors to files, load them back, and use a file as pretrained vectors.

1. Train Word2Vec vectors (here on the fortunes training texts; in practice on a large
   unlabelled corpus) and save them with ``skembed.io.save_vectors`` twice: in the
   word2vec binary format (``.bin``, readable by gensim and the word2vec tool) and in
   skembed's native format (``.npz``, which also keeps the token counts).
2. Load both files with ``skembed.io.load_vectors`` and check they hold the same vectors.
3. Give the file's path to a new pipeline, ``Word2VecTransformer(pretrained=path)``:

   * frozen (``fine_tune=False``, the default): ``fit`` trains nothing; it only counts
     tokens and fits the pooling statistics, and the vocabulary is the file's;
   * fine-tuned (``fine_tune=True``): ``fit`` builds the vocabulary from its texts and
     trains, starting known tokens from the file's vectors.

   ``vector_size`` must equal the file's dimension (here 50).

Prints test accuracy, macro-F1 and fit time of frozen, fine-tuned and from-scratch
pipelines. Files go to a temporary folder, removed at the end, or to ``--out``.

Run::

    python examples/pretrained_vectors.py
    python examples/pretrained_vectors.py --out vectors/   # keep the files
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skembed import Word2VecTransformer
from skembed.datasets import load_fortunes
from skembed.io import load_vectors, save_vectors

SEED = 0
VECTOR_SIZE = 50


def save_and_reload(vectors, folder):
    """Save ``vectors`` as .bin and .npz in ``folder``, reload and compare; return the .bin path."""
    paths = {"word2vec binary": folder / "fortunes_word2vec.bin",
             "skembed native": folder / "fortunes_word2vec.npz"}
    for name, path in paths.items():
        save_vectors(vectors, path)
        loaded = load_vectors(path)
        same_tokens = loaded.tokens == vectors.tokens
        largest_difference = float(np.abs(loaded.vectors - vectors.vectors).max())
        counts = "kept" if loaded.counts is not None else "not stored"
        print(f"{name:16s} {path.name:24s} {path.stat().st_size / 1024:7.0f} KiB  reloaded: "
              f"{loaded}, same tokens {same_tokens}, largest difference "
              f"{largest_difference:g}, counts {counts}")
    return paths["word2vec binary"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the vector files (default: a temporary folder)")
    args = parser.parse_args()

    train_texts, train_labels = load_fortunes(subset="train", return_X_y=True)
    test_texts, test_labels = load_fortunes(subset="test", return_X_y=True)

    start = time.perf_counter()
    source = Word2VecTransformer(vector_size=VECTOR_SIZE, epochs=10, n_jobs=2,
                                 random_state=SEED).fit(train_texts)
    print(f"trained the vectors to save in {time.perf_counter() - start:.1f} s: "
          f"{source.vectors_}\n")

    with tempfile.TemporaryDirectory() as temporary:
        folder = args.out if args.out is not None else Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        path = save_and_reload(source.vectors_, folder)

        common = {"vector_size": VECTOR_SIZE, "n_jobs": 2, "random_state": SEED}
        embeddings = {
            "pretrained, frozen": Word2VecTransformer(pretrained=str(path), **common),
            "pretrained, fine-tuned": Word2VecTransformer(pretrained=str(path), fine_tune=True,
                                                          epochs=5, **common),
            "from scratch": Word2VecTransformer(epochs=5, **common),
        }
        rows = []
        for name, embedding in embeddings.items():
            pipeline = make_pipeline(embedding, StandardScaler(),
                                     LogisticRegression(max_iter=2000))
            start = time.perf_counter()
            pipeline.fit(train_texts, train_labels)
            seconds = time.perf_counter() - start
            start = time.perf_counter()
            clone(embedding).fit(train_texts)  # a copy of the embedding step alone
            embed_seconds = time.perf_counter() - start
            predicted = pipeline.predict(test_texts)
            rows.append((name, accuracy_score(test_labels, predicted),
                         f1_score(test_labels, predicted, average="macro"), seconds,
                         embed_seconds, embedding.n_iter_,
                         getattr(embedding, "n_pretrained_", 0)))

    print(f"\n{'pipeline':24s} {'accuracy':>8s} {'macro-F1':>8s} {'fit (s)':>8s} "
          f"{'embedding fit (s)':>17s} {'epochs':>6s} {'tokens from file':>16s}")
    for name, accuracy, macro_f1, seconds, embed_seconds, epochs, n_pretrained in rows:
        print(f"{name:24s} {accuracy:8.3f} {macro_f1:8.3f} {seconds:8.1f} {embed_seconds:17.2f} "
              f"{epochs:6d} {n_pretrained:16,d}")
    if args.out is not None:
        print(f"\nvector files kept in {args.out}")


if __name__ == "__main__":
    # Small dense classifiers: one BLAS thread is faster than two, by far on a busy machine
    # where waiting BLAS threads spin. Word2Vec's numba threads are not affected.
    with threadpool_limits(limits=1, user_api="blas"):
        main()
