"""Out-of-core fitting: the encoded corpus moves to a memory-mapped temporary file past
a size, gives exactly the in-memory result, and leaves nothing behind."""

import errno
import gzip
import tempfile
from pathlib import Path

import numpy as np
import pytest

import skembed._spill as spill
from skembed import (
    FastTextTransformer,
    GloVeTransformer,
    OneHotWordEncoder,
    Word2VecTransformer,
)
from skembed._spill import SpillableArray, allocate, is_spilled
from skembed._vocab import VocabularyBuilder, encode
from skembed.datasets import load_fortunes

SMALL = {"vector_size": 16, "min_count": 2, "epochs": 2, "random_state": 0, "n_jobs": 1}


@pytest.fixture
def spill_dir(monkeypatch, tmp_path):
    """Spill anything above 256 bytes into a temporary directory of this test only."""
    monkeypatch.setattr(spill, "SPILL_BYTES", 256)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _mapped_files_in(directory):
    """Mappings of this process onto files of ``directory`` (deleted or not)."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("needs /proc/self/maps (Linux) to see memory-mapped files")
    return [line for line in maps.read_text().splitlines() if str(directory) in line]


class WatchMappings:
    """Callback recording, at each epoch's end, how many files of a folder are mapped."""

    def __init__(self, directory):
        self.directory = directory
        self.seen = []

    def on_epoch_end(self, model, epoch, logs):
        self.seen.append(len(_mapped_files_in(self.directory)))


def test_spillable_array_in_memory_and_on_disk(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    values = np.arange(10_000, dtype=np.int32)
    for budget, spilled in [(1 << 20, False), (1000, True)]:
        monkeypatch.setattr(spill, "SPILL_BYTES", budget)
        array = SpillableArray(np.int32)
        for start in range(0, len(values), 777):
            array.append(values[start : start + 777])
        assert len(array) == len(values)
        assert array.spilled is spilled
        out = array.to_array()
        assert is_spilled(out) is spilled
        np.testing.assert_array_equal(out, values)
        out[:3] = -1  # writable, as the in-place remap needs
        assert out[:4].tolist() == [-1, -1, -1, 3]
        assert len(array) == 0
        del out
    assert list(tmp_path.iterdir()) == []  # unlinked from the start
    assert _mapped_files_in(tmp_path) == []


def test_allocate_maps_large_arrays_and_reports_a_full_disk(spill_dir, monkeypatch):
    assert not is_spilled(allocate(10, np.int64))
    big = allocate(1000, np.int64)
    assert is_spilled(big) and big.shape == (1000,)
    big[:] = 7
    assert int(big.sum()) == 7000
    del big

    def full(file, n_bytes):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(spill, "_reserve", full)
    with pytest.raises(OSError, match=r"cannot reserve .* GiB in the temporary directory .*TMPDIR"):
        allocate(1000, np.int64)


def test_a_failed_write_names_the_directory_and_the_remedy(spill_dir, monkeypatch):
    array = SpillableArray(np.int32)
    array.append(np.zeros(100, dtype=np.int32))  # 400 bytes: spilled
    assert array.spilled

    def fail(values):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(array._file, "write", fail)
    with pytest.raises(OSError, match="cannot write .* GiB in the temporary directory .*TMPDIR"):
        array.append(np.zeros(10, dtype=np.int32))
    array.close()

    # Buffered appends may only meet the full disk when flushed.
    array = SpillableArray(np.int32)
    array.append(np.zeros(100, dtype=np.int32))
    monkeypatch.setattr(array._file, "flush", lambda: fail(None))
    with pytest.raises(OSError, match="cannot write .*TMPDIR"):
        array.to_array()


def test_builder_and_encode_give_the_same_corpus_when_spilled(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    texts = load_fortunes().data[:3000]
    docs = [text.lower().split() for text in texts] + [[], ["lonely"]]
    results = []
    for budget in [1 << 30, 512]:
        monkeypatch.setattr(spill, "SPILL_BYTES", budget)
        monkeypatch.setattr("skembed._vocab._FLUSH_TOKENS", 1000)  # many chunks
        builder = VocabularyBuilder(max_vocab_size=3000)
        for tokens in docs:
            builder.add(tokens)
        vocabulary, corpus = builder.finish(min_count=2)
        assert is_spilled(corpus.ids) is (budget == 512)
        known = corpus.known()
        encoded = encode(docs, vocabulary.index())
        results.append((vocabulary, corpus, known, encoded))
    (vocab_a, corpus_a, known_a, encoded_a), (vocab_b, corpus_b, known_b, encoded_b) = results
    assert vocab_a.tokens == vocab_b.tokens
    np.testing.assert_array_equal(vocab_a.counts, vocab_b.counts)
    for a, b in [(corpus_a, corpus_b), (known_a, known_b), (encoded_a, encoded_b)]:
        np.testing.assert_array_equal(a.ids, b.ids)
        np.testing.assert_array_equal(a.offsets, b.offsets)
        assert a.unknown_tokens == b.unknown_tokens
    assert is_spilled(known_b.ids) and known_b.ids.min() >= 0
    assert corpus_b.n_documents == len(docs)
    # Counts agree with the corpus even though max_vocab_size forgot tokens on the way.
    np.testing.assert_array_equal(
        np.bincount(corpus_b.ids[corpus_b.ids >= 0], minlength=len(vocab_b)), vocab_b.counts)
    assert corpus_b.first_unknown_document() == corpus_a.first_unknown_document()


ESTIMATORS = [
    pytest.param(Word2VecTransformer, {}, id="word2vec-sg"),
    pytest.param(Word2VecTransformer, {"architecture": "cbow",
                                       "objective": "hierarchical_softmax"}, id="cbow-hs"),
    pytest.param(FastTextTransformer, {"bucket": 5000}, id="fasttext"),
    pytest.param(GloVeTransformer, {}, id="glove"),
]


@pytest.mark.parametrize("estimator, params", ESTIMATORS)
def test_spilled_fit_equals_in_memory_fit_and_releases_the_file(estimator, params, spill_dir,
                                                                monkeypatch):
    texts = load_fortunes().data[:800]
    watch = WatchMappings(spill_dir)
    spilled = estimator(**SMALL, **params, callbacks=[watch])
    out_spilled = spilled.fit_transform(texts)
    monkeypatch.setattr(spill, "SPILL_BYTES", 1 << 30)
    in_memory = estimator(**SMALL, **params).fit(texts)
    np.testing.assert_array_equal(spilled.vectors_.vectors, in_memory.vectors_.vectors)
    np.testing.assert_array_equal(out_spilled, in_memory.transform(texts))
    np.testing.assert_array_equal(spilled.idf_, in_memory.idf_)
    assert watch.seen and min(watch.seen) > 0  # trained from the mapped files
    assert _mapped_files_in(spill_dir) == []  # and let them go
    assert list(spill_dir.iterdir()) == []


def test_frozen_pretrained_and_onehot_fit_with_a_spilled_corpus(spill_dir, monkeypatch):
    texts = load_fortunes().data[:800]
    vectors = Word2VecTransformer(**SMALL).fit(texts).vectors_
    frozen = Word2VecTransformer(vector_size=16, pretrained=vectors, pooling="tfidf")
    onehot = OneHotWordEncoder(min_count=2)
    out_frozen = frozen.fit_transform(texts)
    out_onehot = onehot.fit_transform(texts)
    monkeypatch.setattr(spill, "SPILL_BYTES", 1 << 30)
    np.testing.assert_array_equal(out_frozen, frozen.fit_transform(texts))
    assert (out_onehot != onehot.fit_transform(texts)).nnz == 0
    assert _mapped_files_in(spill_dir) == []


def test_fit_from_files_through_a_mapped_corpus(shared_data, spill_dir, monkeypatch, tmp_path):
    """A few hundred thousand tokens read from .gz files, the corpus wholly on disk."""
    monkeypatch.setattr(spill, "SPILL_BYTES", 1 << 16)  # 16,384 tokens
    corpus_dir = shared_data / "corpus"
    paths = [corpus_dir / "devils_dictionary.txt.gz", corpus_dir / "jargon.txt.gz"]
    watch = WatchMappings(spill_dir)
    params = {"vector_size": 32, "min_count": 5, "epochs": 1, "random_state": 0, "n_jobs": 1}
    model = GloVeTransformer(**params, input="filename", callbacks=[watch]).fit(paths)
    assert watch.seen and min(watch.seen) > 0
    monkeypatch.setattr(spill, "SPILL_BYTES", 1 << 30)
    lines = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            lines.extend(file)
    reference = GloVeTransformer(**params).fit(lines)
    assert model.vocabulary_ == reference.vocabulary_
    assert model.counts_.sum() > 200_000
    np.testing.assert_array_equal(model.vectors_.vectors, reference.vectors_.vectors)
    assert _mapped_files_in(spill_dir) == []


def test_an_interrupted_fit_leaves_no_mapped_file(spill_dir):
    import gc

    texts = load_fortunes().data[:500]

    class Interrupt:
        def on_epoch_end(self, model, epoch, logs):
            assert _mapped_files_in(spill_dir)  # training from the mapped corpus
            raise KeyboardInterrupt

    model = GloVeTransformer(**SMALL, callbacks=[Interrupt()])
    with pytest.raises(KeyboardInterrupt) as caught:
        model.fit(texts)
    assert not hasattr(model, "vectors_")
    del caught  # the traceback's frames hold the corpus until then, as for any exception
    gc.collect()
    assert _mapped_files_in(spill_dir) == []
    assert list(spill_dir.iterdir()) == []
