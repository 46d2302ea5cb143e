"""Input handling and tokenizers, through the public estimator as users call them."""

import gzip
import pickle
import re
import time

import numpy as np
import pytest
from tokenizers import Tokenizer

from skembed import OneHotWordEncoder


def _tokens(encoder, doc):
    return encoder.build_analyzer()(doc)


# ---------------------------------------------------------------- input types


def test_accepts_list_tuple_array_series_and_generator(tiny_corpus):
    pd = pytest.importorskip("pandas")
    expected = OneHotWordEncoder().fit_transform(tiny_corpus).toarray()
    for X in (
        tuple(tiny_corpus),
        np.array(tiny_corpus, dtype=object),
        np.array(tiny_corpus),  # numpy str_ elements
        pd.Series(tiny_corpus, index=range(100, 100 + len(tiny_corpus))),
        (doc for doc in tiny_corpus),
    ):
        np.testing.assert_array_equal(OneHotWordEncoder().fit_transform(X).toarray(), expected)


@pytest.mark.parametrize(
    "bad, kind, message",
    [
        (None, TypeError, r"document 1 is None"),
        (float("nan"), TypeError, r"document 1 is a missing value \(float NaN\)"),
        (3, TypeError, r"document 1 is of type int"),
        (b"bytes", TypeError, r"document 1 is of type bytes"),
        (["pre", "split"], TypeError, r"document 1 is of type list.*input='tokens'"),
    ],
)
def test_bad_document_is_named(bad, kind, message):
    with pytest.raises(kind, match=message):
        OneHotWordEncoder().fit(["good document", bad, "another"])


def test_pandas_missing_values_are_named():
    pd = pytest.importorskip("pandas")
    series = pd.Series(["a b", pd.NA, "c"], dtype="string")
    with pytest.raises(TypeError, match=r"document 1 is a missing value \(NAType\)"):
        OneHotWordEncoder().fit(series)
    with pytest.raises(TypeError, match=r"document 2 is a missing value \(float NaN\)"):
        OneHotWordEncoder().fit(pd.Series(["a", "b", np.nan]))


def test_two_dimensional_input_is_rejected():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"text": ["a b", "c d"]})
    with pytest.raises(ValueError, match="2-dimensional DataFrame of shape \\(2, 1\\)"):
        OneHotWordEncoder().fit(frame)
    with pytest.raises(TypeError, match="iterable over raw text documents"):
        OneHotWordEncoder().fit(42)


def test_sets_and_mappings_are_rejected_with_the_reason(tiny_corpus, tmp_path):
    fitted = OneHotWordEncoder().fit(tiny_corpus)
    by_key = dict(enumerate(tiny_corpus))
    for call in (OneHotWordEncoder().fit, OneHotWordEncoder().fit_transform, fitted.transform):
        with pytest.raises(TypeError, match="got a set, which has no order.*hash order"):
            call(set(tiny_corpus))
        with pytest.raises(TypeError, match=r"got a mapping \(dict\), whose iteration gives "
                                            r"its keys.*X.values\(\)"):
            call(by_key)
    # The values of a mapping are documents like any others.
    np.testing.assert_array_equal(fitted.transform(by_key.values()).toarray(),
                                  fitted.transform(tiny_corpus).toarray())
    # File names too: a set of paths would be read in hash order.
    path = tmp_path / "docs.txt"
    path.write_text("\n".join(tiny_corpus), encoding="utf-8")
    with pytest.raises(TypeError, match="got a frozenset, which has no order"):
        OneHotWordEncoder(input="filename").fit(frozenset([path]))


def test_empty_inputs_say_which_setting_emptied_them():
    with pytest.raises(ValueError, match="no documents"):
        OneHotWordEncoder().fit([])
    with pytest.raises(ValueError, match="contain no tokens for tokenizer='word'"):
        OneHotWordEncoder().fit(["", "  ...  ", "!?"])
    with pytest.raises(ValueError, match=r"min_count=3 removed every token.*'b'.*2 times"):
        OneHotWordEncoder(min_count=3).fit(["b a", "b"])
    with pytest.raises(ValueError, match=r"min_count=2 .* after max_vocab_size=2 had forgotten 3"):
        OneHotWordEncoder(max_vocab_size=2, min_count=2).fit(["a b c", "d e"])


def test_pretokenized_input():
    docs = [["The", "Cat", "sat"], ("the", "dog"), np.array(["a", "cat"])]
    encoder = OneHotWordEncoder(input="tokens").fit(docs)
    assert encoder.vocabulary_ == {"cat": 0, "the": 1, "a": 2, "dog": 3, "sat": 4}
    cased = OneHotWordEncoder(input="tokens", lowercase=False).fit(docs)
    assert "Cat" in cased.vocabulary_ and "cat" in cased.vocabulary_
    with pytest.raises(TypeError, match="document 1 is of type str"):
        OneHotWordEncoder(input="tokens").fit([["a"], "not split"])
    with pytest.raises(TypeError, match="document 0, token 1 is None"):
        OneHotWordEncoder(input="tokens").fit([["a", None]])
    with pytest.raises(ValueError, match="callable tokenizer splits raw text"):
        OneHotWordEncoder(input="tokens", tokenizer=str.split).fit(docs)


def test_pretokenized_input_with_subword_tokenizer():
    docs = [["running", "runner"], ["runs", "running"]] * 20
    encoder = OneHotWordEncoder(input="tokens", tokenizer="wordpiece", subword_vocab_size=40)
    encoder.fit(docs)
    pieces = _tokens(encoder, ["running"])
    assert "".join(p.removeprefix("##") for p in pieces) == "running"


def test_filename_input_streams_plain_and_gzip_files(tmp_path, tiny_corpus):
    plain = tmp_path / "part1.txt"
    plain.write_text("\n".join(tiny_corpus[:4]) + "\n", encoding="utf-8")
    packed = tmp_path / "part2.txt.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as handle:
        handle.write("\r\n".join(tiny_corpus[4:]) + "\r\n")
    from_files = OneHotWordEncoder(input="filename").fit([plain, str(packed)])
    from_text = OneHotWordEncoder().fit(tiny_corpus)
    assert from_files.vocabulary_ == from_text.vocabulary_
    np.testing.assert_array_equal(
        from_files.transform([plain, packed]).toarray(), from_text.transform(tiny_corpus).toarray()
    )
    # A trained subword tokenizer reads the files twice (once to train, once to count).
    bpe = OneHotWordEncoder(input="filename", tokenizer="bpe", subword_vocab_size=120)
    assert bpe.fit(iter([plain, packed])).transform([plain]).shape[0] == 4


def test_filename_input_errors(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("first line\nna\xefve\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.txt, line 2: cannot decode"):
        OneHotWordEncoder(input="filename").fit([bad])
    assert OneHotWordEncoder(input="filename", encoding="latin-1").fit([bad]).vocabulary_
    with pytest.raises(TypeError, match="item 0 is of type int"):
        OneHotWordEncoder(input="filename").fit([3])
    with pytest.raises(FileNotFoundError):
        OneHotWordEncoder(input="filename").fit([tmp_path / "missing.txt"])


# ----------------------------------------------------------------- tokenizers


def test_word_tokenizer_is_unicode_aware():
    encoder = OneHotWordEncoder().fit(["x"])
    tokens = _tokens(encoder, "Don't stop: naïve café_au_lait costs 3.50€ — Ελληνικά, 日本語!")
    assert tokens == [
        "don't", "stop", "naïve", "café", "au", "lait", "costs", "3", "50", "ελληνικά", "日本語"
    ]
    cased = OneHotWordEncoder(lowercase=False).fit(["x"])
    assert _tokens(cased, "The Cat") == ["The", "Cat"]


def test_callable_tokenizer_and_its_errors():
    encoder = OneHotWordEncoder(tokenizer=str.split).fit(["Hello, World!", "hello again"])
    assert set(encoder.vocabulary_) == {"hello,", "world!", "hello", "again"}
    with pytest.raises(TypeError, match="returned .*of type str for document 1"):
        OneHotWordEncoder(tokenizer=lambda doc: doc if doc == "b" else doc.split()).fit(["a", "b"])
    with pytest.raises(TypeError, match="token 0 of document 0"):
        OneHotWordEncoder(tokenizer=lambda doc: [1]).fit(["a"])


@pytest.mark.parametrize("kind", ["bpe", "wordpiece", "unigram"])
def test_subword_tokenizers_train_deterministically(kind):
    from skembed.datasets import load_fortunes

    texts = load_fortunes(subset="train", return_X_y=True)[0][:1500]
    first = OneHotWordEncoder(tokenizer=kind, subword_vocab_size=1000).fit(texts)
    second = OneHotWordEncoder(tokenizer=kind, subword_vocab_size=1000).fit(texts)
    assert first.vocabulary_ == second.vocabulary_
    assert first.tokenizer_.to_str() == second.tokenizer_.to_str()
    assert 300 < len(first.vocabulary_) <= 1100
    # Subword pieces of a word not in the training text spell the word again.
    pieces = _tokens(first, "unprogrammable")
    assert len(pieces) > 1
    spelled = "".join(p.replace("##", "").replace("\u2581", "") for p in pieces)
    assert spelled == "unprogrammable"
    assert "[UNK]" not in first.vocabulary_


# A subword trainer sees at most the first 100 characters of a word (documented in the
# user guide): the tokenizers package's trainers take super-linear time in longer ones.
MAX_TRAINING_WORD = 100
SUBWORD_KINDS = ["bpe", "wordpiece", "unigram"]


def _fortunes(n_documents):
    from skembed.datasets import load_fortunes

    return list(load_fortunes(subset="train", return_X_y=True)[0][:n_documents])


def _random_word(length):
    """A string of random lowercase letters: about as hard as a word gets for a trainer."""
    letters = np.random.default_rng(0).integers(ord("a"), ord("z") + 1, length)
    return letters.astype(np.uint8).tobytes().decode("ascii")


@pytest.mark.parametrize("kind", SUBWORD_KINDS)
def test_ordinary_text_trains_the_same_tokenizer_as_without_the_long_word_cap(
    kind, monkeypatch
):
    import skembed._tokenize

    texts = _fortunes(1500)
    longest = max(len(word) for text in texts for word in re.findall(r"[^\W_]+", text))
    assert longest <= MAX_TRAINING_WORD  # ordinary text: the cap has nothing to cut
    capped = OneHotWordEncoder(tokenizer=kind, subword_vocab_size=1000).fit(texts)
    monkeypatch.setattr(skembed._tokenize, "_cap_long_words", lambda texts, lowercase: texts)
    uncapped = OneHotWordEncoder(tokenizer=kind, subword_vocab_size=1000).fit(texts)
    assert capped.tokenizer_.to_str() == uncapped.tokenizer_.to_str()
    assert capped.vocabulary_ == uncapped.vocabulary_


@pytest.mark.parametrize("kind", SUBWORD_KINDS)
def test_a_long_word_is_cut_to_its_first_100_characters_for_training(kind):
    texts = _fortunes(300)
    word = "x'" + _random_word(5000)  # an inner apostrophe keeps it one word
    long = OneHotWordEncoder(tokenizer=kind, subword_vocab_size=500).fit(
        texts + [f"a sequence {word} ends, {word}"])
    cut = OneHotWordEncoder(tokenizer=kind, subword_vocab_size=500).fit(
        texts + [f"a sequence {word[:MAX_TRAINING_WORD]} ends, {word[:MAX_TRAINING_WORD]}"])
    assert long.tokenizer_.to_str() == cut.tokenizer_.to_str()
    # Encoding is not cut: BPE and Unigram spell the whole word; WordPiece (as in BERT)
    # gives one unknown token for any word longer than 100 characters.
    pieces = _tokens(long, word)
    if kind == "wordpiece":
        assert pieces == ["[UNK]"]
    else:
        assert "".join(pieces) == "\u2581" + word


@pytest.mark.parametrize("word", [
    "\u0915\u093f" * 10_000,  # Devanagari "ki": a consonant and a combining vowel sign
    "e\u0301" * 10_000,  # e + combining acute accent (decomposed form)
    "\ufb01" * 80 + "x" * 30,  # ligatures that NFKC expands past the cap
])
def test_words_are_cut_as_the_subword_trainer_sees_them(word):
    from skembed._tokenize import _cap_long_words, _normalizer, _word_pre_tokenizer

    (capped,) = _cap_long_words([f"before {word} after"], lowercase=True)
    seen = _word_pre_tokenizer().pre_tokenize_str(_normalizer(True).normalize_str(capped))
    assert [piece for piece, _ in seen][::2] == ["before", "after"]
    assert max(len(piece) for piece, _ in seen) == MAX_TRAINING_WORD


@pytest.mark.parametrize("kind", SUBWORD_KINDS)
def test_a_million_character_word_neither_stalls_training_nor_encoding(kind):
    # Before the cap, BPE and WordPiece training took more than 200 s on such a word and
    # Unigram about 40 s on a third of it; with it, this fit takes about 2 s and the
    # transform about 1 s (BPE, the slowest) on the 2-core test machine. The bounds are
    # far from both, so a busy machine cannot fail the test, and a hang still does.
    documents = _fortunes(300) + [f"a sequence: {_random_word(1_000_000)} ends here"]
    start = time.perf_counter()
    encoder = OneHotWordEncoder(tokenizer=kind, subword_vocab_size=500).fit(documents)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    row = encoder.transform(documents[-1:])
    transform_seconds = time.perf_counter() - start
    assert fit_seconds < 30, f"fit took {fit_seconds:.1f} s"
    assert transform_seconds < 20, f"transform took {transform_seconds:.1f} s"
    assert row.shape == (1, len(encoder.vocabulary_))
    assert row.nnz > 0


def test_subword_tokenizer_is_fitted_per_fold_and_pickles():
    train = ["alpha beta gamma"] * 5
    other = ["delta epsilon zeta"] * 5
    a = OneHotWordEncoder(tokenizer="bpe", subword_vocab_size=60).fit(train)
    b = OneHotWordEncoder(tokenizer="bpe", subword_vocab_size=60).fit(other)
    assert a.tokenizer_.get_vocab() != b.tokenizer_.get_vocab()
    assert not any("delta" in token for token in a.tokenizer_.get_vocab())
    restored = pickle.loads(pickle.dumps(a))
    assert restored.tokenizer_.to_str() == a.tokenizer_.to_str()


def test_given_tokenizer_instance_and_file_are_used_as_given(tmp_path, tiny_corpus):
    trained = OneHotWordEncoder(tokenizer="wordpiece", subword_vocab_size=200).fit(tiny_corpus)
    path = tmp_path / "tokenizer.json"
    trained.tokenizer_.save(str(path))
    given = Tokenizer.from_file(str(path))
    by_instance = OneHotWordEncoder(tokenizer=given).fit(["completely different text"] * 3)
    by_path = OneHotWordEncoder(tokenizer=str(path)).fit(["completely different text"] * 3)
    # Not retrained: the given vocabulary is kept as it is.
    assert by_instance.tokenizer_.get_vocab() == trained.tokenizer_.get_vocab()
    assert by_path.tokenizer_.get_vocab() == trained.tokenizer_.get_vocab()
    assert by_instance.vocabulary_ == by_path.vocabulary_
    with pytest.raises(ValueError, match="must be a str among .*, the path of an existing "
                                         "tokenizer.json file.* Got '.*nope.json' instead"):
        OneHotWordEncoder(tokenizer=str(tmp_path / "nope.json")).fit(tiny_corpus)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    with pytest.raises(ValueError, match="cannot load tokenizer file"):
        OneHotWordEncoder(tokenizer=garbage).fit(tiny_corpus)


def test_unknown_token_of_subword_tokenizer_stays_out_of_vocabulary():
    encoder = OneHotWordEncoder(tokenizer="bpe", subword_vocab_size=50).fit(["abc abc cab"] * 4)
    assert "[UNK]" not in encoder.vocabulary_
    # "z" was never seen: the tokenizer emits [UNK], which counts as an unknown token.
    row = encoder.transform(["zzz"])
    assert row.nnz == 0


@pytest.mark.parametrize("lowercase", [True, False])
def test_ascii_fast_path_gives_the_regular_expressions_tokens(lowercase):
    # ASCII text is split on a byte table instead of the regular expression; the tokens
    # must be the same, apostrophes (inner, leading, doubled) and underscores included.
    from skembed._tokenize import WORD_PATTERN, WordTokenizer

    pattern = re.compile(WORD_PATTERN)
    tokenizer = WordTokenizer(lowercase=lowercase)
    rng = np.random.default_rng(0)
    alphabet = np.array(list("aZ9 _'-.,\t\n\x00'q’é"))
    texts = ["don't 'quote' o''clock rock'n'roll it's_ok x' 'y _a_ A'B'C", "", "''", "a'",
             *("".join(rng.choice(alphabet, size=rng.integers(0, 40))) for _ in range(3000))]
    for text in texts:
        expected = pattern.findall(text.lower() if lowercase else text)
        assert tokenizer(text) == expected, repr(text)
