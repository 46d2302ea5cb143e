"""Plot fitted word vectors: PCA and t-SNE word maps, a similarity heat map, the loss curve.

Trains Word2Vec on every text of the built-in fortunes dataset (labels ignored) and
draws with ``skembed.plot``:

* ``plot_words(model, words, method="pca", groups=...)``: a PCA map of topical words,
  one colour per topic;
* ``plot_words(model, words, method="tsne", ...)``: the same words by t-SNE (cosine
  distances, a small perplexity for a few dozen words);
* ``plot_similarity(model, words)``: their cosine similarities as a heat map;
* ``plot_loss(model)``: the mean training loss of each epoch (``loss_curve_``).

Words missing from the fitted vocabulary are left out (and named). Prints the path and
size of each PNG file, and how much closer words of one topic are to each other than to
words of other topics. Files go to a temporary folder, removed at the end, or to
``--out``. matplotlib draws with the non-interactive Agg backend.

Run::

    python examples/plots.py
    python examples/plots.py --out figures/   # keep the PNG files
"""

import argparse
import tempfile
import time
from itertools import combinations
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits

from skembed import Word2VecTransformer
from skembed.datasets import load_fortunes
from skembed.plot import plot_loss, plot_similarity, plot_words

# Draw into files only, never a window. pyplot picks its backend on first use, so this
# works after the import, as long as no figure exists yet.
matplotlib.use("Agg")

SEED = 0
TOPICS = {
    "computers": ["computer", "unix", "linux", "software", "program", "programmer", "kernel",
                  "disk", "code"],
    "people": ["man", "woman", "boy", "girl", "father", "mother", "husband", "wife"],
    "star trek": ["kirk", "spock", "mccoy", "stardate", "captain"],
    "food and drink": ["beer", "wine", "drink", "food", "eat", "bread"],
    "politics and law": ["government", "president", "law", "war", "peace", "freedom"],
}
HEAT_MAP_WORDS = ["unix", "linux", "software", "man", "woman", "wife", "kirk", "spock",
                  "beer", "wine", "government", "law"]


def known_words(model, words):
    """Keep the words that have a vector; say which are left out."""
    kept = [word for word in words if word in model.vectors_.index]
    missing = [word for word in words if word not in model.vectors_.index]
    if missing:
        print(f"not in the vocabulary, left out: {', '.join(missing)}")
    return kept


def topic_similarity(model, groups):
    """Mean cosine similarity of word pairs within a topic and across topics."""
    within, across = [], []
    for a, b in combinations(groups, 2):
        similarity = model.vectors_.similarity(a, b)
        (within if groups[a] == groups[b] else across).append(similarity)
    return float(np.mean(within)), float(np.mean(across))


def save(ax, path):
    """Save the figure of ``ax`` as a PNG and close it."""
    ax.figure.savefig(path, dpi=100)
    plt.close(ax.figure)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the PNG files (default: a temporary folder)")
    args = parser.parse_args()

    texts, _ = load_fortunes(subset="all", return_X_y=True)  # labels ignored
    start = time.perf_counter()
    model = Word2VecTransformer(vector_size=50, epochs=20, n_jobs=2, random_state=SEED)
    model.fit(texts)
    print(f"Word2Vec on {len(texts):,} fortunes texts: {model.vectors_} in "
          f"{time.perf_counter() - start:.1f} s; loss {model.loss_curve_[0]:.3f} after "
          f"epoch 1, {model.loss_curve_[-1]:.3f} after epoch {len(model.loss_curve_)}")

    groups = {word: topic for topic, words in TOPICS.items()
              for word in known_words(model, words)}
    words = list(groups)
    heat_map_words = known_words(model, HEAT_MAP_WORDS)
    within, across = topic_similarity(model, groups)
    print(f"{len(words)} words in {len(TOPICS)} topics; mean cosine similarity within a "
          f"topic {within:.3f}, across topics {across:.3f}")

    with tempfile.TemporaryDirectory() as temporary:
        folder = args.out if args.out is not None else Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)

        ax = plot_words(model, words, method="pca", groups=groups)
        ax.set_title("Word2Vec on fortunes: PCA of topical words")
        paths = [save(ax, folder / "words_pca.png")]

        _, ax = plt.subplots(figsize=(7, 6), layout="constrained")
        # scikit-learn's t-SNE computes its gradient on OpenMP threads. For a few dozen
        # words one thread is faster, by far on a busy machine, where waiting threads spin.
        with threadpool_limits(limits=1, user_api="openmp"):
            plot_words(model, words, method="tsne", groups=groups, perplexity=8,
                       random_state=SEED, ax=ax)
        ax.set_title("Word2Vec on fortunes: t-SNE of topical words")
        paths.append(save(ax, folder / "words_tsne.png"))

        ax = plot_similarity(model, heat_map_words)
        ax.set_title("cosine similarity")
        paths.append(save(ax, folder / "similarity.png"))

        ax = plot_loss(model, label=f"skip-gram, window={model.window}")
        ax.set_title("Word2Vec training loss")
        paths.append(save(ax, folder / "loss.png"))

        print()
        for path in paths:
            print(f"{str(path):60s} {path.stat().st_size / 1024:6.1f} KiB")
        if args.out is None:
            print("(a temporary folder, removed now; pass --out FOLDER to keep the files)")


if __name__ == "__main__":
    main()
