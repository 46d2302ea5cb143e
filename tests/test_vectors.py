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
