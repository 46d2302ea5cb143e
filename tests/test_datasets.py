"""The built-in dataset ships inside the package and matches its documentation."""

import numpy as np
import pytest

from skembed.datasets import load_fortunes


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
