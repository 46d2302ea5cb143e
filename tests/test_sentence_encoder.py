import pickle
import shutil
import sys

import numpy as np
import pytest
from conftest import assert_same_rows_in_a_fresh_process
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline, make_union
from tiny_teacher import build_tiny_teacher

from skembed import SentenceEncoder
from skembed._compat import InvalidParameterError
from skembed.datasets import load_fortunes, load_wordnet_glosses


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    folder = tmp_path_factory.mktemp("teacher")
    build_tiny_teacher(folder, load_wordnet_glosses()[:3000], vocab_size=500, max_length=24)
    return str(folder)


@pytest.fixture(scope="module")
def labelled():
    texts, labels = load_fortunes(subset="train", return_X_y=True)
    return list(texts[:200]), labels[:200]


def test_model_is_loaded_in_fit_not_in_the_constructor(tmp_path):
    encoder = SentenceEncoder(tmp_path / "missing")  # no error yet
    with pytest.raises(ValueError, match="never downloads"):
        encoder.fit()
    with pytest.raises(ValueError, match="never downloads"):
        SentenceEncoder("sentence-transformers/all-MiniLM-L6-v2").fit(["a text"])
    with pytest.raises(NotFittedError):
        SentenceEncoder(tmp_path).transform(["a text"])


def test_rows_shape_norm_and_feature_names(teacher, labelled):
    texts, _ = labelled
    encoder = SentenceEncoder(teacher).fit(texts)
    rows = encoder.transform(texts[:10])
    assert rows.shape == (10, 32) and rows.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1, rtol=1e-5)
    raw = SentenceEncoder(teacher, normalize=False).fit().transform(texts[:10])
    np.testing.assert_allclose(raw / np.linalg.norm(raw, axis=1, keepdims=True), rows,
                               rtol=1e-5, atol=1e-6)
    names = encoder.get_feature_names_out()
    assert list(names[:2]) == ["sentenceencoder0", "sentenceencoder1"] and len(names) == 32
    assert encoder.backend_ == "numpy" and encoder.max_length_ == 24
    # Batching and order do not change a document's row.
    np.testing.assert_allclose(SentenceEncoder(teacher, batch_size=1).fit().transform(
        texts[9::-1]), rows[::-1], rtol=1e-5, atol=1e-6)


def test_long_documents_are_cut_and_counted(teacher, labelled, capsys):
    texts, _ = labelled
    long_text = " ".join(texts[:5])
    encoder = SentenceEncoder(teacher, max_length=8, verbose=1).fit()
    rows = encoder.transform([long_text, "short", long_text + " more words at the end"])
    output = capsys.readouterr().out
    assert "2 of 3 documents were longer than max_length=8 word pieces" in output
    assert "[SentenceEncoder] encoding" in output
    # Only the first 8 pieces count: the ends of the two long texts make no difference.
    np.testing.assert_allclose(rows[0], rows[2], rtol=1e-6)
    with pytest.raises(ValueError, match="max_length=100 is more than the 24 word pieces"):
        SentenceEncoder(teacher, max_length=100).fit()


def test_pickle_keeps_the_path_and_checks_the_weights(teacher, labelled, tmp_path):
    texts, _ = labelled
    folder = tmp_path / "copy"
    shutil.copytree(teacher, folder)
    encoder = SentenceEncoder(str(folder)).fit()
    expected = encoder.transform(texts[:5])
    data = pickle.dumps(encoder)
    assert len(data) < 10_000  # the path and a fingerprint, not the weights
    np.testing.assert_array_equal(pickle.loads(data).transform(texts[:5]), expected)
    assert "_loaded" not in vars(clone(encoder))
    assert_same_rows_in_a_fresh_process(encoder, texts[:5], tmp_path)
    # Other weights in the folder: refused, not silently used.
    build_tiny_teacher(folder, load_wordnet_glosses()[:3000], vocab_size=500, max_length=24,
                       seed=1)
    with pytest.raises(ValueError, match="changed since this encoder was fitted"):
        pickle.loads(data).transform(texts[:5])


def test_in_a_pipeline_union_and_cross_validation(teacher, labelled):
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts, labels = labelled
    union = make_union(TfidfVectorizer(), SentenceEncoder(teacher))
    pipeline = make_pipeline(union, LogisticRegression(max_iter=500))
    scores = cross_val_score(pipeline, texts, labels, cv=2)
    assert scores.shape == (2,) and np.isfinite(scores).all()


def test_errors(teacher):
    with pytest.raises(InvalidParameterError, match="'batch_size' parameter"):
        SentenceEncoder(teacher, batch_size=0).fit()
    with pytest.raises(InvalidParameterError, match="'backend' parameter"):
        SentenceEncoder(teacher, backend="onnx").fit()
    with pytest.raises(ValueError, match="single str"):
        SentenceEncoder(teacher).fit().transform("one text")
    with pytest.raises(TypeError, match="document 1"):
        SentenceEncoder(teacher).fit(["fine", None])


def test_missing_extra_names_it(teacher, monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # the import fails
    with pytest.raises(ImportError, match=r"skembed\[transformers\]"):
        SentenceEncoder(teacher, backend="sentence-transformers").fit()


def test_rows_equal_sentence_transformers_encode(teacher, labelled):
    st = pytest.importorskip("sentence_transformers",
                             reason="needs the transformers extra (sentence-transformers)")
    texts, _ = labelled
    expected = st.SentenceTransformer(teacher, device="cpu", local_files_only=True).encode(
        texts[:40], batch_size=8, convert_to_numpy=True)
    for backend in ("numpy", "sentence-transformers"):
        rows = SentenceEncoder(teacher, backend=backend).fit().transform(texts[:40])
        np.testing.assert_allclose(rows, expected, atol=1e-5)
