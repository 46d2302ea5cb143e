"""skembed.io: round trips, gensim interoperability, malformed files, atomic writes, mmap."""

import bz2
import gzip
import inspect
import io
import json
import lzma
import os
import stat
import struct
import subprocess
import sys
import tracemalloc
import zipfile

import numpy as np
import pytest

from skembed import Vectors
from skembed._compat import InvalidParameterError
from skembed.io import (
    load,
    load_fasttext,
    load_glove,
    load_vectors,
    load_word2vec,
    save,
    save_fasttext,
    save_glove,
    save_vectors,
    save_word2vec,
)

TOKENS = ["the", "café", "naïve", "東京", "🙂", "x" * 200, "a-b_c.d", "tab\\t"]
MATRIX = np.array(
    [[0.1, -2.0, 3.5e-5], [1.0, 0.0, -0.0], [1e-45, -3.4e38, 123456.789],
     [0.3333333, 2.5, -7.0], [1e-3, 1e3, 1e-30], [0.5, 0.25, 0.125],
     [-1.0, 1.0, 1.1754944e-38], [65504.0, -1e-7, 42.0]],
    dtype=np.float32,
)
COUNTS = np.array([80, 70, 60, 50, 40, 30, 20, 10])

# format name -> suffix of the test files
FORMATS = {
    "word2vec": ".txt",
    "word2vec-binary": ".bin",
    "glove": ".glove",
    "fasttext": ".vec",
    "native": ".npz",
}
GENSIM_FILES = [  # shipped with gensim's tests: (name, binary, no_header)
    ("word2vec_pre_kv_c", False, False),
    ("high_precision.kv.txt", False, False),
    ("EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt", False, False),
    ("euclidean_vectors.bin", True, False),
    ("high_precision.kv.bin", True, False),
    ("poincare_vectors.bin", True, False),
    ("lee_fasttext.vec", False, False),
    ("crime-and-punishment.vec", False, False),
    ("toy-model.vec", False, False),
    ("test_glove.txt", False, True),
]


@pytest.fixture
def kv():
    return Vectors(TOKENS, MATRIX, COUNTS)


def _bits(matrix):
    return np.ascontiguousarray(matrix, dtype=np.float32).view(np.uint32)


def _same(loaded, kv):
    assert loaded.tokens == kv.tokens
    np.testing.assert_array_equal(_bits(loaded.vectors), _bits(kv.vectors))  # -0.0 included


def _write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def _binary_record(word, values, newline=b"\n"):
    return word.encode("utf-8") + b" " + np.asarray(values, "<f4").tobytes() + newline


# ------------------------------------------------------------------------ round trips


@pytest.mark.parametrize(("fmt", "compress"), [(fmt, compress) for fmt in FORMATS
                                               for compress in ["", ".gz", ".bz2"]
                                               if not (fmt == "native" and compress)])
def test_every_format_round_trips_exactly(tmp_path, kv, fmt, compress):
    path = tmp_path / f"vectors{FORMATS[fmt]}{compress}"
    save_vectors(kv, path, format=fmt)
    loaded = load_vectors(path, format=fmt)
    _same(loaded, kv)
    if fmt == "native":
        np.testing.assert_array_equal(loaded.counts, COUNTS)
    else:
        assert loaded.counts is None
    if compress == ".gz":
        assert path.read_bytes()[:2] == b"\x1f\x8b"
    if fmt != "glove":  # GloVe has no suffix of its own
        _same(load_vectors(path), kv)


def test_named_functions_match_the_dispatcher(tmp_path, kv):
    save_word2vec(kv, tmp_path / "t.txt")
    save_word2vec(kv, tmp_path / "b.bin", binary=True)
    save_glove(kv, tmp_path / "g.txt")
    save_fasttext(kv, tmp_path / "f.vec")
    save(kv, tmp_path / "n.npz")
    _same(load_word2vec(tmp_path / "t.txt"), kv)
    _same(load_word2vec(tmp_path / "b.bin", binary=True), kv)
    _same(load_glove(tmp_path / "g.txt"), kv)
    _same(load_fasttext(tmp_path / "f.vec"), kv)
    _same(load(tmp_path / "n.npz"), kv)
    _same(load_vectors(tmp_path / "g.txt"), kv)  # .txt without a header: GloVe
    assert (tmp_path / "f.vec").read_text("utf-8").splitlines()[1].endswith(" ")
    assert (tmp_path / "t.txt").read_text("utf-8").splitlines()[0] == "8 3"


def test_text_is_exact_for_any_float32(tmp_path):
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2**32, size=(1000, 40), dtype=np.uint64).astype(np.uint32)
    values = bits.view(np.float32)
    values[~np.isfinite(values)] = 0.0  # text formats refuse nan and inf
    values[0, :3] = [1.4e-45, -0.0, 3.4028235e38]
    kv = Vectors([f"w{i}" for i in range(1000)], values)
    save_vectors(kv, tmp_path / "v.txt")
    _same(load_vectors(tmp_path / "v.txt"), kv)


def test_native_keeps_any_token_and_numpy_can_read_it(tmp_path):
    tokens = ["two words", "new\nline", "", "\t", "lone \ud800 surrogate", "ünï", "{\"json\"}"]
    kv = Vectors(tokens, np.arange(14, dtype=np.float32).reshape(7, 2), np.arange(7))
    save(kv, tmp_path / "v.npz")
    loaded = load(tmp_path / "v.npz")
    _same(loaded, kv)
    np.testing.assert_array_equal(loaded.counts, np.arange(7))
    with np.load(tmp_path / "v.npz") as archive:
        np.testing.assert_array_equal(archive["vectors"], kv.vectors)
        np.testing.assert_array_equal(archive["counts"], np.arange(7))
    kv = Vectors(["a"], np.ones((1, 3)))
    save(kv, tmp_path / "nocounts.npz")
    assert load(tmp_path / "nocounts.npz").counts is None


def test_saving_is_reproducible(tmp_path, kv):
    for name in ["a.npz", "b.npz", "a.txt.gz", "b.txt.gz"]:
        save_vectors(kv, tmp_path / name)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert (tmp_path / "a.txt.gz").read_bytes() == (tmp_path / "b.txt.gz").read_bytes()


def test_empty_vectors_round_trip(tmp_path):
    kv = Vectors([], np.empty((0, 4), dtype=np.float32))
    for name in ["e.txt", "e.bin", "e.npz"]:
        save_vectors(kv, tmp_path / name)
        loaded = load_vectors(tmp_path / name)
        assert loaded.tokens == [] and loaded.vectors.shape == (0, 4)


@pytest.mark.parametrize("fmt", FORMATS)
def test_limit_reads_the_first_vectors(tmp_path, kv, fmt):
    path = tmp_path / f"vectors{FORMATS[fmt]}"
    save_vectors(kv, path, format=fmt)
    for limit in [0, 3, 8, 100]:
        loaded = load_vectors(path, format=fmt, limit=limit)
        assert loaded.tokens == TOKENS[:limit]
        np.testing.assert_array_equal(loaded.vectors, MATRIX[:limit])
    with pytest.raises(InvalidParameterError, match=r"The 'limit' parameter of load_vectors "
                                                    r"must be an int in the range \[0, inf\)"):
        load_vectors(path, format=fmt, limit=-1)


def test_limit_does_not_read_the_rest(tmp_path):
    text = _write(tmp_path / "t.txt", "1000000 2\na 1 2\nb 3 4\nc 5 6\n" + "garbage!\n")
    assert load_word2vec(text, limit=3).tokens == ["a", "b", "c"]
    glove = _write(tmp_path / "g.txt", "a 1 2\nb 3 4\nbroken\n")
    assert load_glove(glove, limit=2).tokens == ["a", "b"]
    records = b"".join(_binary_record(w, [1, 2]) for w in "abc")
    binary = _write(tmp_path / "b.bin", b"1000000 2\n" + records + b"d \x00\x01")
    assert load_word2vec(binary, limit=3).tokens == ["a", "b", "c"]


def test_text_reading_is_lenient_about_layout(tmp_path):
    crlf = _write(tmp_path / "crlf.txt", "2 2\r\na 1 2\r\n\r\nb\t3  4 \r\n\n")
    assert load_word2vec(crlf).tokens == ["a", "b"]
    bom = _write(tmp_path / "bom.txt", "\ufeffcafé 1 2\nb 3 4")  # no final newline
    assert load_glove(bom).tokens == ["café", "b"]
    nbsp = _write(tmp_path / "nbsp.txt", "1 2\nno\u00a0break 1 2\n")  # split on ASCII only
    assert load_word2vec(nbsp).tokens == ["no\u00a0break"]


def test_binary_reading_tolerates_missing_and_extra_newlines(tmp_path):
    values = np.array([[1.0, -2.0], [0.5, 10.0], [3.0, 4.0]], dtype=np.float32)
    records = (_binary_record("a", values[0], b"")  # gensim writes no newline
               + b"\n\n" + _binary_record("b", values[1], b"\n")  # leading newlines
               + _binary_record("c", values[2], b"\n\n"))
    path = _write(tmp_path / "v.w2v", b"3 2\n" + records)
    for binary in [None, True]:
        loaded = load_word2vec(path, binary=binary)
        assert loaded.tokens == ["a", "b", "c"]
        np.testing.assert_array_equal(loaded.vectors, values)


def test_binary_detection_looks_at_the_contents(tmp_path, kv):
    save_word2vec(kv, tmp_path / "binary.txt", binary=True)  # misleading names
    save_word2vec(kv, tmp_path / "text.bin", binary=False)
    _same(load_word2vec(tmp_path / "binary.txt"), kv)
    _same(load_word2vec(tmp_path / "text.bin"), kv)
    save_word2vec(kv, tmp_path / "binary.w2v.gz", binary=True)
    _same(load_vectors(tmp_path / "binary.w2v.gz"), kv)  # unknown suffix, header: word2vec
    zero = Vectors(["z"], np.zeros((1, 1)))  # all-zero bytes are not text
    save_word2vec(zero, tmp_path / "zero", binary=True)
    _same(load_word2vec(tmp_path / "zero"), zero)
    one = Vectors(["o"], np.ones((1, 1)))
    save_word2vec(one, tmp_path / "one", binary=False)
    _same(load_word2vec(tmp_path / "one"), one)


def test_load_vectors_recognises_files_by_content(tmp_path, kv):
    save(kv, tmp_path / "native.data")
    _same(load_vectors(tmp_path / "native.data"), kv)
    save_glove(kv, tmp_path / "glove.txt.gz")
    _same(load_vectors(tmp_path / "glove.txt.gz"), kv)
    with pytest.raises(ValueError, match="cannot tell the format"):
        save_vectors(kv, tmp_path / "vectors.dat")
    with pytest.raises(InvalidParameterError, match="The 'format' parameter of save_vectors "
                                                    "must be a str among"):
        save_vectors(kv, tmp_path / "vectors.txt", format="word2vec-text")
    with pytest.raises(InvalidParameterError, match="The 'format' parameter of load_vectors "
                                                    "must be a str among"):
        load_vectors(tmp_path / "glove.txt.gz", format="npy")


def test_fitted_estimators_are_accepted_and_other_objects_refused(tmp_path, kv):
    class Fitted:
        vectors_ = kv

    save_vectors(Fitted(), tmp_path / "v.txt")
    _same(load_vectors(tmp_path / "v.txt"), kv)
    with pytest.raises(TypeError, match="expected a Vectors"):
        save_vectors(MATRIX, tmp_path / "v.txt")


# --------------------------------------------------------------------------- gensim


@pytest.fixture(scope="module")
def gensim_kv():
    models = pytest.importorskip("gensim.models")
    return models.KeyedVectors


@pytest.mark.parametrize("fmt", ["word2vec", "word2vec-binary", "fasttext", "glove"])
def test_gensim_reads_what_we_write(tmp_path, kv, gensim_kv, fmt):
    path = tmp_path / f"v{FORMATS[fmt]}"
    save_vectors(kv, path, format=fmt)
    theirs = gensim_kv.load_word2vec_format(path, binary=fmt == "word2vec-binary",
                                            no_header=fmt == "glove")
    assert theirs.index_to_key == TOKENS
    np.testing.assert_array_equal(_bits(theirs.vectors), _bits(MATRIX))


@pytest.mark.parametrize("binary", [False, True])
def test_we_read_what_gensim_writes(tmp_path, kv, gensim_kv, binary):
    theirs = gensim_kv(vector_size=3)
    theirs.add_vectors(TOKENS, MATRIX)
    path = tmp_path / "gensim.w2v"
    theirs.save_word2vec_format(str(path), binary=binary)
    for detect in [None, binary]:
        _same(load_word2vec(path, binary=detect), kv)
    _same(load_vectors(path), kv)


@pytest.mark.parametrize(("name", "binary", "no_header"), GENSIM_FILES)
def test_gensim_test_files_load_as_in_gensim(gensim_kv, name, binary, no_header):
    from gensim.test.utils import datapath

    path = datapath(name)
    theirs = gensim_kv.load_word2vec_format(path, binary=binary, no_header=no_header)
    for ours in [load_vectors(path), load_glove(path) if no_header else load_word2vec(path)]:
        assert ours.tokens == theirs.index_to_key
        np.testing.assert_array_equal(ours.vectors, theirs.vectors)


def test_gensim_test_files_that_are_not_plain_word2vec(gensim_kv):
    from gensim.test.utils import datapath

    path = datapath("pang_lee_polarity_fasttext.vec")  # words cut inside UTF-8 sequences
    with pytest.raises(ValueError, match=r"line \d+: cannot decode the word"):
        load_fasttext(path)
    theirs = gensim_kv.load_word2vec_format(path, unicode_errors="replace")
    ours = load_word2vec(path, unicode_errors="replace")
    assert ours.tokens == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    with pytest.raises(ValueError, match="line 3: the file ends after 1 vectors, but the "
                                         "header announces 3"):
        load_vectors(datapath("pretrained.vec"))  # a truncated file
    with pytest.raises(ValueError, match=r"fastText model \(\.bin\)"):
        load_vectors(datapath("toy-model.bin"))


# ------------------------------------------------------------------------ malformed


@pytest.mark.parametrize("header", ["abc 3", "3", "3 2 1", "3 0", "-1 2", "2.0 3", ""])
def test_bad_header(tmp_path, header):
    path = _write(tmp_path / "v.txt", header + "\na 1 2\n")
    with pytest.raises(ValueError, match=r"v\.txt, line 1: the header must be two integers"):
        load_word2vec(path)


def test_fewer_vectors_than_announced(tmp_path):
    path = _write(tmp_path / "v.txt", "3 2\na 1 2\n\nb 3 4\n")
    with pytest.raises(ValueError, match="line 5: the file ends after 2 vectors, but the "
                                         "header announces 3"):
        load_word2vec(path)
    path = _write(tmp_path / "v.bin", b"3 2\n" + _binary_record("a", [1, 2]))
    with pytest.raises(ValueError, match="byte offset 15: the file ends after 1 vectors"):
        load_word2vec(path, binary=True)


def test_more_vectors_than_announced(tmp_path):
    path = _write(tmp_path / "v.txt", "1 2\na 1 2\nb 3 4\n")
    with pytest.raises(ValueError, match="line 3: more vectors than the 1 announced"):
        load_word2vec(path)
    path = _write(tmp_path / "v.bin", b"1 2\n" + _binary_record("a", [1, 2]) * 2)
    with pytest.raises(ValueError, match="byte offset 15: more data after the 1 vectors"):
        load_word2vec(path, binary=True)


def test_ragged_row(tmp_path):
    path = _write(tmp_path / "v.txt", "3 2\na 1 2\nb 3\nc 5 6\n")
    with pytest.raises(ValueError, match="line 3: expected 2 values after the word, found 1"):
        load_word2vec(path)
    path = _write(tmp_path / "v.vec", "2 2\na 1 2 \nb 3 4 5 \n")
    with pytest.raises(ValueError, match="line 3: expected 2 values after the word, found 3"):
        load_fasttext(path)


def test_value_that_is_not_a_number(tmp_path):
    rows = "".join(f"w{i} {i} {i}\n" for i in range(5000))  # the error is in a later block
    path = _write(tmp_path / "v.txt", "5001 2\n" + rows + "bad 1 0,5\n")
    with pytest.raises(ValueError, match="line 5002: '0,5' is not a number \\(word 'bad'\\)"):
        load_word2vec(path)


def test_duplicate_word(tmp_path):
    path = _write(tmp_path / "v.txt", "3 1\na 1\nb 2\na 3\n")
    with pytest.raises(ValueError, match="line 4: duplicate word 'a' \\(first on line 2\\)"):
        load_word2vec(path)
    records = b"".join(_binary_record(w, [1.0]) for w in ["a", "b", "a"])
    path = _write(tmp_path / "v.bin", b"3 1\n" + records)
    with pytest.raises(ValueError, match="byte offset 18: duplicate word 'a' \\(first at "
                                         "byte offset 4\\)"):
        load_word2vec(path)


@pytest.mark.parametrize("value", ["nan", "-inf", "1e39", "NaN"])
def test_non_finite_text_value(tmp_path, value):
    path = _write(tmp_path / "v.txt", f"a 1 2\nb 3 {value}\n")
    with pytest.raises(ValueError, match=f"line 2: value '{value}' of word 'b' is not finite"):
        load_glove(path)


def test_non_finite_binary_value(tmp_path):
    records = _binary_record("a", [1, 2]) + _binary_record("b", [np.inf, 0])
    path = _write(tmp_path / "v.bin", b"2 2\n" + records)
    with pytest.raises(ValueError, match="byte offset 15: the vector of word 'b' has a "
                                         "non-finite value"):
        load_word2vec(path)


def test_truncated_binary(tmp_path):
    data = b"2 3\n" + _binary_record("a", [1, 2, 3]) + _binary_record("b", [4, 5, 6])
    path = _write(tmp_path / "v.bin", data[:-5])
    with pytest.raises(ValueError, match="byte offset 21: truncated vector of word 'b': 8 "
                                         "of 12 bytes"):
        load_word2vec(path)
    path = _write(tmp_path / "w.bin", data[:-14])
    with pytest.raises(ValueError, match="byte offset 19: the file ends inside a word"):
        load_word2vec(path, binary=True)


def test_undecodable_word(tmp_path):
    path = _write(tmp_path / "v.txt", b"1 1\ncaf\xe9 1\n")
    with pytest.raises(ValueError, match="line 2: cannot decode the word"):
        load_word2vec(path)
    assert load_word2vec(path, encoding="latin-1").tokens == ["café"]
    assert load_word2vec(path, unicode_errors="replace").tokens == ["caf\ufffd"]


def test_glove_inconsistent_dimensions(tmp_path):
    path = _write(tmp_path / "g.txt", "a 1 2 3\nb 1 2 3\n\nc 1 2\n")
    with pytest.raises(ValueError, match="line 4: inconsistent dimensions: 2 values, but "
                                         "line 1 has 3"):
        load_glove(path)
    path = _write(tmp_path / "h.txt", "2 3\na 1 2 3\nb 1 2 3\n")
    with pytest.raises(ValueError, match="line 2: .* looks like a word2vec header"):
        load_glove(path)
    with pytest.raises(ValueError, match="no vectors found"):
        load_glove(_write(tmp_path / "empty.txt", "\n\n"))


def test_native_file_errors(tmp_path, kv):
    with pytest.raises(ValueError, match="not a skembed .npz vectors file"):
        load(_write(tmp_path / "text.npz", "1 1\na 1\n"))
    np.savez(tmp_path / "other.npz", vectors=MATRIX)
    with pytest.raises(ValueError, match="no tokens.json member"):
        load(tmp_path / "other.npz")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")


# ------------------------------------------------------------------------- writing


@pytest.mark.parametrize(("fmt", "token", "reason"), [
    ("word2vec", "two words", "contains ' '"),
    ("word2vec", "tab\tbed", "contains '\\\\t'"),
    ("glove", "new\nline", "contains '\\\\n'"),
    ("fasttext", "no\u00a0break", "contains '\\\\xa0'"),
    ("word2vec", "", "is empty"),
    ("word2vec-binary", "two words", "contains ' '"),
    ("word2vec-binary", "new\nline", "contains '\\\\n'"),
    ("word2vec-binary", "", "is empty"),
    ("word2vec", "lone\ud800", "not encodable in UTF-8"),
    ("word2vec-binary", "lone\ud800", "not encodable in UTF-8"),
])
def test_tokens_a_format_cannot_hold_are_refused(tmp_path, fmt, token, reason):
    kv = Vectors(["ok", token], np.ones((2, 2)))
    with pytest.raises(ValueError, match=f"row 1: token .* {reason}"):
        save_vectors(kv, tmp_path / "v.out", format=fmt)
    assert os.listdir(tmp_path) == []


def test_binary_tokens_may_hold_tabs(tmp_path):
    kv = Vectors(["tab\tbed", "cr\r"], np.ones((2, 2)))
    save_word2vec(kv, tmp_path / "v.bin", binary=True)
    _same(load_word2vec(tmp_path / "v.bin"), kv)


@pytest.mark.parametrize("fmt", ["word2vec", "word2vec-binary", "glove"])
def test_non_finite_vectors_are_refused(tmp_path, fmt):
    kv = Vectors(["a", "b"], np.array([[1, 2], [3, np.nan]]))
    with pytest.raises(ValueError, match="row 1: the vector of token 'b' has a non-finite"):
        save_vectors(kv, tmp_path / "v", format=fmt)


@pytest.mark.parametrize("fmt", ["word2vec", "word2vec-binary", "fasttext"])
def test_failed_save_leaves_the_target_untouched(tmp_path, fmt):
    target = tmp_path / "vectors.out"
    target.write_bytes(b"precious\n")
    tokens = [f"w{i}" for i in range(10_000)]
    tokens[9000] = "has space"  # found after the first blocks are already written
    with pytest.raises(ValueError, match="row 9000: token 'has space'"):
        save_vectors(Vectors(tokens, np.ones((10_000, 2))), target, format=fmt)
    assert target.read_bytes() == b"precious\n"
    assert os.listdir(tmp_path) == ["vectors.out"]


def test_successful_save_replaces_the_file_and_keeps_its_mode(tmp_path, kv):
    target = tmp_path / "vectors.txt"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    save_vectors(kv, target)
    _same(load_vectors(target), kv)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert os.listdir(tmp_path) == ["vectors.txt"]


def test_compressed_outputs_are_real_gzip_and_bzip2(tmp_path, kv):
    save_vectors(kv, tmp_path / "v.txt.gz")
    save_vectors(kv, tmp_path / "v.vec.bz2")
    assert gzip.decompress((tmp_path / "v.txt.gz").read_bytes()).startswith(b"8 3\nthe ")
    assert bz2.decompress((tmp_path / "v.vec.bz2").read_bytes()).startswith(b"8 3\nthe ")


# ---------------------------------------------------------------------- memory map


def test_native_load_memory_maps_the_matrix(tmp_path):
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((200_000, 50)).astype(np.float32)
    tokens = [f"token{i}" for i in range(200_000)]
    path = tmp_path / "big.npz"
    save(Vectors(tokens, matrix, np.arange(200_000)), path)
    loaded = load(path)
    mapped = loaded.vectors if isinstance(loaded.vectors, np.memmap) else loaded.vectors.base
    assert isinstance(mapped, np.memmap)
    assert mapped.offset % 64 == 0 and not loaded.vectors.flags.writeable
    assert loaded.tokens == tokens
    np.testing.assert_array_equal(loaded.vectors, matrix)
    np.testing.assert_array_equal(loaded["token123"], matrix[123])
    limited = load_vectors(path, limit=10)
    assert limited.tokens == tokens[:10] and limited.counts.tolist() == list(range(10))
    in_memory = load(path, mmap=False)
    assert not isinstance(in_memory.vectors.base, np.memmap) and in_memory.vectors.flags.writeable
    np.testing.assert_array_equal(in_memory.vectors, matrix)
    del loaded, mapped, limited


def test_compressed_native_member_is_read_instead_of_mapped(tmp_path, kv):
    save(kv, tmp_path / "stored.npz")
    with zipfile.ZipFile(tmp_path / "stored.npz") as source, zipfile.ZipFile(
            tmp_path / "deflated.npz", "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, source.read(name))
    loaded = load(tmp_path / "deflated.npz")
    assert not isinstance(loaded.vectors.base, np.memmap)
    _same(loaded, kv)


def test_native_layout(tmp_path, kv):
    save(kv, tmp_path / "v.npz")
    with zipfile.ZipFile(tmp_path / "v.npz") as archive:
        assert sorted(archive.namelist()) == ["counts.npy", "meta.json", "tokens.json",
                                              "vectors.npy"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
        assert json.loads(archive.read("tokens.json")) == TOKENS
        meta = json.loads(archive.read("meta.json"))
        info = archive.getinfo("vectors.npy")
    assert meta["format"] == "skembed.vectors" and meta["version"] == 1
    with open(tmp_path / "v.npz", "rb") as file:
        file.seek(info.header_offset)
        header = file.read(30)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    assert (info.header_offset + 30 + name_length + extra_length) % 64 == 0


# ------------------------------------------------------------ native files, untrusted


def _npy(array=None, *, shape=None, dtype=None, data=None):
    """The bytes of an .npy file: ``array``, or a header claiming ``shape`` then ``data``."""
    out = io.BytesIO()
    if array is not None:
        np.lib.format.write_array(out, np.asarray(array), allow_pickle=False)
    else:
        header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                  "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(out, header)
        out.write(data)
    return out.getvalue()


def _native_file(path, *, tokens=("a", "b"), vectors=None, counts=None, meta=None,
                 compression=zipfile.ZIP_STORED):
    """Write a native file member by member, each member valid for zipfile (right CRC)."""
    if vectors is None:
        vectors = np.ones((len(tokens), 3), dtype=np.float32)
    with zipfile.ZipFile(path, "w", compression) as archive:
        if meta is not None:
            archive.writestr("meta.json", meta if isinstance(meta, bytes) else json.dumps(meta))
        archive.writestr("tokens.json", tokens if isinstance(tokens, bytes)
                         else json.dumps(list(tokens)))
        if counts is not None:
            archive.writestr("counts.npy", counts if isinstance(counts, bytes) else _npy(counts))
        archive.writestr("vectors.npy", vectors if isinstance(vectors, bytes) else _npy(vectors))
    return path


@pytest.mark.parametrize("mmap", [True, False])
@pytest.mark.parametrize(("dtype", "value"), [(np.float32, np.nan), (np.float64, -np.inf),
                                              (np.float16, np.inf)])
def test_native_non_finite_vectors_are_refused(tmp_path, mmap, dtype, value):
    matrix = np.ones((3, 4), dtype=dtype)
    matrix[2, 1] = value
    path = _native_file(tmp_path / "v.npz", tokens=["a", "b", "c"], vectors=matrix)
    with pytest.raises(ValueError, match=r"v\.npz, member vectors\.npy: the vector of token "
                                         r"'c' \(row 2\) has a non-finite value"):
        load(path, mmap=mmap)


@pytest.mark.parametrize("mmap", [True, False])
def test_native_real_float_vectors_of_any_width_load(tmp_path, mmap):
    matrix = np.array([[0.5, -2.0], [1.0, 3.0]])
    for dtype in [np.float16, np.float32, np.float64, ">f4"]:
        path = _native_file(tmp_path / "v.npz", vectors=matrix.astype(dtype))
        loaded = load(path, mmap=mmap)
        assert loaded.vectors.dtype == np.float32
        np.testing.assert_array_equal(loaded.vectors, matrix)
        del loaded


@pytest.mark.parametrize("mmap", [True, False])
@pytest.mark.parametrize("dtype", [np.complex64, "<U3", "S4", np.int8, np.int64, np.bool_,
                                   [("x", "<f4"), ("y", "<f4")]])
def test_native_vectors_that_are_not_real_floats_are_refused(tmp_path, mmap, dtype):
    path = _native_file(tmp_path / "v.npz", vectors=np.zeros((2, 3), dtype=dtype))
    with pytest.raises(ValueError, match=r"v\.npz, member vectors\.npy: the vectors must be "
                                         r"float16, float32 or float64, got"):
        load(path, mmap=mmap)


@pytest.mark.parametrize("mmap", [True, False])
@pytest.mark.parametrize(("shape", "message"), [
    ((2, 0), r"vectors of shape \(2, 0\) have no values"),
    ((3, 2), r"2 tokens but vectors of shape \(3, 2\)"),
    ((2,), r"2 tokens but vectors of shape \(2,\)"),
    ((2, 3, 1), r"2 tokens but vectors of shape \(2, 3, 1\)"),
])
def test_native_vectors_of_the_wrong_shape_are_refused(tmp_path, mmap, shape, message):
    path = _native_file(tmp_path / "v.npz", vectors=np.zeros(shape, dtype=np.float32))
    with pytest.raises(ValueError, match=r"v\.npz, member vectors\.npy: " + message):
        load(path, mmap=mmap)


@pytest.mark.parametrize(("counts", "message"), [
    (np.array([4, -1]), r"the count of token 1 is negative \(-1\)"),
    (np.array([4.0, np.nan]), "the counts must be integers, got float64"),
    (np.array([4, 3, 2]), r"2 tokens but counts of shape \(3,\)"),
    (np.array([[4, 3]]), r"2 tokens but counts of shape \(1, 2\)"),
    (np.array([1, 2**63 + 1], dtype=np.uint64),
     r"the count of token 1 \(9223372036854775809\) does not fit in int64"),
])
def test_native_counts_are_checked(tmp_path, counts, message):
    path = _native_file(tmp_path / "v.npz", counts=counts)
    with pytest.raises(ValueError, match=r"v\.npz, member counts\.npy: " + message):
        load(path)
    ok = _native_file(tmp_path / "ok.npz", counts=np.array([4, 3], dtype=np.uint16))
    assert load(ok).counts.tolist() == [4, 3]


@pytest.mark.parametrize(("tokens", "message"), [
    (b'["a", ', r"member tokens\.json: not valid JSON"),
    (b'{"a": 0, "b": 1}', r"member tokens\.json: expected a JSON list of strings, got dict"),
    (b'["a", 2]', r"member tokens\.json: token 1 is 2, not a string"),
    (b'["a", "a"]', "tokens must be unique"),
])
def test_native_tokens_are_checked(tmp_path, tokens, message):
    path = _native_file(tmp_path / "v.npz", tokens=tokens, vectors=np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"v\.npz.*" + message):
        load(path)


@pytest.mark.parametrize(("meta", "message"), [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "expected a JSON object, got list"),
    ({"format": "skembed.vectors", "version": "x"},
     "version must be a non-negative integer, got 'x'"),
    ({"format": "skembed.vectors"}, "missing key 'version'"),
    ({"version": 1}, "missing key 'format'"),
    ({"format": "other", "version": 1}, "the format is 'other', not 'skembed.vectors'"),
    ({"format": "skembed.vectors", "version": 2}, "format version 2 is newer than the 1"),
    ({"format": "skembed.vectors", "version": 1, "n_tokens": 5},
     "n_tokens is 5, but tokens.json holds 2 tokens"),
    ({"format": "skembed.vectors", "version": 1, "vector_size": 4},
     "vector_size is 4, but the vectors have 3 columns"),
])
def test_native_meta_errors_name_the_file_and_member(tmp_path, meta, message):
    path = _native_file(tmp_path / "v.npz", meta=meta)
    with pytest.raises(ValueError, match=r"v\.npz, member meta\.json: " + message):
        load(path)


@pytest.mark.parametrize("mmap", [True, False])
def test_native_checksums_are_verified_also_when_mapped(tmp_path, kv, mmap):
    save(kv, tmp_path / "v.npz")
    data = (tmp_path / "v.npz").read_bytes()
    # One bit of one vector flipped after saving: still a finite float, a valid zip.
    position = data.rindex(MATRIX[3].tobytes()) + 1
    patched = tmp_path / "patched.npz"
    patched.write_bytes(data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:])
    with pytest.raises(ValueError, match=r"patched\.npz, member vectors\.npy: .*(bad CRC|Bad "
                                         r"CRC)"):
        load(patched, mmap=mmap)
    position = data.index("naïve".encode()) + 1
    patched.write_bytes(data[:position] + b"A" + data[position + 1:])
    with pytest.raises(ValueError, match=r"patched\.npz, member tokens\.json: corrupt data "
                                         r"\(Bad CRC-32"):
        load(patched, mmap=mmap)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"truncated\.npz: not a skembed \.npz vectors file"):
        load(truncated, mmap=mmap)


def test_native_mapped_matrix_is_verified_without_reading_it_into_memory(tmp_path):
    rng = np.random.default_rng(2)
    matrix = rng.standard_normal((8_000, 1024)).astype(np.float32)  # 33 MB
    path = tmp_path / "big.npz"
    save(Vectors([f"w{i}" for i in range(8_000)], matrix), path)
    tracemalloc.start()
    try:
        loaded = load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < matrix.nbytes / 8  # the tokens and one 1 MiB chunk at a time
    assert not loaded.vectors.flags.writeable
    np.testing.assert_array_equal(loaded.vectors, matrix)
    data = bytearray(path.read_bytes())
    last = data.rindex(matrix[-1].tobytes())  # found only by reading the member to its end
    data[last + 4 * 1023] ^= 0x01
    path.write_bytes(data)
    del loaded
    with pytest.raises(ValueError, match="bad CRC-32"):
        load(path)


@pytest.mark.parametrize("mmap", [True, False])
@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_npy_headers_are_checked_against_the_member_before_allocating(tmp_path, mmap,
                                                                     compression):
    huge = _npy(shape=(2, 10**12), dtype=np.float32, data=bytes(24))  # 8 TB announced
    path = _native_file(tmp_path / "v.npz", vectors=huge, compression=compression)
    with pytest.raises(ValueError, match=r"v\.npz, member vectors\.npy: the \.npy header "
                                         r"announces shape \(2, 1000000000000\) of float32, "
                                         r"8,000,000,000,000 bytes, but the member holds 24"):
        load(path, mmap=mmap)
    claimed = _npy(shape=(50_000_000_000,), dtype=np.int64, data=bytes(16))  # 373 GiB
    path = _native_file(tmp_path / "c.npz", counts=claimed, compression=compression)
    with pytest.raises(ValueError, match=r"c\.npz, member counts\.npy: 2 tokens but counts "
                                         r"of shape \(50000000000,\)"):
        load(path, mmap=mmap)
    garbage = _native_file(tmp_path / "g.npz", vectors=b"\x93NUMPY\x01\x00\x10\x00{'descr'")
    with pytest.raises(ValueError, match=r"g\.npz, member vectors\.npy: not a valid \.npy"):
        load(garbage, mmap=mmap)


def test_save_refuses_what_load_would_refuse(tmp_path):
    with pytest.raises(ValueError, match="row 1: the vector of token 'b' has a non-finite"):
        save(Vectors(["a", "b"], np.array([[1.0, 2.0], [np.inf, 0.0]])), tmp_path / "v.npz")
    with pytest.raises(ValueError, match=r"row 0: the count of token 'a' is negative \(-3\)"):
        save(Vectors(["a", "b"], np.ones((2, 2)), counts=[-3, 1]), tmp_path / "v.npz")
    with pytest.raises(ValueError, match=r"2 tokens but counts of shape \(3,\)"):
        save(Vectors(["a", "b"], np.ones((2, 2)), counts=[1, 2, 3]), tmp_path / "v.npz")
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------- headers, untrusted


@pytest.mark.parametrize(("header", "dim"), [("1 1000000000000", "1,000,000,000,000"),
                                             ("1000000 1000000", "1,000,000")])
def test_word2vec_header_is_checked_against_the_file_size(tmp_path, header, dim):
    path = _write(tmp_path / "v.bin", header.encode() + b"\nw \x00\x00\x80\x3f")
    assert path.stat().st_size < 30
    for load_file in [load_word2vec, load_vectors]:
        with pytest.raises(ValueError, match=rf"v\.bin: the header announces vectors of "
                                             rf"{dim} values, but the file has 6 bytes"):
            load_file(path)


def test_compressed_files_allocate_for_what_they_hold_not_for_their_header(tmp_path):
    # A compressed file has no size to check the header against: memory follows the data.
    path = _write(tmp_path / "v.bin.gz", gzip.compress(b"1 1000000000000\nw \x00\x00\x80\x3f"))
    with pytest.raises(ValueError, match=r"v\.bin\.gz, byte offset 18: truncated vector of "
                                         r"word 'w': 4 of 4000000000000 bytes"):
        load_word2vec(path)
    path = _write(tmp_path / "v.txt.bz2", bz2.compress(b"1000000 1000000\nw 1 2\n"))
    with pytest.raises(ValueError, match=r"v\.txt\.bz2, line 2: expected 1000000 values"):
        load_word2vec(path)
    path = _write(tmp_path / "rows.txt.xz", lzma.compress(b"1000000000000 2\nw 1 2\n"))
    with pytest.raises(ValueError, match="the file ends after 1 vectors, but the header "
                                         "announces 1000000000000"):
        load_word2vec(path)


@pytest.mark.parametrize(("row", "message"), [
    ("0x10 1 2", r"line 2: '0x10' is not a number \(word 'cat'\)"),
    ("1 2 0,5", r"line 2: '0,5' is not a number \(word 'cat'\)"),
    ("0x10 0x20", "line 2: expected 3 values after the word, found 2"),
])
def test_text_with_unreadable_numbers_is_not_taken_for_binary(tmp_path, row, message):
    path = _write(tmp_path / "v.txt", f"2 3\ncat {row}\ndog 1 2 3\n")
    with pytest.raises(ValueError, match=message):
        load_word2vec(path)


def test_underscored_numbers_read_as_python_and_gensim_read_them(tmp_path):
    path = _write(tmp_path / "v.txt", "2 3\ncat 1_000 1 2\ndog 1 2 3\n")
    assert load_word2vec(path).vectors[0].tolist() == [1000.0, 1.0, 2.0]


# ------------------------------------------------------------- files of other tools


def test_gensim_pickles_are_recognised_without_importing_gensim(tmp_path):
    models = pytest.importorskip("gensim.models")
    model = models.Word2Vec([["a", "b", "c"]] * 5, vector_size=4, min_count=1, workers=1)
    model.save(str(tmp_path / "w2v.model"))
    model.wv.save(str(tmp_path / "vectors.kv"))
    model.save(str(tmp_path / "compressed.model.gz"))  # gensim gzips the pickle itself
    script = (
        "import sys\n"
        "from skembed import io\n"
        "for name in sys.argv[1:]:\n"
        "    for loader in [io.load_vectors, io.load_word2vec, io.load_glove,\n"
        "                   io.load_fasttext, io.load]:\n"
        "        try:\n"
        "            loader(name)\n"
        "        except ValueError as error:\n"
        "            print(error)\n"
        "print('gensim' in sys.modules)\n"
    )
    names = [str(tmp_path / name) for name in ["w2v.model", "vectors.kv",
                                               "compressed.model.gz"]]
    done = subprocess.run([sys.executable, "-c", script, *names], capture_output=True,
                          text=True, check=True)
    lines = done.stdout.splitlines()
    assert lines[-1] == "False"
    assert len(lines) == 1 + 5 * len(names)
    for line, name in zip(lines, [name for name in names for _ in range(5)], strict=False):
        assert line.startswith(f"{name}: this is a Python pickle, such as gensim's")
        assert "model.wv.save_word2vec_format(path)" in line


def test_bare_numpy_arrays_are_recognised(tmp_path):
    np.save(tmp_path / "w2v.model.wv.vectors.npy", MATRIX)
    for loader in [load_vectors, load_glove, load_word2vec, load]:
        with pytest.raises(ValueError, match=r"this is a bare NumPy array \(\.npy\), with no "
                                             "tokens"):
            loader(tmp_path / "w2v.model.wv.vectors.npy")


def test_compressed_native_file_is_named(tmp_path, kv):
    save(kv, tmp_path / "v.npz")
    _write(tmp_path / "v.npz.gz", gzip.compress((tmp_path / "v.npz").read_bytes()))
    with pytest.raises(ValueError, match=r"v\.npz\.gz: this is gzip-compressed data, not a "
                                         "skembed .npz vectors file.*decompress the file"):
        load_vectors(tmp_path / "v.npz.gz")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-le"])
def test_vector_files_in_wide_encodings_are_refused_clearly(tmp_path, encoding):
    path = _write(tmp_path / "v.txt", "café 1 2\n".encode(encoding))
    for loader in [load_glove, load_word2vec, load_fasttext]:
        with pytest.raises(ValueError, match=rf"v\.txt: encoding='{encoding}' cannot be read.*"
                                             rf"convert the file to UTF-8 first"):
            loader(path, encoding=encoding)


# ----------------------------------------------------------------- parameter checks


PUBLIC_FUNCTIONS = [load, load_fasttext, load_glove, load_vectors, load_word2vec, save,
                    save_fasttext, save_glove, save_vectors, save_word2vec]


@pytest.mark.parametrize("function", PUBLIC_FUNCTIONS, ids=lambda f: f.__name__)
def test_every_parameter_has_a_declared_constraint(function):
    declared = set(function.__wrapped__._skl_parameter_constraints)
    parameters = set(inspect.signature(function).parameters) - {"kwargs"}
    assert declared == parameters


@pytest.mark.parametrize(("call", "message"), [
    (lambda p: load_word2vec(3), "The 'path' parameter of load_word2vec must be an instance of"),
    (lambda p: load_word2vec(p, binary="yes"),
     "The 'binary' parameter of load_word2vec must be an instance of 'bool'"),
    (lambda p: load_word2vec(p, limit=True),
     r"The 'limit' parameter of load_word2vec must be an int in the range \[0, inf\)"),
    (lambda p: load_glove(p, limit=2.5), "The 'limit' parameter of load_glove must be"),
    (lambda p: load(p, mmap="no"), "The 'mmap' parameter of load must be an instance of 'bool'"),
    (lambda p: load_vectors(p, encoding=8),
     "The 'encoding' parameter of load_vectors must be an instance of 'str'"),
    (lambda p: save_word2vec(Vectors(["a"], np.ones((1, 1))), p, binary=None),
     "The 'binary' parameter of save_word2vec must be an instance of 'bool'"),
    (lambda p: save_vectors(Vectors(["a"], np.ones((1, 1))), None),
     "The 'path' parameter of save_vectors must be an instance of"),
])
def test_invalid_arguments_raise_scikit_learns_error(tmp_path, kv, call, message):
    path = tmp_path / "v.txt"
    save_vectors(kv, path)
    with pytest.raises(InvalidParameterError, match=message):
        call(path)
