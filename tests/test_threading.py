"""Threads and processes around fitting: fork after fit, several threads fitting at once,
the threading layer the user chose, and what importing and fitting change in the process.

Each test runs its scenario in a fresh Python process with a timeout: numba picks its
threading layer once per process, and a fork that deadlocks or a layer that aborts must
fail the test, not hang or kill the test run.
"""

import os
import subprocess
import sys

import pytest

# Every parallel kernel (skip-gram, CBOW, fastText, GloVe) on a small real corpus; the
# same settings serve the scripts below.
_COMMON = """
import numba, numpy as np
from skembed import FastTextTransformer, GloVeTransformer, Word2VecTransformer
from skembed.datasets import load_fortunes

texts, labels = load_fortunes(subset="train", return_X_y=True)
texts, labels = texts[:600], labels[:600]
MODELS = {
    "skipgram": (Word2VecTransformer, {}),
    "cbow": (Word2VecTransformer, {"architecture": "cbow"}),
    "fasttext": (FastTextTransformer, {"bucket": 2000}),
    "glove": (GloVeTransformer, {}),
}

def make(name, n_jobs):
    estimator, params = MODELS[name]
    return estimator(vector_size=8, min_count=2, epochs=2, random_state=0, n_jobs=n_jobs,
                     **params)
"""

_FORK_SCRIPT = _COMMON + """
import multiprocessing as mp

def fit_in_child(name):
    # Two threads run the parallel kernels in the child; the one-thread fit must equal
    # the parent's.
    parallel = make(name, 2).fit(texts).vectors_.vectors
    return (make(name, 1).fit_transform(texts), parent_model.transform(texts[:50]),
            bool(np.isfinite(parallel).all()))

parent_model = make("skipgram", 2).fit(texts)  # the parent has run parallel kernels
expected = {name: make(name, 1).fit_transform(texts) for name in MODELS}
with mp.get_context("fork").Pool(2) as pool:
    # A child killed by the threading layer would leave map() waiting forever.
    results = pool.map_async(fit_in_child, list(MODELS)).get(timeout=240)
for name, (rows, transformed, finite) in zip(MODELS, results):
    assert np.array_equal(rows, expected[name]), name
    assert np.array_equal(transformed, parent_model.transform(texts[:50])), name
    assert finite, name
print(numba.threading_layer(), len(results))
"""

_FORK_DURING_LAUNCH_SCRIPT = _COMMON + """
import multiprocessing as mp, threading
from skembed._threads import numba_threads

def fit_in_child(name):
    make(name, 2).fit(texts)  # parallel kernels: takes the launch lock
    return make(name, 1).fit_transform(texts)

expected = make("skipgram", 1).fit_transform(texts)
inside, release = threading.Event(), threading.Event()

def launch_and_wait():
    with numba_threads(2):  # a thread in the middle of its kernel call, at the fork
        inside.set()
        release.wait()

holder = threading.Thread(target=launch_and_wait, daemon=True)
holder.start()
inside.wait()
with mp.get_context("fork").Pool(1) as pool:
    # The child inherits the lock as held, by a thread it does not have.
    rows = pool.apply_async(fit_in_child, ["skipgram"]).get(timeout=240)
release.set()
holder.join()
assert np.array_equal(rows, expected)
print(numba.threading_layer())
"""

_GRID_SCRIPT = _COMMON + """
import multiprocessing as mp
from joblib import parallel_backend
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

def search(n_jobs):
    pipeline = Pipeline([("embed", make("skipgram", 1)),
                         ("classify", LogisticRegression(max_iter=300))])
    grid = GridSearchCV(pipeline, {"embed__window": [2, 5]}, cv=2, n_jobs=n_jobs)
    return grid.fit(texts, labels)  # refits the best pipeline in this process

if __name__ == "__main__":
    mp.set_start_method("fork")
    make("glove", 2).fit(texts)  # the parent runs parallel kernels before it forks
    serial = search(1)
    with parallel_backend("multiprocessing"):
        searches = [search(2), search(2)]  # the second forks after the first's refit
    for grid in searches:
        assert grid.best_params_ == serial.best_params_
        np.testing.assert_array_equal(grid.cv_results_["mean_test_score"],
                                      serial.cv_results_["mean_test_score"])
    print(numba.threading_layer(), len(searches))
"""

_THREADS_SCRIPT = _COMMON + """
import sys
from concurrent.futures import ThreadPoolExecutor

if sys.argv[1] == "started":  # numba's layer is running before skembed's first fit
    numba.get_num_threads()
started = numba.threading_layer() if sys.argv[1] == "started" else None

def fit(job):
    name, n_jobs = job
    return make(name, n_jobs).fit_transform(texts)

serial = {name: fit((name, 1)) for name in MODELS}
# Every kernel twice with one numba thread each, and four two-thread word2vec fits.
jobs = [(name, 1) for name in MODELS] * 2 + [("skipgram", 2)] * 4
with ThreadPoolExecutor(max_workers=4) as pool:
    results = list(pool.map(fit, jobs))
for (name, n_jobs), rows in zip(jobs, results):
    if n_jobs == 1:
        assert np.array_equal(rows, serial[name]), name
    else:  # lock-free updates from two numba threads: not bit-identical run to run
        assert rows.shape == serial[name].shape and np.isfinite(rows).all()
        assert np.abs(rows).sum() > 0
assert started is None or numba.threading_layer() == started
print(numba.threading_layer(), numba.config.THREADING_LAYER)
"""

_IMPORT_SCRIPT = """
import os
import numba, numpy, scipy.sparse, sklearn, sklearn.base, tokenizers  # their own settings
from numba.core import config

def snapshot():
    return dict(os.environ), {name: repr(getattr(config, name)) for name in dir(config)
                              if name.isupper()}

def variable_in_forked_child():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write, os.environ.get("TOKENIZERS_PARALLELISM", "-").encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        return pipe.read()

def layer():
    try:
        return numba.threading_layer()
    except ValueError:
        return "not started"

before = snapshot()
import skembed
from skembed.datasets import load_fortunes
assert snapshot() == before, "import changed the environment or numba.config"
print("import:", layer(), variable_in_forked_child())

texts = load_fortunes(subset="train", return_X_y=True)[0][:300]
skembed.Word2VecTransformer(vector_size=8, min_count=2, epochs=1, random_state=0).fit(texts)
assert snapshot() == before, "a fit changed the environment or numba.config"
print("word fit:", layer(), variable_in_forked_child())

skembed.Word2VecTransformer(vector_size=8, min_count=2, epochs=1, random_state=0,
                            n_jobs=2).fit(texts)
assert snapshot() == before, "a two-thread fit changed the environment or numba.config"
print("two-thread fit:", layer(), variable_in_forked_child())

skembed.Word2VecTransformer(vector_size=8, min_count=2, epochs=1, random_state=0,
                            tokenizer="bpe", subword_vocab_size=300).fit(texts)
assert snapshot() == before, "a subword fit changed the environment or numba.config"
print("subword fit:", layer(), variable_in_forked_child())
"""


def _run(script, *args, timeout=420, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in ("NUMBA_THREADING_LAYER", "TOKENIZERS_PARALLELISM")}
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, timeout=timeout, env={**clean, **env})
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_children_forked_after_a_fit_can_fit_and_transform():
    # GNU OpenMP kills a forked child at its first parallel kernel ("Terminating: fork()
    # called from a process already using GNU OpenMP").
    done = _run(_FORK_SCRIPT)
    assert done.stdout.split() == ["workqueue", "4"]
    assert "Terminating" not in done.stderr


def test_a_child_forked_while_another_thread_launches_can_fit():
    done = _run(_FORK_DURING_LAUNCH_SCRIPT)
    assert done.stdout.strip() == "workqueue"


def test_multiprocessing_grid_search_twice_in_one_process_matches_serial_search():
    done = _run(_GRID_SCRIPT)
    assert done.stdout.split() == ["workqueue", "2"]
    assert "Terminating" not in done.stderr


@pytest.mark.parametrize(
    "user_layer, expected",
    [
        (None, "workqueue default"),  # skembed's choice, numba.config left as it was
        ("workqueue", "workqueue workqueue"),  # the user's, with launches taking turns
        ("omp", "omp omp"),  # the user's thread-safe layer, used as it is
    ],
)
def test_threads_fitting_at_once_match_serial_fits(user_layer, expected):
    env = {} if user_layer is None else {"NUMBA_THREADING_LAYER": user_layer}
    done = _run(_THREADS_SCRIPT, "fresh", **env)
    assert done.stdout.strip() == expected


def test_a_threading_layer_numba_started_before_the_first_fit_is_kept():
    done = _run(_THREADS_SCRIPT, "started")
    layer, setting = done.stdout.split()
    assert layer != "workqueue" and setting == "default"  # numba's own default choice


def test_import_and_fit_change_only_what_they_need_in_the_process():
    done = _run(_IMPORT_SCRIPT)
    assert done.stdout.splitlines() == [
        "import: not started -",  # no threading layer, no fork hook, nothing set
        "word fit: workqueue -",  # the layer starts at the first parallel kernel
        "two-thread fit: workqueue -",
        "subword fit: workqueue false",  # tokenizers' pool ran: forks get the variable
    ]
