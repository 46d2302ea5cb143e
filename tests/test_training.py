"""The shared epoch loop: block ranges, interrupts between kernel calls, callbacks, logs."""

import _thread
import contextlib

import numpy as np
import pytest

from skembed import FastTextTransformer, GloVeTransformer, Word2VecTransformer, _training
from skembed._blocks import make_blocks
from skembed._kernels._bundles import ContextWindow, OutputLayer, block_stats, training_corpus
from skembed._kernels._word2vec import MAX_SENTENCE_LENGTH, skipgram_epoch
from skembed._training import linear_schedule, run_blocks
from skembed._vocab import alias_table, noise_distribution
from skembed.datasets import load_fortunes

SMALL = dict(vector_size=8, min_count=2, epochs=2, random_state=0)


@pytest.fixture(scope="module")
def texts():
    return list(load_fortunes(subset="train", return_X_y=True)[0][:2500])


@pytest.mark.parametrize("n_blocks,n_threads,per_call", [(100, 2, 8), (7, 1, 32), (33, 3, 1),
                                                        (0, 2, 4)])
def test_run_blocks_covers_every_block_once_in_worker_aligned_ranges(n_blocks, n_threads,
                                                                     per_call, monkeypatch):
    # Only the ranges are checked here: no numba threads are set (this machine may have
    # fewer cores than the test asks for).
    monkeypatch.setattr(_training, "numba_threads", lambda n: contextlib.nullcontext())
    ranges = []
    run_blocks(lambda first, end: ranges.append((first, end)), n_blocks, n_threads, per_call)
    covered = [block for first, end in ranges for block in range(first, end)]
    assert covered == list(range(n_blocks))
    # Every range but the last starts at a multiple of the threads: worker w keeps the
    # blocks w, w + n_threads, ... it has in one call over the whole epoch.
    assert all(first % n_threads == 0 and end - first == n_threads * per_call
               for first, end in ranges[:-1])


def _skipgram_setup(seed=0):
    rng = np.random.default_rng(seed)
    n_tokens, dim = 50, 8
    ids = rng.integers(0, n_tokens, size=60_000).astype(np.int32)
    offsets = np.arange(0, len(ids) + 1, 100, dtype=np.int64)
    blocks = make_blocks(offsets, MAX_SENTENCE_LENGTH, block_tokens=2_000)
    counts = np.bincount(ids, minlength=n_tokens)
    accept, alias = alias_table(noise_distribution(counts, 0.75))
    W_in = ((rng.random((n_tokens, dim)) - 0.5) / dim).astype(np.float32)
    output = OutputLayer(np.zeros((n_tokens, dim), np.float32), False, 3, accept, alias,
                         np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32),
                         np.zeros(1, np.int32))
    corpus = training_corpus(ids, blocks, np.ones(n_tokens))
    schedule = linear_schedule(0.025, 0.0001, 0, 1,
                               np.arange(1, blocks.n_blocks + 1, dtype=np.uint64), True)
    return W_in, corpus, output, ContextWindow(3, True, True), schedule, blocks.n_blocks


def test_an_epoch_cut_into_calls_equals_one_call_with_one_thread():
    whole = _skipgram_setup()
    W_in, corpus, output, context, schedule, n_blocks = whole
    stats = block_stats(n_blocks)
    skipgram_epoch(W_in, corpus, output, context, schedule, stats, 0, n_blocks, 1)

    cut = _skipgram_setup()
    cut_stats = block_stats(n_blocks)
    run_blocks(lambda first, end: skipgram_epoch(cut[0], *cut[1:5], cut_stats, first, end, 1),
               n_blocks, 1, blocks_per_call=1)
    assert n_blocks == 30
    np.testing.assert_array_equal(W_in, cut[0])
    np.testing.assert_array_equal(output.weights, cut[2].weights)
    np.testing.assert_array_equal(stats.loss, cut_stats.loss)
    np.testing.assert_array_equal(stats.examples, cut_stats.examples)


@pytest.mark.parametrize("estimator,driver", [(Word2VecTransformer, "skembed._word2vec"),
                                              (FastTextTransformer, "skembed._word2vec"),
                                              (GloVeTransformer, "skembed._glove")])
def test_ctrl_c_stops_training_between_kernel_calls(estimator, driver, texts, monkeypatch):
    # A SIGINT that arrives while the first kernel call of the first epoch runs (nogil,
    # in compiled code) is raised by Python as soon as that call returns: simulate it
    # there, and check that no other block is trained and nothing stays fitted.
    calls = []

    def run_blocks_interrupted(kernel, n_blocks, n_threads):
        assert n_blocks > 1

        def first_interrupted(first, end):
            kernel(first, end)
            calls.append((first, end))
            if len(calls) == 1:
                _thread.interrupt_main()

        run_blocks(first_interrupted, n_blocks, n_threads, blocks_per_call=1)

    monkeypatch.setattr(f"{driver}.run_blocks", run_blocks_interrupted)
    model = estimator(**{**SMALL, "min_count": 1}, n_jobs=1)
    if estimator is GloVeTransformer:
        model.set_params(window=15)  # enough entries for several blocks
    with pytest.raises(KeyboardInterrupt):
        model.fit(texts)
    assert calls == [(0, 1)]
    assert not [name for name in vars(model) if name.endswith("_") and not name.startswith("_")]


class _Recorder:
    def __init__(self, stop_after=None):
        self.events = []
        self.stop_after = stop_after

    def on_train_begin(self, estimator):
        self.events.append("begin")

    def on_epoch_begin(self, estimator, epoch):
        self.events.append(f"epoch {epoch}")

    def on_epoch_end(self, estimator, epoch, logs):
        self.events.append(sorted(logs))
        return self.stop_after is not None and epoch + 1 >= self.stop_after

    def on_train_end(self, estimator, logs):
        self.events.append("end")


@pytest.mark.parametrize("estimator,unit", [(Word2VecTransformer, "words"),
                                            (FastTextTransformer, "words"),
                                            (GloVeTransformer, "entries")])
def test_every_trainer_runs_the_same_callback_protocol(estimator, unit, texts, capsys):
    recorder = _Recorder(stop_after=2)
    model = estimator(**{**SMALL, "epochs": 4}, callbacks=[recorder], verbose=1)
    model.fit(texts[:600])
    keys = sorted(["loss", f"{unit}_per_second", "seconds", "vectors"])
    assert recorder.events == ["begin", "epoch 0", keys, "epoch 1", keys, "end"]
    assert model.n_iter_ == 2 and len(model.loss_curve_) == 2
    lines = [line for line in capsys.readouterr().out.splitlines() if f"{unit}/s" in line]
    assert [line.split(":")[0] for line in lines] == [f"[{estimator.__name__}] epoch 1/4",
                                                      f"[{estimator.__name__}] epoch 2/4"]


def test_logs_vectors_are_built_only_for_callbacks(texts, monkeypatch):
    built = []
    original = _training.run_epochs

    def spying_run_epochs(estimator, train_epoch, **kwargs):
        current = kwargs["current_vectors"]
        kwargs["current_vectors"] = lambda: built.append(1) or current()
        return original(estimator, train_epoch, **kwargs)

    monkeypatch.setattr("skembed._word2vec.run_epochs", spying_run_epochs)
    Word2VecTransformer(**SMALL).fit(texts[:300])
    assert built == []
    Word2VecTransformer(**SMALL, callbacks=[_Recorder()]).fit(texts[:300])
    assert built == [1, 1]


class _Keeper:
    def __init__(self):
        self.kept = []

    def on_epoch_end(self, estimator, epoch, logs):
        self.kept.append(logs["vectors"].vectors)


@pytest.mark.parametrize("estimator", [Word2VecTransformer, FastTextTransformer,
                                       GloVeTransformer])
def test_vectors_given_to_callbacks_are_snapshots(estimator, texts):
    keeper = _Keeper()
    model = estimator(**{**SMALL, "epochs": 3}, callbacks=[keeper]).fit(texts[:600])
    first, second, last = keeper.kept
    assert not np.array_equal(first, second) and not np.array_equal(second, last)
    np.testing.assert_array_equal(last, model.vectors_.vectors)
