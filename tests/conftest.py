"""Shared fixtures: tiny corpora written here, real data read from ../shared/data."""

import os
from pathlib import Path

import pytest

# A tiny corpus for fast unit tests (real sentences, a few repeated tokens).
TINY_CORPUS = [
    "The cat sat on the mat.",
    "The dog sat on the log.",
    "A cat and a dog are friends; the cat purrs and the dog barks.",
    "Cats chase mice, dogs chase cats!",
    "The quick brown fox jumps over the lazy dog.",
    "Don't count your chickens before they hatch.",
    "Café au lait, naïve façade: Unicode words count too.",
    "Numbers like 42 and 3.14 are tokens as well.",
]


def shared_data_dir():
    """The shared data folder beside the repository, or SKEMBED_SHARED_DATA if set."""
    override = os.environ.get("SKEMBED_SHARED_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def one_blas_thread():
    """Run the whole suite with one BLAS thread.

    The tests' classifiers fit small matrices: with two BLAS threads on a 2-core machine
    that also runs numba's threads (or other work), LogisticRegression ran up to ten times
    slower, and the docs, examples and comparison tests dominated the suite's time.
    Results are the same. (Tests that start their own Python process are not limited.)
    """
    # threadpoolctl limits the BLAS libraries loaded so far: load scipy's as well.
    import scipy.linalg  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="session")
def shared_data():
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"real data not available: {path} does not exist (set SKEMBED_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def tiny_corpus():
    return list(TINY_CORPUS)


def read_labelled(path, limit=None):
    """Read a `label<TAB>text` .tsv.gz file into (texts, labels)."""
    import gzip

    texts, labels = [], []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if limit is not None and number >= limit:
                break
            label, _, text = line.rstrip("\n").partition("\t")
            texts.append(text)
            labels.append(label)
    return texts, labels


def assert_same_rows_in_a_fresh_process(model, texts, folder, check=""):
    """Pickle a fitted model, load it in a new Python process: it must transform alike.

    ``check`` is more Python run there after loading, with the model as ``model``.
    """
    import json
    import pickle
    import subprocess
    import sys

    import numpy as np

    folder = Path(folder)
    (folder / "model.pkl").write_bytes(pickle.dumps(model))
    np.save(folder / "expected.npy", model.transform(texts))
    (folder / "texts.json").write_text(json.dumps(list(texts)), encoding="utf-8")
    script = (
        "import json, pickle, sys, numpy as np\n"
        "folder = sys.argv[1]\n"
        "model = pickle.load(open(folder + '/model.pkl', 'rb'))\n"
        f"{check}\n"
        "texts = json.load(open(folder + '/texts.json', encoding='utf-8'))\n"
        "np.testing.assert_array_equal(model.transform(texts),"
        " np.load(folder + '/expected.npy'))\n"
    )
    subprocess.run([sys.executable, "-c", script, str(folder)], check=True)
