"""Vocabulary building, corpus encoding and the trainers' tables, on hand-computed cases."""

import numpy as np
import pytest

from skembed._vocab import (
    VocabularyBuilder,
    alias_table,
    encode,
    huffman_tree,
    keep_probabilities,
    noise_distribution,
)


def _build(docs, **finish):
    builder = VocabularyBuilder(max_vocab_size=finish.pop("max_vocab_size", None),
                                exclude=finish.pop("exclude", ()))
    for doc in docs:
        builder.add(doc)
    return builder.finish(**finish)


def test_order_is_count_then_token_whatever_the_document_order():
    docs = [["b", "a", "c"], ["c", "b"], ["d", "c"], []]
    vocabulary, corpus = _build(docs)
    assert vocabulary.tokens == ["c", "b", "a", "d"]
    assert vocabulary.counts.tolist() == [3, 2, 1, 1]
    assert corpus.ids.tolist() == [1, 2, 0, 0, 1, 3, 0]
    assert corpus.offsets.tolist() == [0, 3, 5, 7, 7]
    reordered, _ = _build(docs[::-1])
    assert reordered.tokens == vocabulary.tokens


def test_min_count_and_max_size_mark_dropped_tokens_unknown():
    docs = [["a", "b", "a", "c"], ["b", "a", "d"]]
    vocabulary, corpus = _build(docs, min_count=2)
    assert vocabulary.tokens == ["a", "b"]
    # Dropped tokens keep their text: "c" and "d" are coded -2 and -3.
    assert corpus.ids.tolist() == [0, 1, 0, -2, 1, 0, -3]
    assert corpus.unknown_tokens == ("c", "d")
    known = corpus.known()
    assert known.ids.tolist() == [0, 1, 0, 1, 0]
    assert known.offsets.tolist() == [0, 3, 5]
    assert corpus.first_unknown_document() == 0
    top1, _ = _build(docs, max_size=1)
    assert top1.tokens == ["a"]


def test_excluded_tokens_never_enter_the_vocabulary():
    vocabulary, corpus = _build([["[UNK]", "x", "[UNK]"]], exclude={"[UNK]"})
    assert vocabulary.tokens == ["x"]
    assert corpus.ids.tolist() == [-1, 0, -1] and corpus.unknown_tokens == ()


def test_max_vocab_size_prunes_while_counting_like_word2vec():
    # Bound 2: after "a b c" (3 distinct > 2) every count <= 1 is forgotten, min_reduce -> 2.
    builder = VocabularyBuilder(max_vocab_size=2)
    builder.add(["a", "a", "b", "c"])
    assert builder.n_distinct_seen == 3  # checked before the next tokens are added
    builder.add(["b", "a"])  # prunes "b" and "c"; "b" comes back and counts from zero
    assert builder.n_pruned == 2
    vocabulary, corpus = builder.finish()
    assert vocabulary.tokens == ["a", "b"]
    assert vocabulary.counts.tolist() == [3, 1]
    # Earlier occurrences of forgotten tokens are not in the corpus: counts and corpus agree.
    assert corpus.ids.tolist() == [0, 0, -1, -1, 1, 0]
    assert np.bincount(corpus.known().ids).tolist() == vocabulary.counts.tolist()


def test_max_vocab_size_bounds_memory_inside_one_long_document():
    rng = np.random.default_rng(0)
    tokens = [f"t{i}" for i in rng.integers(0, 50_000, size=200_000)]
    builder = VocabularyBuilder(max_vocab_size=1000)
    builder.add(tokens)
    assert builder.n_distinct_seen <= 1000 + 8192
    vocabulary, corpus = builder.finish()
    assert 0 < len(vocabulary) <= 1000 + 8192
    assert len(corpus.ids) == len(tokens)


def test_encode_against_fixed_vocabulary():
    corpus = encode([["a", "zz", "b", "zz", "q"], [], ["b"]], {"a": 0, "b": 1})
    assert corpus.ids.dtype == np.int32 and corpus.offsets.dtype == np.int64
    assert corpus.ids.tolist() == [0, -2, 1, -2, -3, 1]
    assert corpus.unknown_tokens == ("zz", "q")
    assert corpus.offsets.tolist() == [0, 5, 5, 6]
    seen = []
    encode([["a"], ["b", "q"]], {"a": 0, "b": 1}, on_unknown=lambda d, t: seen.append((d, t)))
    assert seen == [(1, "q")]


def test_keep_probabilities_match_word2vec_formula():
    counts = np.array([1000, 100, 10, 1])
    sample = 1e-2
    t = sample * counts.sum()  # 11.11
    expected = np.minimum(1, (np.sqrt(counts / t) + 1) * t / counts)
    np.testing.assert_allclose(keep_probabilities(counts, sample), expected)
    # Hand check: count 1000 -> (sqrt(1000/11.11)+1)*11.11/1000 = 0.116514
    assert keep_probabilities(counts, sample)[0] == pytest.approx(0.116514, abs=1e-6)
    assert keep_probabilities(counts, sample)[2:].tolist() == [1.0, 1.0]
    assert keep_probabilities(counts, 0).tolist() == [1.0] * 4


def test_noise_distribution_is_unigram_to_the_power():
    p = noise_distribution([16, 1], 0.75)
    np.testing.assert_allclose(p, [8 / 9, 1 / 9])
    np.testing.assert_allclose(noise_distribution([5, 3], 0.0), [0.5, 0.5])


def test_alias_table_hand_case_and_implied_distribution():
    accept, alias = alias_table([0.5, 0.25, 0.25])
    # Columns 1 and 2 keep 3/4 of their mass and lend the rest to the heavy outcome 0.
    np.testing.assert_allclose(accept, [1.0, 0.75, 0.75])
    assert alias[1] == 0 and alias[2] == 0
    rng = np.random.default_rng(1)
    for _ in range(20):
        p = rng.dirichlet(np.ones(rng.integers(1, 40)))
        accept, alias = alias_table(p)
        n = len(p)
        implied = accept / n
        np.add.at(implied, alias, (1 - accept) / n)
        np.testing.assert_allclose(implied, p, atol=1e-12)


def test_huffman_tree_hand_case():
    codes, points, lengths = huffman_tree([5, 3, 2, 1])
    assert lengths.tolist() == [1, 2, 3, 3]
    assert codes[0, :1].tolist() == [0] and points[0, :1].tolist() == [2]
    assert codes[1, :2].tolist() == [1, 1] and points[1, :2].tolist() == [2, 1]
    assert codes[2, :3].tolist() == [1, 0, 1] and points[2, :3].tolist() == [2, 1, 0]
    assert codes[3, :3].tolist() == [1, 0, 0] and points[3, :3].tolist() == [2, 1, 0]


def test_huffman_tree_is_a_prefix_code_with_optimal_length():
    rng = np.random.default_rng(2)
    counts = np.sort(rng.integers(1, 1000, size=300))[::-1]
    codes, points, lengths = huffman_tree(counts)
    words = {tuple(codes[w, : lengths[w]]) for w in range(len(counts))}
    assert len(words) == len(counts)
    for w in range(len(counts)):
        for v in range(len(counts)):
            if v != w and lengths[v] > lengths[w]:
                assert tuple(codes[v, : lengths[w]]) != tuple(codes[w, : lengths[w]])
    assert points.max() == len(counts) - 2 and (points[:, 0] == len(counts) - 2).all()
    # Kraft equality for a full binary tree, and frequent words are never deeper.
    assert np.sum(2.0 ** -lengths) == pytest.approx(1.0)
    assert np.all(np.diff(lengths) >= 0)
    with pytest.raises(ValueError, match="non-increasing"):
        huffman_tree([1, 2])
    with pytest.raises(ValueError, match="at least 2"):
        huffman_tree([3])
