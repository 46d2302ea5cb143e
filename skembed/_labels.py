"""Class labels of a supervised model: checking, encoding, weights and the class tree."""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, column_or_1d

from ._vocab import huffman_tree


@dataclass(frozen=True)
class EncodedTargets:
    """Training targets as the kernels read them.

    Attributes
    ----------
    classes : ndarray
        The class labels, sorted (for a multi-label ``y``, the column numbers).
    labels : ndarray of int32
        Index in ``classes`` of each document's class (zeros for a multi-label ``y``).
    indicator : ndarray of uint8 of shape (n_documents, n_classes) or None
        The multi-label indicator matrix (None for one label per document).
    """

    classes: np.ndarray
    labels: np.ndarray
    indicator: np.ndarray = None

    @property
    def multilabel(self):
        """Whether each document may have several labels."""
        return self.indicator is not None

    @property
    def n_documents(self):
        """Number of documents."""
        return len(self.labels)

    def class_count(self):
        """Return the number of training documents of each class."""
        if self.multilabel:
            return self.indicator.sum(axis=0, dtype=np.int64)
        return np.bincount(self.labels, minlength=len(self.classes)).astype(np.int64)

    def subset(self, documents):
        """Return the targets of the documents at the given positions."""
        return EncodedTargets(self.classes, self.labels[documents],
                              None if self.indicator is None else self.indicator[documents])


def encode_targets(y, *, loss, estimator_name):
    """Check ``y`` as scikit-learn's classifiers do and encode it.

    Parameters
    ----------
    y : array-like of shape (n_documents,) or (n_documents, n_labels)
        Class labels (str, int or any sortable type), or a binary indicator matrix of
        labels (multi-label, ``loss="ova"`` only).
    loss : {"softmax", "hs", "ova"}
        The output layer.
    estimator_name : str
        Named in errors.

    Returns
    -------
    EncodedTargets
    """
    if y is None:
        raise ValueError(f"{estimator_name} requires y to be passed, but the target y is None")
    y = check_array(y, ensure_2d=False, dtype=None, accept_sparse="csr", input_name="y")
    if y.dtype == object:
        # scikit-learn would sort the labels and fail with a bare "'<' not supported".
        try:
            sorted(set(y.ravel().tolist()))
        except TypeError:
            types = sorted({type(label).__name__ for label in y.ravel().tolist()})
            raise TypeError(
                f"y mixes labels of types {types} that cannot be sorted together; give "
                "labels of one type"
            ) from None
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    kind = type_of_target(y, input_name="y")
    if kind == "multilabel-indicator":
        if loss != "ova":
            raise ValueError(
                f"y is a multi-label indicator matrix ({y.shape[1]} labels); only loss='ova' "
                f"(one-vs-all) trains several labels per document, not loss={loss!r}"
            )
        indicator = (y.toarray() if sp.issparse(y) else np.asarray(y)) != 0
        return EncodedTargets(np.arange(y.shape[1]), np.zeros(y.shape[0], dtype=np.int32),
                              indicator.astype(np.uint8))
    check_classification_targets(y)
    if y.ndim != 1:
        raise ValueError(
            f"y has shape {y.shape}: give one label per document (1-D), or a binary "
            "indicator matrix of labels with loss='ova'"
        )
    # Labels of types that do not sort together were refused above ("unknown" target).
    classes, labels = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            f"{estimator_name} needs samples of at least 2 classes in the data, but the data "
            f"contains only one class: {classes.tolist()[0]!r}"
        )
    return EncodedTargets(classes, labels.astype(np.int32).ravel())


def document_weights(targets, class_weight, sample_weight):
    """Return the weight of each training document: class weight times sample weight.

    Parameters
    ----------
    targets : EncodedTargets
        The encoded ``y``.
    class_weight : dict, "balanced" or None
        As in scikit-learn (single-label ``y`` only).
    sample_weight : array-like of shape (n_documents,) or None
        Non-negative, finite weights.

    Returns
    -------
    ndarray of float32 of shape (n_documents,)
    """
    n = targets.n_documents
    weights = np.ones(n, dtype=np.float64)
    if sample_weight is not None:
        sample_weight = check_array(sample_weight, ensure_2d=False, dtype=np.float64,
                                    input_name="sample_weight")
        if sample_weight.shape != (n,):
            raise ValueError(
                f"sample_weight has shape {sample_weight.shape}; expected ({n},), one weight "
                "per document"
            )
        if (sample_weight < 0).any():
            first = int(np.flatnonzero(sample_weight < 0)[0])
            raise ValueError(
                f"sample_weight must be non-negative; document {first} has "
                f"{sample_weight[first]}"
            )
        if not sample_weight.any():
            raise ValueError(
                "sample_weight is zero for every document: there is nothing to learn from; "
                "give at least one document a positive weight"
            )
        weights *= sample_weight
    if class_weight is not None:
        if targets.multilabel:
            raise ValueError(
                "class_weight applies to one label per document; with a multi-label y, "
                "weight documents with sample_weight instead"
            )
        per_class = compute_class_weight(class_weight, classes=targets.classes,
                                         y=targets.classes[targets.labels])
        weights *= per_class[targets.labels]
    return weights.astype(np.float32)


def class_tree(class_count):
    """Huffman codes and paths of each class, for the hierarchical softmax.

    Parameters
    ----------
    class_count : ndarray of int64 of shape (n_classes,)
        Training documents per class, in class order.

    Returns
    -------
    codes, points, lengths : ndarray
        As ``skembed._vocab.huffman_tree`` returns them, indexed by class.
    """
    by_frequency = np.argsort(-np.asarray(class_count), kind="stable")
    codes, points, lengths = huffman_tree(np.asarray(class_count)[by_frequency])
    rank = np.empty(len(by_frequency), dtype=np.int64)
    rank[by_frequency] = np.arange(len(by_frequency))
    return codes[rank], points[rank], lengths[rank]
