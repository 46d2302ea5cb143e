"""Batch transform on Dask: the same rows as one process, on a two-worker local cluster."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skembed import FastTextTransformer, OneHotWordEncoder, Word2VecTransformer
from skembed.datasets import load_fortunes

dask = pytest.importorskip("dask", reason="dask is needed for skembed.parallel (test extra)")
db = pytest.importorskip("dask.bag", reason="dask[bag] is needed for skembed.parallel")
from skembed.parallel import dask_transform  # noqa: E402

SMALL = {"vector_size": 16, "min_count": 2, "epochs": 1, "random_state": 0}


@pytest.fixture(scope="module")
def texts():
    return load_fortunes().data[:1500]


@pytest.fixture(scope="module")
def fitted(texts):
    return {
        "word2vec": Word2VecTransformer(**SMALL, pooling="tfidf").fit(texts),
        # Unseen words get n-gram vectors: documents the model never saw.
        "fasttext": FastTextTransformer(**SMALL, bucket=20_000).fit(texts[:700]),
        "onehot": OneHotWordEncoder(min_count=2).fit(texts),
    }


@pytest.fixture(scope="module")
def cluster_client():
    distributed = pytest.importorskip("distributed", reason="distributed is needed for a cluster")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=":0")
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def _same(actual, expected):
    if hasattr(expected, "toarray"):
        assert (actual != expected).nnz == 0
        assert actual.shape == expected.shape
    else:
        assert actual.dtype == expected.dtype
        np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("name", ["word2vec", "fasttext", "onehot"])
def test_local_scheduler_gives_the_single_process_rows(fitted, texts, name):
    model = fitted[name]
    bag = db.from_sequence(texts, npartitions=7)
    rows = dask_transform(model, bag)
    assert rows.numblocks == (bag.npartitions, 1) and bag.npartitions > 1
    result = rows.compute(scheduler="threads")
    if hasattr(result, "tocsr"):
        result = result.tocsr()
    _same(result, model.transform(texts))


@pytest.mark.integration
def test_two_worker_cluster_gives_exactly_the_single_process_rows(fitted, texts,
                                                                  cluster_client):
    pandas = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] for the column case")
    model = fitted["word2vec"]
    expected = model.transform(texts)

    rows = dask_transform(model, db.from_sequence(texts, npartitions=6), client=cluster_client)
    result = rows.compute()
    _same(result, expected)
    assert len(cluster_client.scheduler_info()["workers"]) == 2

    frame = dd.from_pandas(pandas.DataFrame({"text": texts}), npartitions=4)
    _same(dask_transform(model, frame["text"]).compute(), expected)  # default client
    _same(dask_transform(fitted["fasttext"], frame["text"]).compute(),
          fitted["fasttext"].transform(texts))


def test_clear_errors(fitted, texts):
    with pytest.raises(NotFittedError):
        dask_transform(Word2VecTransformer(), db.from_sequence(texts, npartitions=2))
    with pytest.raises(TypeError, match="dask.bag.Bag or a dask.dataframe column"):
        dask_transform(fitted["word2vec"], texts)
    pandas = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] for the frame case")
    frame = dd.from_pandas(pandas.DataFrame({"text": texts}), npartitions=2)
    with pytest.raises(TypeError, match=r"pass its text column, e.g. frame\['text'\]"):
        dask_transform(fitted["word2vec"], frame)
    empty = dask_transform(fitted["word2vec"], db.from_sequence([], npartitions=1))
    assert empty.compute().shape == (0, 16)


def test_empty_partitions_pipelines_and_pandas_output(fitted, texts):
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # A filter leaves some partitions empty; StandardScaler refuses zero rows.
    pipeline = make_pipeline(clone(fitted["word2vec"]), StandardScaler()).fit(texts)
    bag = (db.from_sequence(list(enumerate(texts)), npartitions=6)
           .filter(lambda pair: pair[0] < 200 or pair[0] >= 1300).map(lambda pair: pair[1]))
    kept = texts[:200] + texts[1300:]
    sizes = bag.map_partitions(lambda part: [len(list(part))]).compute()
    assert 0 in sizes and sum(sizes) == len(kept) > 0
    rows = dask_transform(pipeline, bag).compute(scheduler="threads")
    _same(rows, pipeline.transform(kept))

    pandas_model = clone(fitted["word2vec"]).set_output(transform="pandas").fit(texts)
    rows = dask_transform(pandas_model, db.from_sequence(texts[:300], npartitions=3))
    assert rows.dtype == np.float32
    np.testing.assert_array_equal(rows.compute(scheduler="threads"),
                                  pandas_model.transform(texts[:300]).to_numpy())
