"""Vectors: lookups and similarity queries against direct NumPy computations."""

import pickle

import numpy as np
import pytest

from skembed import Vectors

TOKENS = ["king", "queen", "man", "woman", "apple", "zero"]
MATRIX = np.array(
    [[0.9, 0.8, 0.1], [0.9, -0.7, 0.1], [0.2, 0.9, 0.0], [0.2, -0.8, 0.05],
     [-0.5, 0.0, 0.9], [0.0, 0.0, 0.0]],
    dtype=np.float32,
)


@pytest.fixture
def kv():
    return Vectors(TOKENS, MATRIX, counts=[6, 5, 4, 3, 2, 1])


def _cos(a, b):
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norms) if norms else 0.0  # a zero vector is similar to nothing


def test_lookup_and_membership(kv):
    np.testing.assert_array_equal(kv["queen"], MATRIX[1])
    kv["queen"][0] = 42.0  # a copy: the model is unchanged
    assert kv.vectors[1, 0] == pytest.approx(0.9)
    assert "king" in kv and "prince" not in kv and len(kv) == 6 and kv.vector_size == 3
    with pytest.raises(KeyError, match="'prince' is not in the vocabulary"):
        kv["prince"]


def test_normed_rows_and_zero_vector_have_no_nan(kv):
    assert np.all(np.isfinite(kv.normed))
    np.testing.assert_allclose(np.linalg.norm(kv.normed[:5], axis=1), 1.0, rtol=1e-6)
    assert np.all(kv.normed[5] == 0)
    assert kv.similarity("zero", "king") == 0.0
    restored = pickle.loads(pickle.dumps(kv))
    assert restored._normed is None
    np.testing.assert_array_equal(restored.normed, kv.normed)


def test_most_similar_matches_brute_force(kv):
    result = kv.most_similar("king", topn=3)
    expected = sorted(((t, _cos(MATRIX[0], MATRIX[i])) for i, t in enumerate(TOKENS)
                       if t != "king"), key=lambda x: -x[1])[:3]
    assert [t for t, _ in result] == [t for t, _ in expected]
    np.testing.assert_allclose([s for _, s in result], [s for _, s in expected], rtol=1e-5)
    assert [t for t, _ in kv.most_similar("king", topn=10, restrict_vocab=3)] == ["man", "queen"]
    assert kv.similar_by_vector(MATRIX[4], topn=1)[0][0] == "apple"


def test_analogies_3cosadd_and_3cosmul(kv):
    assert kv.analogy("man", "king", "woman")[0][0] == "queen"
    assert kv.analogy("man", "king", "woman", method="3cosmul")[0][0] == "queen"
    unit = MATRIX[:5] / np.linalg.norm(MATRIX[:5], axis=1, keepdims=True)
    a, b, c = unit[2], unit[0], unit[3]
    cos = lambda v, w: (v @ w + 1) / 2  # noqa: E731
    expected = cos(unit[1], b) * cos(unit[1], c) / (cos(unit[1], a) + 1e-6)
    assert kv.analogy("man", "king", "woman", method="3cosmul")[0][1] == pytest.approx(
        expected, rel=1e-5)
    add = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)
    assert add == kv.analogy("man", "king", "woman")
    with pytest.raises(ValueError, match="method must be"):
        kv.analogy("man", "king", "woman", method="cos")


def test_doesnt_match(kv):
    assert kv.doesnt_match(["king", "queen", "man", "apple"]) == "apple"
    with pytest.raises(ValueError, match="at least two"):
        kv.doesnt_match(["king"])


def test_composition_from_subword_pieces():
    kv = Vectors(["run", "##ning", "walk"], np.eye(3, dtype=np.float32),
                 analyzer=lambda word: ["run", "##ning"] if word == "running" else [word])
    assert "running" in kv and "jogging" not in kv
    np.testing.assert_allclose(kv["running"], [0.5, 0.5, 0.0])
    with pytest.raises(KeyError, match="none of its subword tokens"):
        kv["jogging"]


def test_invalid_construction():
    with pytest.raises(ValueError, match="one row per token"):
        Vectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="unique"):
        Vectors(["a", "a"], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="at least one"):
        Vectors(["a"], np.ones((1, 2))).most_similar()


# ------------------------------------------- queries on subword vectors (defect 4)

# BPE-style pieces: "▁" starts a word; "##" continues one (WordPiece); a bare piece such as
# "love" or "running" is a word-inner piece (Unigram, BPE).
SUBWORD_TOKENS = ["▁love", "love", "##love", "▁loved", "▁hate", "▁run", "ning", "running"]
SUBWORD_PIECES = {"love": ["▁love"], "loved": ["▁loved"], "hate": ["▁hate"],
                  "running": ["▁run", "ning"], "run": ["▁run"]}


@pytest.fixture
def subword_kv():
    rng = np.random.default_rng(0)
    return Vectors(SUBWORD_TOKENS, rng.normal(size=(len(SUBWORD_TOKENS), 4)),
                   analyzer=lambda word: SUBWORD_PIECES.get(word.lower(), []))


def _returned(results):
    return [token for token, _ in results]


def test_most_similar_leaves_out_every_form_of_a_single_token_query(subword_kv):
    everything = len(SUBWORD_TOKENS)
    for query in ["love", "Love", "▁love", "##love"]:
        returned = _returned(subword_kv.most_similar(query, topn=everything))
        assert sorted(returned) == sorted(set(SUBWORD_TOKENS) - {"▁love", "love", "##love"})
    # the direction is still the query's: the best match is the nearest other token
    query = subword_kv.get_vector("▁love", norm=True)
    expected = max((t for t in SUBWORD_TOKENS if t.lstrip("▁#") != "love"),
                   key=lambda t: float(subword_kv.get_vector(t, norm=True) @ query))
    assert subword_kv.most_similar("Love", topn=1)[0][0] == expected


def test_pieces_of_a_word_split_in_several_stay_candidates(subword_kv):
    returned = _returned(subword_kv.most_similar("running", topn=len(SUBWORD_TOKENS)))
    assert "▁run" in returned and "ning" in returned  # its pieces are other tokens
    assert "running" not in returned  # a token spelled like the query is the query
    assert len(returned) == len(SUBWORD_TOKENS) - 1


def test_analogy_and_negative_words_leave_out_their_subword_forms(subword_kv):
    everything = len(SUBWORD_TOKENS)
    for method in ["3cosadd", "3cosmul"]:
        returned = _returned(subword_kv.analogy("hate", "love", "run", topn=everything,
                                                method=method))
        assert set(returned) == {"▁loved", "ning", "running"}
    returned = _returned(subword_kv.most_similar(positive=["loved"], negative=["love"],
                                                 topn=everything))
    assert "▁loved" not in returned and not {"▁love", "love", "##love"} & set(returned)


def test_word_level_vectors_leave_out_only_the_query_token():
    kv = Vectors(["love", "▁love", "##love"], np.eye(3) + 0.1)  # no analyzer: plain tokens
    assert sorted(_returned(kv.most_similar("love", topn=3))) == ["##love", "▁love"]


def _spelling(token):
    return token.removeprefix("▁").removeprefix("##")


@pytest.fixture(scope="module", params=["bpe", "wordpiece"])
def subword_model(request):
    from skembed import Word2VecTransformer
    from skembed.datasets import load_fortunes

    texts = load_fortunes(subset="train", return_X_y=True)[0][:1500]
    return Word2VecTransformer(tokenizer=request.param, subword_vocab_size=2000,
                               vector_size=16, min_count=2, epochs=2, n_jobs=1,
                               random_state=0).fit(texts)


@pytest.mark.parametrize("query", ["computer", "love", "Love", "programmers"])
def test_fitted_subword_model_never_answers_the_query_itself(subword_model, query):
    kv = subword_model.vectors_
    pieces = kv.analyzer(query)
    same = [t for t in kv.tokens if _spelling(t) == query.lower()]
    results = kv.most_similar(query, topn=len(kv))
    returned = _returned(results)
    assert pieces[0] != returned[0]  # the defect: ('▁computer', 1.0) came first
    assert not set(same) & set(returned)
    assert len(returned) == len(kv) - len(same)  # nothing else is left out
    if len(pieces) == 1:
        assert pieces[0] in same  # the query's one token is a row, and is left out
    else:
        assert set(pieces) <= set(returned)  # "programmers": its pieces are candidates
