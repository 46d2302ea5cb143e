"""FastTextTransformer: n-gram hashing, unseen words, training and real data."""

import numpy as np
import pytest
from test_word2vec import fit_batched_and_pairwise

from skembed import FastTextTransformer
from skembed._subwords import char_ngrams, hash_bytes, word_ngram_buckets
from skembed.datasets import load_fortunes

SMALL = {"vector_size": 16, "min_count": 2, "epochs": 3}
WORDS = ["apple", "où", "naïve", "日本語", "a", "x", "🙂", "über-long", "ab", ""]


# ------------------------------------------------------------------ n-grams


def test_char_ngrams_hand_cases():
    assert char_ngrams("ab", 3, 6) == ["<ab", "<ab>", "ab>"]
    assert char_ngrams("a", 1, 2) == ["<a", "a", "a>"]  # lone "<" and ">" are left out
    assert char_ngrams("où", 3, 3) == ["<où", "où>"]  # characters, not bytes
    assert char_ngrams("cat", 3, 3) == ["<ca", "cat", "at>"]


def test_hash_is_fasttext_fnv1a_with_signed_bytes():
    # FNV-1a of the empty string is the offset basis; of "a" a textbook value.
    assert hash_bytes(b"") == 2166136261
    assert hash_bytes(b"a") == 0xE40C292C
    # Bytes >= 0x80 are XOR-ed in sign-extended, unlike textbook FNV-1a.
    textbook = 2166136261
    for byte in "é".encode():
        textbook = ((textbook ^ byte) * 16777619) % 2**32
    assert hash_bytes("é".encode()) != textbook


def test_buckets_match_the_python_ngrams():
    offsets, buckets = word_ngram_buckets(WORDS, 3, 6, 2_000_000)
    for w, word in enumerate(WORDS):
        expected = [hash_bytes(g.encode()) % 2_000_000 for g in char_ngrams(word, 3, 6)]
        assert buckets[offsets[w] : offsets[w + 1]].tolist() == expected
    none = word_ngram_buckets(WORDS, 3, 0, 100)
    assert none[0].tolist() == [0] * (len(WORDS) + 1)


def test_buckets_match_gensim():
    fasttext_module = pytest.importorskip("gensim.models.fasttext")
    offsets, buckets = word_ngram_buckets(WORDS, 3, 6, 2_000_000)
    for w, word in enumerate(WORDS):
        expected = fasttext_module.ft_ngram_hashes(word, 3, 6, 2_000_000)
        assert buckets[offsets[w] : offsets[w + 1]].tolist() == list(expected), word


# ----------------------------------------------------------------- training


@pytest.fixture(scope="module")
def fortunes():
    return load_fortunes(subset="train", return_X_y=True)[0][:1500]


@pytest.fixture(scope="module")
def fitted(fortunes):
    return FastTextTransformer(**SMALL, random_state=0).fit(fortunes)


def test_single_thread_fit_is_bit_identical(fortunes):
    for architecture in ("skipgram", "cbow"):
        a = FastTextTransformer(**SMALL, architecture=architecture, random_state=3).fit(fortunes)
        b = FastTextTransformer(**SMALL, architecture=architecture, random_state=3).fit(fortunes)
        np.testing.assert_array_equal(a.vectors_.vectors, b.vectors_.vectors)
        np.testing.assert_array_equal(a.vectors_.ngram_vectors, b.vectors_.ngram_vectors)
        assert np.isfinite(a.loss_curve_).all()


def test_batched_windows_are_reproducible_and_ignored_by_cbow(fortunes):
    params = dict(SMALL, n_jobs=1, random_state=3)
    fit_batched_and_pairwise(FastTextTransformer, params, fortunes)
    cbow = dict(params, architecture="cbow")
    np.testing.assert_array_equal(
        FastTextTransformer(**cbow, batch_windows=True).fit(fortunes).vectors_.vectors,
        FastTextTransformer(**cbow).fit(fortunes).vectors_.vectors)


def test_only_used_buckets_get_rows(fitted):
    vectors = fitted.vectors_
    offsets, buckets = word_ngram_buckets(vectors.tokens, 3, 6, 2_000_000)
    assert vectors.ngram_buckets.tolist() == sorted(set(buckets.tolist()))
    assert vectors.ngram_vectors.shape == (len(vectors.ngram_buckets), 16)


def test_vocabulary_vector_is_mean_of_word_and_ngram_rows(fitted):
    vectors = fitted.vectors_
    word = "computer"
    rows = vectors.ngram_rows([word])[1]
    # Recover the word's own row from the composed mean: mean*(1+n) - sum(ngrams).
    n = len(rows)
    composed = vectors[word]
    own = composed * (n + 1) - vectors.ngram_vectors[rows].sum(axis=0)
    assert np.all(np.isfinite(own)) and n == len(char_ngrams(word, 3, 6))


def test_unseen_words_get_ngram_vectors_and_zero_when_nothing_is_known(fitted):
    vectors = fitted.vectors_
    unseen = "computerz"
    assert unseen not in vectors.index and unseen in vectors
    offsets, rows = vectors.ngram_rows([unseen])
    np.testing.assert_allclose(vectors[unseen], vectors.ngram_vectors[rows].mean(axis=0),
                               rtol=1e-5)
    assert vectors.similarity(unseen, "computer") > 0.5
    assert vectors.most_similar(unseen, topn=3)
    # A two-word vocabulary uses a handful of the 2M buckets: a word sharing no n-gram
    # with it has no known n-gram and gets a zero vector, never NaN or an error.
    tiny = FastTextTransformer(vector_size=4, min_count=1, epochs=1, sample=0, random_state=0)
    tiny = tiny.fit(["alpha beta"] * 10).vectors_
    nothing = "\u0416\u0416\u0416\u0416"
    assert nothing not in tiny
    assert np.all(tiny[nothing] == 0) and np.all(tiny.get_vector(nothing, norm=True) == 0)
    assert tiny.similarity(nothing, "alpha") == 0.0


def test_transform_uses_ngrams_for_unseen_tokens(fitted):
    docs = ["computerz", "the computer", ""]
    out = fitted.transform(docs)
    assert out.shape == (3, 16) and np.isfinite(out).all()
    np.testing.assert_allclose(out[0], fitted.vectors_["computerz"], rtol=1e-5)
    assert np.all(out[2] == 0)
    np.testing.assert_allclose(fitted.unknown_token_rate(docs, per_document=True), [0, 0, 0])
    tiny = FastTextTransformer(vector_size=4, min_count=1, epochs=1, sample=0, random_state=0)
    tiny.fit(["alpha beta"] * 10)
    odd = ["\u0416\u0416\u0416\u0416 alphas", "\u0416\u0416\u0416\u0416"]
    np.testing.assert_allclose(tiny.unknown_token_rate(odd, per_document=True), [0.5, 1.0])
    assert np.all(tiny.transform(odd)[1] == 0)
    # fit_transform reads X once and agrees with fit().transform() even for tokens that
    # min_count kept out of the vocabulary: they get n-gram vectors in both.
    texts = ["the computerized computer", "the computer", "computerized"]
    params = dict(SMALL, min_count=2, sample=0, random_state=0)
    a = FastTextTransformer(**params).fit_transform(iter(texts))
    b = FastTextTransformer(**params).fit(texts).transform(texts)
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_no_ngrams_and_high_learning_rate_stay_finite(fortunes):
    plain = FastTextTransformer(**dict(SMALL, max_n=0), random_state=0).fit(fortunes)
    assert plain.vectors_.ngram_vectors.shape[0] == 0
    assert np.all(plain.vectors_["computerz"] == 0)
    hot = FastTextTransformer(**dict(SMALL, alpha=1.0), random_state=0).fit(fortunes)
    assert np.isfinite(hot.vectors_.vectors).all() and np.isfinite(hot.loss_curve_).all()


def test_min_n_above_max_n_is_refused_before_reading(fortunes):
    def never_read():
        raise AssertionError("X was read")
        yield

    with pytest.raises(ValueError, match=r"max_n=3 is smaller than min_n=5.*max_n=0"):
        FastTextTransformer(**SMALL, min_n=5, max_n=3).fit(never_read())
    # Equal bounds are one n-gram length, and max_n=0 still means no n-grams whatever min_n.
    one_length = FastTextTransformer(**SMALL, min_n=4, max_n=4, random_state=0).fit(fortunes)
    assert one_length.vectors_.ngram_vectors.shape[0] > 0
    plain = FastTextTransformer(**SMALL, min_n=5, max_n=0, random_state=0).fit(fortunes)
    assert plain.vectors_.ngram_vectors.shape[0] == 0


def test_cbow_sum_and_mean_are_different_models(fortunes):
    params = dict(SMALL, architecture="cbow", n_jobs=1, random_state=0)
    mean = FastTextTransformer(**params, cbow_agg="mean").fit(fortunes)
    total = FastTextTransformer(**params, cbow_agg="sum").fit(fortunes)
    assert not np.allclose(mean.vectors_.vectors, total.vectors_.vectors, atol=1e-4)
    assert np.isfinite(total.vectors_.vectors).all()


# ------------------------------------------------------------------- real data


@pytest.mark.integration
def test_morphology_on_wordnet_glosses(shared_data):
    path = shared_data / "corpus" / "wordnet_glosses.txt.gz"
    # One thread: the fit is bit-identical run to run, so the ranks below cannot flake
    # (with 2 threads, Hogwild moved "runs" and "teaches" between 5th and 11th place).
    vectors = FastTextTransformer(input="filename", n_jobs=1, random_state=0).fit([path]).vectors_

    def neighbours(word, topn):
        return [token for token, _ in vectors.most_similar(word, topn=topn)]

    # An inflected form of a frequent word is among its 20 nearest neighbours. Measured
    # with seed 0 and one thread: runs 11th, teaches 11th, plays 2nd, writes 6th.
    inflections = [("run", "runs"), ("teach", "teaches"), ("play", "plays"), ("write", "writes")]
    hits = sum(inflected in neighbours(word, 20) for word, inflected in inflections)
    assert hits == 4
    # A word never seen in training lands next to its relatives through its n-grams.
    assert "unhappily" not in vectors.index
    assert {"happily", "unhappy"} & set(neighbours("unhappily", 5))
