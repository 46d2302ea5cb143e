"""The built-in dataset ships inside the package and matches its documentation."""

import numpy as np
import pytest

from skembed.datasets import load_analogy_questions, load_fortunes, load_wordnet_glosses


def test_load_fortunes_splits_and_labels():
    train = load_fortunes()
    test_texts, test_labels = load_fortunes(subset="test", return_X_y=True)
    assert len(train.data) == 5685 and len(test_texts) == 1421
    assert len(train.target_names) == 18 and "startrek" in train.target_names
    assert set(test_labels) == set(train.target_names)
    assert isinstance(train.target, np.ndarray) and len(train.target) == len(train.data)
    assert all(isinstance(text, str) and text and "\t" not in text for text in train.data)
    assert "BSD" in train.DESCR
    # The split is disjoint and "all" is train followed by test.
    assert not set(train.data) & set(test_texts)
    everything, _ = load_fortunes(subset="all", return_X_y=True)
    assert everything == train.data + test_texts
    # Majority class share on test, as the README states.
    values, counts = np.unique(test_labels, return_counts=True)
    assert values[counts.argmax()] == "computers"
    assert counts.max() / len(test_labels) == pytest.approx(0.148, abs=1e-3)


def test_load_fortunes_rejects_unknown_subset():
    with pytest.raises(ValueError, match="subset must be one of"):
        load_fortunes(subset="validation")


def test_wordnet_glosses_ship_with_their_licence():
    glosses = load_wordnet_glosses()
    assert len(glosses) == 117_659 and all(glosses[:1000])
    path = load_wordnet_glosses(as_path=True)
    assert path.name == "wordnet_glosses.txt.gz" and path.is_file()
    licence = (path.parent / "LICENSE-WordNet.txt").read_text(encoding="utf-8")
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in licence
    # The path streams into an estimator as input="filename".
    from skembed import OneHotWordEncoder

    encoder = OneHotWordEncoder(input="filename", min_count=50).fit([path])
    assert 1000 < len(encoder.vocabulary_) < 20_000 and "entity" in encoder.vocabulary_


def test_analogy_questions_read_by_the_evaluator():
    from skembed.evaluation import read_analogies

    lines = load_analogy_questions()
    questions = read_analogies(load_analogy_questions(as_path=True))
    assert len(questions) == 19_544 == len(read_analogies(lines))
    assert len({section for section, *_ in questions}) == 14
    assert questions[0] == ("capital-common-countries", "Athens", "Greece", "Baghdad", "Iraq")
