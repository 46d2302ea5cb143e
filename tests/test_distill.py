
import numpy as np
import pytest
from conftest import assert_same_rows_in_a_fresh_process
from tiny_teacher import build_tiny_teacher

from skembed import SentenceEncoder, StaticEmbedding, distill
from skembed._compat import InvalidParameterError
from skembed._sentence_model import load_sentence_model
from skembed.datasets import load_fortunes, load_wordnet_glosses
from skembed.io import load, save

HIDDEN = 32


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    folder = tmp_path_factory.mktemp("teacher")
    build_tiny_teacher(folder, load_wordnet_glosses()[:3000], hidden=HIDDEN, vocab_size=500)
    return str(folder)


@pytest.fixture(scope="module")
def texts():
    return list(load_fortunes(subset="train", return_X_y=True)[0][:300])


@pytest.fixture(scope="module")
def plain(teacher):
    """Distilled without PCA or weights: the teacher's own pooled outputs."""
    return distill(teacher, pca_dims=None, weighting=None)


@pytest.fixture(scope="module")
def distilled(teacher):
    return distill(teacher, pca_dims=16)


def _framed(model, token_ids):
    cls, sep = model.tokenizer.token_to_id("[CLS]"), model.tokenizer.token_to_id("[SEP]")
    return [[cls, *ids, sep] for ids in token_ids]


def test_vocabulary_is_the_teachers_without_special_tokens(teacher, plain):
    model = load_sentence_model(teacher)
    vocab = model.tokenizer.get_vocab()
    assert set(plain.tokens) == set(vocab) - {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
    # In the teacher's id order.
    assert [vocab[t] for t in plain.tokens] == sorted(vocab[t] for t in plain.tokens)
    assert plain.vectors.shape == (len(vocab) - 5, HIDDEN)
    assert plain.counts is None


def test_a_token_vector_is_the_teacher_output_for_that_token(teacher, plain, distilled):
    model = load_sentence_model(teacher)
    vocab = model.tokenizer.get_vocab()
    ids = [[vocab[token]] for token in plain.tokens]
    outputs = model.encode_ids(_framed(model, ids), normalize=False)
    np.testing.assert_allclose(plain.vectors, outputs, rtol=1e-5, atol=1e-6)
    # PCA: centred outputs projected on the top 16 right singular vectors (up to sign).
    centred = outputs.astype(np.float64) - outputs.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ components[:16].T
    unweighted = distill(teacher, pca_dims=16, weighting=None)
    signs = np.sign((projected * unweighted.vectors).sum(axis=0))
    np.testing.assert_allclose(unweighted.vectors, projected * signs, rtol=1e-3, atol=1e-4)
    # Zipf-rank SIF weights scale each row by a / (a + p(rank)).
    ranks = np.arange(len(plain.tokens))
    probability = (1 / (ranks + 2)) / (1 / (ranks + 2)).sum()
    weights = 1e-4 / (1e-4 + probability)
    np.testing.assert_allclose(distilled.vectors, unweighted.vectors * weights[:, None],
                               rtol=1e-5, atol=1e-6)


def test_distillation_is_deterministic(teacher, distilled):
    again = distill(teacher, pca_dims=16)
    assert again.tokens == distilled.tokens
    np.testing.assert_array_equal(again.vectors, distilled.vectors)


def test_corpus_gives_counts_and_sif_weights(teacher, texts):
    vectors = distill(teacher, pca_dims=16, corpus=texts, weighting=None)
    weighted = distill(teacher, pca_dims=16, corpus=(t for t in texts),
                       sif_coefficient=1e-3)
    tokenizer = load_sentence_model(teacher).tokenizer
    expected = dict.fromkeys(vectors.tokens, 0)
    for encoding in tokenizer.encode_batch(texts, add_special_tokens=False):
        for token in encoding.tokens:
            if token in expected:
                expected[token] += 1
    np.testing.assert_array_equal(vectors.counts, list(expected.values()))
    probability = vectors.counts / vectors.counts.sum()
    np.testing.assert_allclose(weighted.vectors,
                               vectors.vectors * (1e-3 / (1e-3 + probability))[:, None],
                               rtol=1e-5, atol=1e-6)


def test_vocabulary_adds_whole_words(teacher, plain, texts):
    model = load_sentence_model(teacher)
    words = ["Zorbification", "unbelievably", "cat", "two words", "unbelievably"]
    extended = distill(teacher, pca_dims=None, weighting=None, vocabulary=words)
    # Normalised (lowercased) by the teacher's tokenizer; known tokens and words the
    # pre-tokenizer would split are passed over; duplicates are added once.
    added = extended.tokens[len(plain.tokens):]
    assert added == [w for w in ("zorbification", "unbelievably", "cat")
                     if w not in plain.index]
    assert "zorbification" in added
    pieces = [model.tokenizer.encode(word, add_special_tokens=False).ids for word in added]
    np.testing.assert_allclose(extended.vectors[len(plain.tokens):],
                               model.encode_ids(_framed(model, pieces), normalize=False),
                               rtol=1e-5, atol=1e-6)
    # The stored tokenizer now reads the added words whole.
    assert extended.analyzer("Zorbification is unbelievably rare")[0] == "zorbification"
    static = StaticEmbedding(extended).fit(texts)
    assert "unbelievably" in static.build_analyzer()("so unbelievably")


def test_static_embedding_uses_the_teachers_tokenizer(teacher, distilled, texts):
    model = load_sentence_model(teacher)
    static = StaticEmbedding(distilled).fit(texts)
    expected = model.tokenizer.encode(texts[0], add_special_tokens=False).tokens
    assert static.build_analyzer()(texts[0]) == expected
    rows = static.transform(texts[:20])
    assert rows.shape == (20, 16) and np.isfinite(rows).all()
    # The mean of the token rows, unknown tokens ([UNK]) left out.
    tokens = [t for t in expected if t in distilled.index]
    np.testing.assert_allclose(rows[0], distilled.vectors[[distilled.index[t] for t in tokens]]
                               .mean(axis=0), rtol=1e-5, atol=1e-6)


def test_round_trip_through_a_native_file(distilled, texts, tmp_path):
    save(distilled, tmp_path / "static.npz")
    loaded = load(tmp_path / "static.npz")
    assert loaded.tokens == distilled.tokens
    np.testing.assert_array_equal(loaded.vectors, distilled.vectors)
    expected = StaticEmbedding(distilled, pooling="sif").fit(texts).transform(texts[:30])
    from_file = StaticEmbedding(tmp_path / "static.npz", pooling="sif").fit(texts)
    np.testing.assert_array_equal(from_file.transform(texts[:30]), expected)


def test_pickled_static_embedding_in_a_fresh_process(distilled, texts, tmp_path):
    static = StaticEmbedding(distilled).fit(texts)
    assert_same_rows_in_a_fresh_process(static, texts[:25], tmp_path,
                                        check="assert 'torch' not in sys.modules")


def test_pca_dims_above_the_teachers_dimension_warns_and_keeps_all(teacher):
    with pytest.warns(UserWarning, match="pca_dims=64 is more than the teacher's 32"):
        vectors = distill(teacher, pca_dims=64)
    assert vectors.vector_size == HIDDEN


def test_errors(teacher, tmp_path):
    with pytest.raises(ValueError, match="never downloads"):
        distill("sentence-transformers/all-MiniLM-L6-v2")
    with pytest.raises(TypeError, match=r"vocabulary\[1\] is 3, not a str"):
        distill(teacher, vocabulary=["fine", 3])
    with pytest.raises(ValueError, match="corpus holds no token"):
        distill(teacher, corpus=["", ""], pca_dims=4)
    with pytest.raises(ValueError, match="single str"):
        distill(teacher, corpus="one text")
    with pytest.raises(InvalidParameterError, match="'pca_dims' parameter"):
        distill(teacher, pca_dims=0)
    with pytest.raises(InvalidParameterError, match="'weighting' parameter"):
        distill(teacher, weighting="zipf")


def test_encoder_as_teacher(teacher, distilled):
    encoder = SentenceEncoder(teacher, backend="numpy")
    np.testing.assert_array_equal(distill(encoder, pca_dims=16).vectors, distilled.vectors)
    with pytest.raises(TypeError, match="model folder or a SentenceEncoder"):
        distill(StaticEmbedding(distilled))


def test_sentence_transformers_backend_distills_the_same(teacher, distilled):
    pytest.importorskip("sentence_transformers",
                        reason="needs the transformers extra (sentence-transformers)")
    other = distill(teacher, pca_dims=16, backend="sentence-transformers")
    assert other.tokens == distilled.tokens
    np.testing.assert_allclose(np.abs(other.vectors), np.abs(distilled.vectors), rtol=1e-3,
                               atol=1e-4)


def test_vocabulary_words_the_teacher_cannot_read_are_passed_over(teacher, plain):
    with pytest.raises(TypeError, match="vocabulary is a set"):
        distill(teacher, vocabulary={"zorbification"})
    extended = distill(teacher, pca_dims=None, weighting=None,
                       vocabulary=["zorbification", "a" * 150, "caf\u2603"])
    assert extended.tokens[len(plain.tokens):] == ["zorbification"]
