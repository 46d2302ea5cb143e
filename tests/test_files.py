"""The file layer, as users reach it: corpora read with input="filename", vector files,
evaluation files. Compression is told by content, faults name the file, writes are atomic
and never more readable than the file they replace."""

import bz2
import gzip
import itertools
import lzma
import os
import stat

import numpy as np
import pytest

from skembed import (
    FastTextTransformer,
    GloVeTransformer,
    OneHotWordEncoder,
    Vectors,
    Word2VecTransformer,
)
from skembed.evaluation import read_analogies, read_word_pairs
from skembed.io import load_vectors, save, save_vectors

COMPRESSORS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}
SUFFIXES = {"gzip": ".gz", "bzip2": ".bz2", "xz": ".xz"}
MAGIC = {"gzip": b"\x1f\x8b", "bzip2": b"BZh", "xz": b"\xfd7zXZ\x00"}


@pytest.fixture(scope="module")
def latin1_lines(shared_data):
    """Real Wikipedia paragraphs whose text Latin-1 can hold, some with accented letters."""
    with gzip.open(shared_data / "corpus" / "enwiki_sample.txt.gz", "rt",
                   encoding="utf-8") as lines:
        chosen = [line.rstrip("\n") for line in lines
                  if all(ord(c) < 256 for c in line)
                  and any(127 < ord(c) < 256 for c in line)]
    assert len(chosen) > 100
    return chosen[:120]


def _vocabulary(lines):
    return OneHotWordEncoder().fit(lines).vocabulary_


# ------------------------------------------------------------------------- corpora


@pytest.mark.parametrize("kind", COMPRESSORS)
def test_compressed_corpora_are_read_whatever_their_name(tmp_path, latin1_lines, kind):
    data = COMPRESSORS[kind](("\n".join(latin1_lines) + "\n").encode("latin-1"))
    named = tmp_path / f"corpus.txt{SUFFIXES[kind]}"
    unnamed = tmp_path / "corpus.data"  # no suffix: only the first bytes say what it is
    named.write_bytes(data)
    unnamed.write_bytes(data)
    expected = _vocabulary(latin1_lines)
    assert "boétie" in expected and "étienne" in expected
    for path in [named, unnamed]:
        encoder = OneHotWordEncoder(input="filename", encoding="latin-1").fit([path])
        assert encoder.vocabulary_ == expected


@pytest.mark.parametrize(("estimator", "kind"), [(Word2VecTransformer, "bzip2"),
                                                 (FastTextTransformer, "xz"),
                                                 (GloVeTransformer, "gzip")])
def test_every_estimator_trains_on_compressed_files_as_on_the_text(tmp_path, shared_data,
                                                                   estimator, kind):
    with gzip.open(shared_data / "corpus" / "devils_dictionary.txt.gz", "rt",
                   encoding="utf-8") as lines:
        texts = [line.rstrip("\n") for line in itertools.islice(lines, 300)]
    path = tmp_path / "corpus.data"
    path.write_bytes(COMPRESSORS[kind](("\n".join(texts) + "\n").encode("utf-8")))
    params = {"n_jobs": 1, "random_state": 0, "epochs": 1, "vector_size": 16}
    from_file = estimator(input="filename", **params).fit([path]).vectors_
    from_text = estimator(**params).fit(texts).vectors_
    assert len(from_file) > 100 and from_file.tokens == from_text.tokens
    np.testing.assert_array_equal(from_file.vectors, from_text.vectors)


def test_a_plain_file_with_a_compression_suffix_is_read_as_plain(tmp_path, latin1_lines):
    path = tmp_path / "actually-plain.txt.bz2"
    path.write_text("\n".join(latin1_lines), encoding="utf-8")
    assert OneHotWordEncoder(input="filename").fit([path]).vocabulary_ == _vocabulary(
        latin1_lines)


# Only the whole signature (bzip2: "BZh", a block size, a block magic) means compressed.
@pytest.mark.parametrize("first_line", ["BZh is how every bzip2 file starts", "BZh9 and more",
                                        "\x1f\x8b is gzip's magic"])
def test_plain_text_that_starts_like_a_compressed_file_is_read_as_text(tmp_path, first_line,
                                                                       latin1_lines):
    lines = [first_line, *latin1_lines[:5]]
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines), encoding="latin-1")
    fitted = OneHotWordEncoder(input="filename", encoding="latin-1").fit([path])
    assert fitted.vocabulary_ == _vocabulary(lines)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-le"])
@pytest.mark.parametrize("kind", [None, "gzip"])
def test_corpora_in_wide_encodings_are_decoded_before_splitting(tmp_path, latin1_lines,
                                                                encoding, kind):
    # In UTF-16 "\n" is two bytes and 0x0a occurs inside other characters (U+010A is
    # 0a 01): splitting the bytes on 0x0a first would cut characters in half.
    lines = [*latin1_lines[:40], "Ċ and ਊ hold a 0x0a byte in UTF-16", "last line"]
    data = "\r\n".join(lines).encode(encoding)
    path = tmp_path / "corpus.txt"
    path.write_bytes(data if kind is None else COMPRESSORS[kind](data))
    encoder = OneHotWordEncoder(input="filename", encoding=encoding).fit([path])
    assert encoder.vocabulary_ == _vocabulary(lines)
    assert encoder.transform([path]).shape[0] == len(lines)


def test_undecodable_lines_are_named_in_wide_encodings_too(tmp_path):
    lines = "first line\nsecond line\n".encode("utf-16") + b"\x00\xdc" + "x\n".encode(
        "utf-16-le")  # a lone low surrogate on line 3
    path = tmp_path / "bad16.txt"
    path.write_bytes(lines)
    with pytest.raises(ValueError, match=r"bad16\.txt, line 3: cannot decode with "
                                         r"encoding='utf-16' \(illegal .* at byte offset 48 of "
                                         r"the file\)"):
        OneHotWordEncoder(input="filename", encoding="utf-16").fit([path])
    path.write_bytes(gzip.compress(b"a\nb\nc\n\xff\n"))
    with pytest.raises(ValueError, match=r"bad16\.txt, line 4: cannot decode with "
                                         r"encoding='utf-8'"):
        OneHotWordEncoder(input="filename").fit([path])


@pytest.mark.parametrize("kind", COMPRESSORS)
def test_truncated_and_corrupt_compressed_corpora_name_the_file(tmp_path, latin1_lines,
                                                                kind):
    data = COMPRESSORS[kind](("\n".join(latin1_lines) + "\n").encode("utf-8"))
    truncated = tmp_path / f"truncated{SUFFIXES[kind]}"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=rf"truncated{SUFFIXES[kind]}: the {kind} data is "
                                         r"corrupt or truncated after [\d,]+ decompressed "
                                         r"bytes \(Compressed file ended"):
        OneHotWordEncoder(input="filename").fit([truncated])
    corrupt = tmp_path / f"corrupt{SUFFIXES[kind]}"
    middle = len(data) // 2
    corrupt.write_bytes(data[:middle] + bytes(200) + data[middle + 200:])
    # Latin-1 decodes any byte: the garbage decompressed before the fault shows is read as
    # text, and the fault is what fails.
    with pytest.raises(ValueError, match=rf"corrupt{SUFFIXES[kind]}: the {kind} data is "
                                         r"corrupt or truncated"):
        OneHotWordEncoder(input="filename", encoding="latin-1").fit([corrupt])


# -------------------------------------------------------------------- vector files


@pytest.mark.parametrize("kind", COMPRESSORS)
@pytest.mark.parametrize("suffix", [".txt", ".bin", ".vec"])
def test_vector_files_are_compressed_by_name_and_read_by_content(tmp_path, kind, suffix):
    kv = Vectors(["café", "東京", "dog"], np.array([[0.5, -1.0], [2.0, 1e-3], [0.0, 3.0]]))
    path = tmp_path / f"vectors{suffix}{SUFFIXES[kind]}"
    save_vectors(kv, path)
    data = path.read_bytes()
    assert data.startswith(MAGIC[kind])
    renamed = tmp_path / f"renamed{suffix}"  # compressed content, uncompressed name
    renamed.write_bytes(data)
    for source in [path, renamed]:
        loaded = load_vectors(source)
        assert loaded.tokens == kv.tokens
        np.testing.assert_array_equal(loaded.vectors, kv.vectors)


def test_xz_output_is_real_xz(tmp_path):
    save_vectors(Vectors(["a"], np.ones((1, 2))), tmp_path / "v.txt.xz")
    assert lzma.decompress((tmp_path / "v.txt.xz").read_bytes()) == b"1 2\na 1 1\n"


# ---------------------------------------------------------------- evaluation files


@pytest.mark.parametrize("kind", COMPRESSORS)
def test_evaluation_files_are_read_compressed(tmp_path, shared_data, kind):
    source = shared_data / "eval" / "wordsim353.tsv"
    packed = tmp_path / "wordsim353.tsv.data"
    packed.write_bytes(COMPRESSORS[kind](source.read_bytes()))
    assert read_word_pairs(packed) == read_word_pairs(source)
    questions = shared_data / "eval" / "questions-words.txt"
    packed = tmp_path / f"questions{SUFFIXES[kind]}"
    packed.write_bytes(COMPRESSORS[kind](questions.read_bytes()))
    assert read_analogies(packed) == read_analogies(questions)
    packed.write_bytes(packed.read_bytes()[:1000])
    with pytest.raises(ValueError, match=rf"questions{SUFFIXES[kind]}: the {kind} data is "
                                         "corrupt or truncated"):
        read_analogies(packed)


def test_undecodable_evaluation_file_names_the_line(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_bytes(b"tiger\tcat\t7.35\ncaf\xe9\tcoffee\t6.0\n")
    with pytest.raises(ValueError, match=r"pairs\.tsv, line 2: cannot decode with "
                                         r"encoding='utf-8'"):
        read_word_pairs(path)


# ---------------------------------------------------------------------- atomic writes


@pytest.fixture
def temporary_modes(monkeypatch):
    """Record the permissions of each temporary file at the moment it is created."""
    modes = []
    real_open = os.open

    def spy(path, flags, mode=0o777, *args, **kwargs):
        descriptor = real_open(path, flags, mode, *args, **kwargs)
        if os.fspath(path).endswith(".tmp"):
            modes.append(stat.S_IMODE(os.fstat(descriptor).st_mode))
        return descriptor

    monkeypatch.setattr(os, "open", spy)
    return modes


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("name", ["v.txt", "v.bin", "v.txt.gz", "v.npz"])
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_a_replaced_file_keeps_its_mode_and_is_never_more_readable(tmp_path, temporary_modes,
                                                                  umask_022, name, mode):
    target = tmp_path / name
    target.write_bytes(b"old")
    os.chmod(target, mode)
    save_vectors(Vectors(["a", "b"], np.ones((2, 2))), target)
    assert stat.S_IMODE(os.stat(target).st_mode) == mode
    assert len(temporary_modes) == 1
    assert temporary_modes[0] & ~mode == 0  # no permission the original did not have
    assert os.listdir(tmp_path) == [name]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_new_file_gets_the_mode_open_would_give(tmp_path, temporary_modes):
    previous = os.umask(0o027)
    try:
        save(Vectors(["a"], np.ones((1, 2))), tmp_path / "new.npz")
    finally:
        os.umask(previous)
    assert temporary_modes == [0o640]
    assert stat.S_IMODE(os.stat(tmp_path / "new.npz").st_mode) == 0o640


def test_an_interrupted_save_leaves_the_target_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "v.txt"
    target.write_bytes(b"precious")

    def interrupted(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)  # just before the rename
    with pytest.raises(KeyboardInterrupt):
        save_vectors(Vectors(["a"], np.ones((1, 2))), target)
    assert target.read_bytes() == b"precious"
    assert os.listdir(tmp_path) == ["v.txt"]


def test_saving_into_a_missing_folder_names_the_requested_path(tmp_path):
    requested = tmp_path / "missing" / "vectors.txt"
    with pytest.raises(FileNotFoundError, match="its folder .*missing' does not exist") as error:
        save_vectors(Vectors(["a"], np.ones((1, 2))), requested)
    assert error.value.filename == str(requested)
    assert ".tmp" not in str(error.value)
    with pytest.raises(IsADirectoryError) as error:
        save_vectors(Vectors(["a"], np.ones((1, 2))), tmp_path, format="glove")
    assert error.value.filename == str(tmp_path)


def test_saving_through_a_symlink_replaces_the_file_it_points_to(tmp_path):
    real = tmp_path / "real.txt"
    save_vectors(Vectors(["a", "b"], np.ones((2, 2))), real)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    save_vectors(Vectors(["c"], np.zeros((1, 3))), link)
    assert link.is_symlink()
    assert load_vectors(real).tokens == ["c"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real.txt"]
