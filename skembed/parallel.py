"""Transform large document collections on a Dask cluster.

A fitted skembed estimator is a plain picklable object whose ``transform`` is a pure
function of the documents, so a collection too large for one process can be cut into
partitions and transformed on many. [`dask_transform`][skembed.parallel.dask_transform]
does that for a ``dask.bag.Bag`` of documents or a ``dask.dataframe`` column of text: the estimator
travels to each worker once (not once per partition), each partition becomes a block of
rows, and the blocks come back in partition order as a ``dask.array.Array``, so the
computed result is exactly what ``estimator.transform`` gives on the whole collection.

Dask is not a dependency of skembed: install ``dask[array,bag]`` (and ``distributed`` for a
cluster) to use this module.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["dask_transform"]


def _transform_partition(estimator, documents, empty=None):
    """Transform one partition (a list from a bag, a Series from a dataframe).

    An empty partition (common after a filter) gives ``empty``, the zero-row block of the
    output type, since not every pipeline step accepts zero rows.
    """
    documents = list(documents)
    if not documents and empty is not None:
        return empty
    rows = estimator.transform(documents)
    if hasattr(rows, "to_numpy"):  # set_output(transform="pandas")
        rows = rows.to_numpy()
    return rows


def dask_transform(estimator, documents, *, client=None):
    """Transform each partition of a Dask collection of documents on the cluster.

    Parameters
    ----------
    estimator : fitted skembed estimator
        Any fitted skembed transformer (or a fitted scikit-learn ``Pipeline`` of them).
    documents : dask.bag.Bag or dask.dataframe.Series
        The documents, as ``estimator.transform`` expects them (raw text, or lists of
        tokens with ``input="tokens"``). A bag's partitions or a column's partitions are
        transformed independently.
    client : distributed.Client or None, default=None
        A cluster to broadcast the estimator to before computing: every worker gets a
        copy up front. With None the estimator is put in the task graph once, and
        whichever scheduler computes the result (the default distributed client if one
        is running, else Dask's local scheduler) moves it to the workers that need it.

    Returns
    -------
    dask.array.Array of shape (n_documents, n_features)
        One block of rows per partition, in partition order, lazily; the number of rows
        per block is unknown until computed (``compute_chunk_sizes`` finds it). Dense
        estimators give float32 blocks, ``OneHotWordEncoder`` scipy.sparse CSR blocks.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted (checked here, before anything is sent).
    TypeError
        If ``documents`` is neither a Dask bag nor a Dask dataframe column.

    Examples
    --------
    >>> import dask.bag as db
    >>> from skembed import Word2VecTransformer
    >>> from skembed.parallel import dask_transform
    >>> texts = ["the cat sat on the mat", "the dog sat on the log"] * 50
    >>> model = Word2VecTransformer(vector_size=8, min_count=1, random_state=0).fit(texts)
    >>> rows = dask_transform(model, db.from_sequence(texts, npartitions=4))
    >>> rows.compute().shape
    (100, 8)
    """
    import dask
    import dask.array as da

    check_is_fitted(estimator)
    ndim = getattr(documents, "ndim", 1)
    if ndim == 2:
        raise TypeError(
            "documents is a dask DataFrame; pass its text column, e.g. frame['text']")
    if not hasattr(documents, "to_delayed") or ndim != 1:
        raise TypeError(
            "documents must be a dask.bag.Bag or a dask.dataframe column (Series) of "
            f"documents, got {type(documents).__name__}"
        )
    if client is not None:
        # One copy per worker, sent up front; every partition task refers to it.
        shared = client.scatter(estimator, broadcast=True, hash=False)
    else:
        shared = dask.delayed(estimator, pure=True)

    meta = _output_meta(estimator)
    width = meta.shape[1]
    blocks = [
        da.from_delayed(dask.delayed(_transform_partition, pure=True)(shared, part, meta),
                        shape=(np.nan, width), dtype=meta.dtype, meta=meta)
        for part in documents.to_delayed()
    ]
    if not blocks:
        return da.zeros((0, width), dtype=meta.dtype)
    return da.concatenate(blocks, axis=0)


def _output_meta(estimator):
    """Return an empty block of the output type and width (dense, or sparse CSR)."""
    # Zero documents, else one empty document (of text, then of tokens): pipelines whose
    # later steps refuse zero rows still accept an empty document.
    for probe in ([], [""], [[]]):
        try:
            rows = _transform_partition(estimator, probe)
        except (ValueError, TypeError):
            continue
        return rows.tocsr()[:0] if hasattr(rows, "tocsr") else np.asarray(rows)[:0]
    raise TypeError(
        f"cannot tell the output of {type(estimator).__name__}: it transforms neither an "
        "empty list of documents nor one empty document"
    )
