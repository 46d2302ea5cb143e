import json
import zipfile

import numpy as np
import pytest
from conftest import assert_same_rows_in_a_fresh_process
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skembed import FastTextTransformer, StaticEmbedding, Vectors, Word2VecTransformer
from skembed._compat import InvalidParameterError
from skembed.datasets import load_fortunes
from skembed.io import load, save, save_word2vec

POOLINGS = ["mean", "sum", "max", "tfidf", "sif"]


@pytest.fixture(scope="module")
def texts():
    X, _ = load_fortunes(subset="train", return_X_y=True)
    return list(X[:400])


@pytest.fixture(scope="module")
def word_model(texts):
    return Word2VecTransformer(vector_size=16, min_count=2, epochs=2, random_state=0).fit(texts)


@pytest.fixture(scope="module")
def wordpiece_model(texts):
    return Word2VecTransformer(vector_size=16, min_count=1, epochs=2, tokenizer="wordpiece",
                               subword_vocab_size=400, random_state=0).fit(texts)


@pytest.mark.parametrize("pooling", POOLINGS)
@pytest.mark.parametrize("norm", [None, "l2"])
def test_rows_equal_frozen_pretrained_word2vec(word_model, texts, pooling, norm):
    frozen = Word2VecTransformer(pretrained=word_model.vectors_, pooling=pooling, norm=norm)
    static = StaticEmbedding(word_model.vectors_, pooling=pooling, norm=norm)
    expected = frozen.fit(texts[:300]).transform(texts[300:])
    got = static.fit(texts[:300]).transform(texts[300:])
    np.testing.assert_array_equal(got, expected)
    assert got.shape == (100, 16) and np.isfinite(got).all()


def test_pooling_can_change_after_fit_without_refit(word_model, texts):
    static = StaticEmbedding(word_model.vectors_).fit(texts)
    for pooling in POOLINGS:
        fresh = StaticEmbedding(word_model.vectors_, pooling=pooling).fit(texts)
        static.set_params(pooling=pooling)
        np.testing.assert_array_equal(static.transform(texts[:50]), fresh.transform(texts[:50]))


def test_every_vector_source_gives_the_same_rows(word_model, texts, tmp_path):
    save_word2vec(word_model, tmp_path / "vectors.txt")
    save(word_model, tmp_path / "vectors.npz")
    expected = StaticEmbedding(word_model.vectors_).fit(texts).transform(texts[:40])
    # A pipeline whose embedding step is fitted (the classifier after it need not be).
    pipeline = make_pipeline(word_model, LogisticRegression())
    sources = [word_model, FrozenEstimator(word_model), pipeline,
               str(tmp_path / "vectors.npz"), tmp_path / "vectors.txt"]
    for source in sources:
        got = StaticEmbedding(source).fit(texts).transform(texts[:40])
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_default_tokenizer_is_the_one_stored_with_the_vectors(wordpiece_model, texts, tmp_path):
    expected = wordpiece_model.transform(texts[:60])
    static = StaticEmbedding(wordpiece_model.vectors_).fit(texts)
    assert static.tokenizer_ is wordpiece_model.tokenizer_
    np.testing.assert_array_equal(static.transform(texts[:60]), expected)
    # The native file keeps the tokenizer: the loaded vectors split text the same way.
    save(wordpiece_model, tmp_path / "subword.npz")
    loaded = load(tmp_path / "subword.npz")
    assert loaded.analyzer("unbelievably") == wordpiece_model.vectors_.analyzer("unbelievably")
    from_file = StaticEmbedding(tmp_path / "subword.npz").fit(texts)
    np.testing.assert_array_equal(from_file.transform(texts[:60]), expected)
    assert from_file.build_analyzer()(texts[0]) == wordpiece_model.build_analyzer()(texts[0])


def test_word_vectors_without_tokenizer_use_words(word_model, texts):
    static = StaticEmbedding(word_model.vectors_).fit(texts)
    assert static.build_analyzer()("Don't Panic") == ["don't", "panic"]
    cased = StaticEmbedding(word_model.vectors_, lowercase=False).fit(texts)
    assert cased.build_analyzer()("Don't Panic") == ["Don't", "Panic"]


def test_build_analyzer_before_fit_needs_the_vectors(word_model):
    with pytest.raises(NotFittedError):
        StaticEmbedding(word_model.vectors_).build_analyzer()
    assert StaticEmbedding(word_model.vectors_, tokenizer="word").build_analyzer()("A b") == [
        "a", "b"]


def test_fasttext_vectors_give_unseen_words_vectors(texts):
    fasttext = FastTextTransformer(vector_size=16, min_count=2, epochs=1,
                                   random_state=0).fit(texts)
    unseen = ["zorbification of the cats", "qwxyzt"]
    static = StaticEmbedding(fasttext.vectors_).fit(texts)
    np.testing.assert_array_equal(static.transform(unseen), fasttext.transform(unseen))
    assert np.abs(static.transform(unseen)[0]).sum() > 0
    assert static.unknown_token_rate(["zorbification qwxyzt"]) < 1.0


def test_unknown_tokens_are_left_out_and_rows_stay_finite(word_model, texts):
    static = StaticEmbedding(word_model.vectors_, norm="l2", pooling="sif").fit(texts)
    rows = static.transform(["", "qqqq zzzz", texts[0]])
    assert np.isfinite(rows).all()
    np.testing.assert_array_equal(rows[:2], 0)
    np.testing.assert_allclose(np.linalg.norm(rows[2]), 1, rtol=1e-6)
    assert static.unknown_token_rate(["qqqq the"]) == 0.5


def test_input_tokens(word_model, texts):
    split = [text.lower().split() for text in texts[:30]]
    static = StaticEmbedding(word_model.vectors_, input="tokens").fit(split)
    expected = StaticEmbedding(word_model.vectors_, tokenizer=str.split).fit(
        [" ".join(doc) for doc in split])
    np.testing.assert_array_equal(static.transform(split), expected.transform(
        [" ".join(doc) for doc in split]))


def test_errors_name_the_problem(word_model, wordpiece_model, texts):
    with pytest.raises(ValueError, match="none of the .* tokens of X is in the pretrained"):
        StaticEmbedding(word_model.vectors_).fit(["qqqq zzzz"])
    with pytest.raises(ValueError, match="tokenizer='bpe' would train a new subword"):
        StaticEmbedding(word_model.vectors_, tokenizer="bpe").fit(texts)
    with pytest.raises(InvalidParameterError, match="'vectors' parameter"):
        StaticEmbedding(42).fit(texts)
    with pytest.raises(ValueError, match="got a single str"):
        StaticEmbedding(word_model.vectors_).fit("one document")
    with pytest.raises(FileNotFoundError):
        StaticEmbedding("no/such/vectors.npz").fit(texts)


def test_unfitted_estimator_as_vectors_says_how_to_pass_it(word_model, texts):
    # clone unfits an estimator given as a parameter, as GridSearchCV does.
    cloned = clone(StaticEmbedding(word_model))
    with pytest.raises(NotFittedError, match="FrozenEstimator"):
        cloned.fit(texts)
    search = GridSearchCV(
        make_pipeline(StaticEmbedding(FrozenEstimator(word_model)),
                      LogisticRegression(max_iter=200)),
        {"staticembedding__pooling": ["mean", "sif"]}, cv=2)
    _, labels = load_fortunes(subset="train", return_X_y=True)
    search.fit(texts, labels[:400])
    assert search.best_params_["staticembedding__pooling"] in ("mean", "sif")


def test_clone_shares_vectors_and_failed_fit_leaves_nothing(word_model, texts):
    static = StaticEmbedding(word_model.vectors_).fit(texts)
    assert clone(static).vectors is word_model.vectors_
    with pytest.raises(ValueError):
        static.fit(["qqqq"])
    assert not [name for name in vars(static) if name.endswith("_")]


def test_pickle_in_a_fresh_process(wordpiece_model, texts, tmp_path):
    static = StaticEmbedding(wordpiece_model.vectors_, pooling="sif").fit(texts)
    assert_same_rows_in_a_fresh_process(static, texts[:20], tmp_path)


def test_native_file_refuses_a_bad_tokenizer_member(wordpiece_model, tmp_path):
    save(wordpiece_model, tmp_path / "good.npz")
    with zipfile.ZipFile(tmp_path / "good.npz") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for name, data, message in [
        ("tokenizer.json", b"{not json", "member tokenizer.json: not a tokenizers model"),
        ("meta.json", json.dumps({**json.loads(members["meta.json"]),
                                  "tokenizer": {"lowercase": "yes"}}).encode(),
         "member meta.json: tokenizer must be an object"),
    ]:
        with zipfile.ZipFile(tmp_path / "bad.npz", "w") as archive:
            for member, content in members.items():
                archive.writestr(member, data if member == name else content)
        with pytest.raises(ValueError, match=message):
            load(tmp_path / "bad.npz")


def test_plain_vectors_save_no_tokenizer(tmp_path):
    vectors = Vectors(["a", "b"], np.eye(2), analyzer=str.split)
    save(vectors, tmp_path / "plain.npz")
    with zipfile.ZipFile(tmp_path / "plain.npz") as archive:
        assert "tokenizer.json" not in archive.namelist()
    assert load(tmp_path / "plain.npz").analyzer is None


def test_a_padding_tokenizer_file_neither_pads_nor_cuts_documents(wordpiece_model, texts,
                                                                  tmp_path):
    # Transformer tokenizer files often pad and truncate to a fixed length
    # (all-MiniLM-L6-v2's: 128); a document's tokens must not hold [PAD] or stop there.
    tokenizer = wordpiece_model.tokenizer_
    padded = type(tokenizer).from_str(tokenizer.to_str())
    padded.enable_padding(length=64, pad_token="[UNK]")
    padded.enable_truncation(max_length=8)
    padded.save(str(tmp_path / "tokenizer.json"))
    long_text = " ".join(texts[:3])
    expected = wordpiece_model.build_analyzer()(long_text)
    assert len(expected) > 64
    for given in (padded, str(tmp_path / "tokenizer.json")):
        static = StaticEmbedding(wordpiece_model.vectors_, tokenizer=given).fit(texts)
        assert static.build_analyzer()(long_text) == expected
    assert padded.padding is not None  # the given object is left as it was


def test_a_stored_tokenizer_that_truncates_cuts_nothing(wordpiece_model, texts, tmp_path):
    from skembed._tokenize import DocumentAnalyzer

    tokenizer = type(wordpiece_model.tokenizer_).from_str(wordpiece_model.tokenizer_.to_str())
    tokenizer.enable_truncation(max_length=4)
    vectors = Vectors(wordpiece_model.vectors_.tokens, wordpiece_model.vectors_.vectors,
                      analyzer=DocumentAnalyzer(tokenizer))
    long_text = " ".join(texts[:2])
    expected = wordpiece_model.build_analyzer()(long_text)
    assert len(expected) > 4
    assert StaticEmbedding(vectors).fit(texts).build_analyzer()(long_text) == expected
    save(vectors, tmp_path / "truncating.npz")
    assert load(tmp_path / "truncating.npz").analyzer.tokenizer_.truncation is None
    assert StaticEmbedding(tmp_path / "truncating.npz").fit(texts).build_analyzer()(
        long_text) == expected


def test_failed_refit_leaves_no_feature_names(word_model, texts):
    static = StaticEmbedding(word_model.vectors_).fit(texts)
    assert len(static.get_feature_names_out()) == 16
    with pytest.raises(FileNotFoundError):
        static.set_params(vectors="no/such/vectors.txt").fit(texts)
    with pytest.raises(NotFittedError):
        static.get_feature_names_out()
