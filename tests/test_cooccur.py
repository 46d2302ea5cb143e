"""Co-occurrence counting: hand-computed matrices, a brute-force reference, range cuts."""

import numpy as np
import pytest

from skembed import GloVeTransformer
from skembed._cooccur import count_cooccurrences, row_ranges


def _corpus(docs):
    ids = np.array([t for doc in docs for t in doc], dtype=np.int32)
    offsets = np.cumsum([0] + [len(doc) for doc in docs]).astype(np.int64)
    return ids, offsets


def _brute_force(docs, n_tokens, window, symmetric, distance_weighting):
    """The Stanford cooccur loop, written plainly: each token against its left context."""
    matrix = np.zeros((n_tokens, n_tokens))
    for doc in docs:
        for j, center in enumerate(doc):
            for k in range(max(0, j - window), j):
                weight = 1.0 / (j - k) if distance_weighting else 1.0
                matrix[doc[k], center] += weight
                if symmetric:
                    matrix[center, doc[k]] += weight
    return matrix


def _count(docs, n_tokens, **kwargs):
    ids, offsets = _corpus(docs)
    return count_cooccurrences(ids, offsets, n_tokens, **kwargs).to_csr()


# a b c a | b c, with window 2: the pairs (left, right, distance) are
# (a,b,1) (a,c,2) (b,c,1) (b,a,2) (c,a,1) and (b,c,1); the two a's are 3 apart.
DOCS = [[0, 1, 2, 0], [1, 2]]
LEFT_WEIGHTED = np.array([
    [0.0, 1.0, 0.5],
    [0.5, 0.0, 2.0],
    [1.0, 0.0, 0.0],
])
LEFT_UNWEIGHTED = np.array([
    [0.0, 1.0, 1.0],
    [1.0, 0.0, 2.0],
    [1.0, 0.0, 0.0],
])


@pytest.mark.parametrize("distance_weighting, expected", [
    (True, LEFT_WEIGHTED), (False, LEFT_UNWEIGHTED)])
@pytest.mark.parametrize("symmetric", [True, False])
def test_hand_computed_matrix(symmetric, distance_weighting, expected):
    if symmetric:
        expected = expected + expected.T
    matrix = _count(DOCS, 3, window=2, symmetric=symmetric,
                    distance_weighting=distance_weighting)
    assert matrix.dtype == np.float32 and matrix.shape == (3, 3)
    np.testing.assert_allclose(matrix.toarray(), expected)
    # Explicit zeros are never stored and columns are sorted within rows.
    assert matrix.nnz == np.count_nonzero(expected)
    assert matrix.has_sorted_indices


def test_window_one_and_context_stays_inside_documents():
    matrix = _count([[0, 1], [1, 0]], 2, window=1, symmetric=False).toarray()
    np.testing.assert_array_equal(matrix, [[0, 1], [1, 0]])
    matrix = _count([[0], [1]], 2, window=5).toarray()
    assert not matrix.any()


@pytest.mark.parametrize("budget", [1, 7, 50, 10_000])
@pytest.mark.parametrize("symmetric", [True, False])
def test_random_corpus_matches_brute_force_for_any_range_cut(budget, symmetric):
    rng = np.random.default_rng(budget)
    n_tokens = 30
    # Zipf-like ids so that a few rows are dense and many are sparse.
    docs = [list(np.minimum(rng.zipf(1.3, size=rng.integers(0, 40)) - 1, n_tokens - 1))
            for _ in range(60)]
    expected = _brute_force(docs, n_tokens, 4, symmetric, True)
    for n_threads in (1, 2):
        matrix = _count(docs, n_tokens, window=4, symmetric=symmetric, budget=budget,
                        n_threads=n_threads)
        np.testing.assert_allclose(matrix.toarray(), expected, rtol=1e-6)
        assert matrix.has_sorted_indices


def test_result_is_identical_for_every_range_cut_and_thread_count():
    rng = np.random.default_rng(0)
    docs = [list(rng.integers(0, 200, size=300)) for _ in range(40)]
    reference = _count(docs, 200, window=10)
    for budget, n_threads in [(1, 1), (500, 2), (100_000, 2)]:
        matrix = _count(docs, 200, window=10, budget=budget, n_threads=n_threads)
        np.testing.assert_array_equal(matrix.indptr, reference.indptr)
        np.testing.assert_array_equal(matrix.indices, reference.indices)
        np.testing.assert_array_equal(matrix.data, reference.data)


def test_row_ranges_respect_the_budget():
    pair_counts = np.array([100, 50, 20, 10, 5, 5, 1, 1, 0, 0], dtype=np.int64)
    ranges = row_ranges(pair_counts, n_cols=10, budget=30)
    assert ranges[0][0] == 0 and ranges[-1][1] == 10
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    for start, stop, dense in ranges:
        pairs = pair_counts[start:stop].sum()
        cells = (stop - start) * 10
        # Over budget only as a single row, counted densely (O(vocabulary) memory).
        assert min(pairs, cells) <= 30 or (stop - start == 1 and dense)
        assert dense == (cells <= pairs)


def test_estimator_keeps_the_matrix_in_vocabulary_order():
    docs = [["b", "a", "b", "c"], ["a", "b"], ["b"]]
    glove = GloVeTransformer(vector_size=4, window=2, min_count=1, epochs=1,
                             keep_cooccurrence=True, input="tokens", random_state=0).fit(docs)
    order = [glove.vectors_.tokens[i] for i in range(3)]
    assert order == ["b", "a", "c"]  # by count, then token
    encoded = [[order.index(t) for t in doc] for doc in docs]
    np.testing.assert_allclose(glove.cooccurrence_.toarray(),
                               _brute_force(encoded, 3, 2, True, True))
    assert glove.n_cooccurrences_ == glove.cooccurrence_.nnz
    assert not hasattr(GloVeTransformer(min_count=1, epochs=1).fit(["a b"]), "cooccurrence_")


def test_unknown_tokens_are_removed_before_counting():
    # "x" is below min_count: "a" and "b" become neighbours, as in the Stanford tool.
    glove = GloVeTransformer(vector_size=4, window=1, min_count=2, epochs=1,
                             keep_cooccurrence=True, input="tokens", random_state=0)
    glove.fit([["a", "x", "b"], ["a", "b"]])
    np.testing.assert_allclose(glove.cooccurrence_.toarray(), [[0, 2], [2, 0]])


def test_long_runs_of_empty_documents_and_a_spilled_position_index(monkeypatch):
    """Each range visits only its own positions, finding their documents by galloping
    over the offsets: runs of empty and one-token documents must not confuse it."""
    import skembed._spill as spill

    rng = np.random.default_rng(3)
    docs = []
    for _ in range(300):
        kind = rng.integers(0, 4)
        if kind == 0:
            docs.extend([[]] * int(rng.integers(1, 50)))
        elif kind == 1:
            docs.append([int(rng.integers(0, 25))])
        else:
            docs.append(list(np.minimum(rng.zipf(1.4, size=rng.integers(2, 30)) - 1, 24)))
    expected = _brute_force(docs, 25, 3, True, True)
    reference = _count(docs, 25, window=3)
    np.testing.assert_allclose(reference.toarray(), expected, rtol=1e-6)
    monkeypatch.setattr(spill, "SPILL_BYTES", 64)  # positions in a memory-mapped file
    for budget in (1, 9, 200):
        matrix = _count(docs, 25, window=3, budget=budget, n_threads=2)
        np.testing.assert_array_equal(matrix.data, reference.data)
        np.testing.assert_array_equal(matrix.indices, reference.indices)
