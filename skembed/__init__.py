"""scikit-learn compatible word-embedding transformers."""

from importlib.metadata import PackageNotFoundError, version

from ._classifier import FastTextClassifier
from ._distill import distill
from ._doc2vec import Doc2VecTransformer
from ._fasttext import FastTextTransformer, FastTextVectors
from ._glove import GloVeTransformer
from ._onehot import OneHotWordEncoder
from ._sentence_encoder import SentenceEncoder
from ._static import StaticEmbedding
from ._vectors import Vectors
from ._word2vec import Word2VecTransformer

try:
    __version__ = version("skembed")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Doc2VecTransformer",
    "FastTextClassifier",
    "FastTextTransformer",
    "FastTextVectors",
    "GloVeTransformer",
    "OneHotWordEncoder",
    "SentenceEncoder",
    "StaticEmbedding",
    "Vectors",
    "Word2VecTransformer",
    "__version__",
    "distill",
]
