"""The shared labelled sets as the benchmarks read them, and how they score a model."""

import gzip


def read_split(path, limit=None):
    """Read one split (``label<TAB>text`` lines, gzip); return (texts, labels).

    Parameters
    ----------
    path : path-like
        ``train.tsv.gz`` or ``test.tsv.gz`` of a set in ``../shared/data/classification``.
    limit : int or None, default=None
        Read only the first ``limit`` texts.

    Returns
    -------
    texts, labels : list of str
    """
    labels, texts = [], []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if limit is not None and len(texts) == limit:
                break
            label, tab, text = line.rstrip("\n").partition("\t")
            if not tab:
                raise ValueError(f"{path}, line {number}: expected label<TAB>text")
            labels.append(label)
            texts.append(text)
    return texts, labels


def accuracy_and_f1(y_true, y_pred):
    """Return (accuracy, macro-F1) of predictions."""
    from sklearn.metrics import accuracy_score, f1_score

    return accuracy_score(y_true, y_pred), f1_score(y_true, y_pred, average="macro")
