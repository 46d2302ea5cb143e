"""Property-based checks over arbitrary Unicode text (hypothesis)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skembed import OneHotWordEncoder

documents = st.lists(st.text(max_size=60), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(train=documents, test=documents)
def test_onehot_on_arbitrary_unicode(train, test):
    encoder = OneHotWordEncoder(binary=False)
    try:
        encoder.fit(train)
    except ValueError as error:
        # Only an honest "nothing to learn" is acceptable, and then nothing is fitted.
        assert "contain no tokens" in str(error)
        assert not hasattr(encoder, "vocabulary_")
        return
    X = encoder.transform(test)
    assert X.shape == (len(test), len(encoder.vocabulary_))
    assert np.isfinite(X.data).all()
    analyzer = encoder.build_analyzer()
    for row, doc in zip(X, test, strict=True):
        known = [t for t in analyzer(doc) if t in encoder.vocabulary_]
        assert row.sum() == len(known)
    # Every training token is in the vocabulary with its count.
    total = sum(len(analyzer(doc)) for doc in train)
    assert encoder.counts_.sum() == total


@pytest.mark.parametrize("kind", ["bpe", "wordpiece", "unigram"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(train=documents, test=documents)
def test_subword_tokenizers_on_arbitrary_unicode(kind, train, test):
    encoder = OneHotWordEncoder(tokenizer=kind, subword_vocab_size=100)
    try:
        encoder.fit(train)
    except ValueError as error:
        assert "contain no tokens" in str(error)
        return
    X = encoder.transform(test)
    assert X.shape == (len(test), len(encoder.vocabulary_))
