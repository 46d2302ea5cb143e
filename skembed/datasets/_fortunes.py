"""The fortunes dataset: fortune-cookie texts labelled with their topic file."""

from importlib.resources import as_file, files

import numpy as np
from sklearn.utils import Bunch

from .._files import iter_lines

_SUBSETS = ("train", "test", "all")


def _read_split(name):
    resource = files("skembed.datasets").joinpath("data", "fortunes", f"{name}.tsv.gz")
    labels, texts = [], []
    with as_file(resource) as path:
        for number, line in enumerate(iter_lines(path), start=1):
            label, sep, text = line.partition("\t")
            if not sep:
                raise ValueError(f"{name}.tsv.gz, line {number}: no tab between label and text")
            labels.append(label)
            texts.append(text)
    return texts, labels


def load_fortunes(*, subset="train", return_X_y=False):
    """Load the fortunes text-classification dataset (18 topics, 7,106 texts).

    Fortune-cookie texts (quotes, jokes, short poems, with their attribution lines) from
    the Debian ``fortunes`` packages, labelled with the topic file they come from
    (``computers``, ``politics``, ``startrek``, ...). The split into train (5,685 texts)
    and test (1,421) is fixed and stratified. Shipped inside the package; no download.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        Which part to load; ``"all"`` is train followed by test.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (list of str), ``target`` (ndarray of str labels), ``target_names``
        (sorted labels) and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Notes
    -----
    Majority-class accuracy on the test part is 0.148 and ``TfidfVectorizer`` +
    ``LogisticRegression`` reaches 0.554. Licence: BSD (fortune-mod, Debian main); the
    quotations have many authors. See ``data/fortunes/README.md`` in the package.

    Examples
    --------
    >>> from skembed.datasets import load_fortunes
    >>> texts, labels = load_fortunes(subset="test", return_X_y=True)
    >>> len(texts), len(set(labels))
    (1421, 18)
    """
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be one of {list(_SUBSETS)}, got {subset!r}")
    texts, labels = [], []
    for name in ("train", "test") if subset == "all" else (subset,):
        part_texts, part_labels = _read_split(name)
        texts += part_texts
        labels += part_labels
    target = np.asarray(labels, dtype=object)
    if return_X_y:
        return texts, target
    readme = files("skembed.datasets").joinpath("data", "fortunes", "README.md").read_text(
        encoding="utf-8"
    )
    return Bunch(
        data=texts, target=target, target_names=sorted(set(labels)), DESCR=readme
    )
