"""The argument bundles of the training kernels.

An epoch kernel needs some thirty arrays and scalars. Passed one by one, a parameter can
silently fall out of a call chain (FastText's ``cbow_agg`` once did); grouped in named
tuples, each call passes a handful of bundles whose fields are read by name. numba
compiles a named tuple as a plain struct, so reading a field costs nothing in the hot
loops, and cached kernels load as before.

Every field has one type (the drivers build the bundles with the constructors below), so
each kernel compiles once.
"""

from collections import namedtuple

import numpy as np

TrainingCorpus = namedtuple(
    "TrainingCorpus",
    ["ids", "sentence_offsets", "block_bounds", "block_token_starts", "n_tokens", "keep_prob"],
)
TrainingCorpus.__doc__ = """The encoded corpus cut into sentences and work blocks.

``ids`` (int32) are known token ids; sentence ``s`` is ``ids[sentence_offsets[s]:
sentence_offsets[s + 1]]``; block ``b`` holds sentences ``block_bounds[b]`` to
``block_bounds[b + 1] - 1`` and starts ``block_token_starts[b]`` tokens into the corpus of
``n_tokens`` tokens; ``keep_prob`` (float64) is each token's sub-sampling keep probability.
"""

OutputLayer = namedtuple(
    "OutputLayer",
    ["weights", "hierarchical", "negative", "accept", "alias", "codes", "points", "lengths"],
)
OutputLayer.__doc__ = """The output layer and the tables its objective samples from.

``weights`` (float32) has one row per token (negative sampling) or per inner node of the
Huffman tree (``hierarchical``). Negative sampling draws ``negative`` noise tokens from
the Walker alias table ``accept``/``alias``; hierarchical softmax follows ``codes`` and
``points`` (``lengths`` long) of each token.
"""

ContextWindow = namedtuple("ContextWindow", ["window", "shrink", "cbow_mean", "batch_windows"],
                           defaults=(False,))
ContextWindow.__doc__ = """Which tokens are context: up to ``window`` on each side (drawn
from 1 to ``window`` per center when ``shrink``); CBOW averages them if ``cbow_mean``, else
sums them; skip-gram trains each window's pairs as one minibatch step if
``batch_windows`` (negative sampling only)."""

LinearSchedule = namedtuple(
    "LinearSchedule", ["alpha_start", "alpha_end", "epoch", "epochs", "seeds", "compute_loss"]
)
LinearSchedule.__doc__ = """One epoch of a learning rate decaying linearly from
``alpha_start`` to ``alpha_end`` over all ``epochs`` epochs' tokens, with one random seed
per work block (``seeds``, uint64) and whether to compute the loss."""

BlockStats = namedtuple("BlockStats", ["loss", "examples"])
BlockStats.__doc__ = """Per-block results of an epoch: summed loss (float64) and number of
training examples (int64)."""

Subwords = namedtuple("Subwords", ["offsets", "rows", "mean_shift"])
Subwords.__doc__ = """fastText's input rows of each word: ``rows[offsets[w]:offsets[w + 1]]``
(int32) are word ``w``'s own row and its n-gram rows; ``mean_shift[w]`` (float32) is how far
their mean moves when the same gradient is added to each of them."""

DocumentInputs = namedtuple(
    "DocumentInputs",
    ["tokens", "token_offsets", "sub_offsets", "sub_rows", "ngrams", "ngram_offsets"],
)
DocumentInputs.__doc__ = """The input rows of each document of a supervised model.

Document ``d`` has the tokens ``tokens[token_offsets[d]:token_offsets[d + 1]]`` (int32);
token ``t`` reads the input rows ``sub_rows[sub_offsets[t]:sub_offsets[t + 1]]`` (its own
row, then its character n-gram rows; an unseen token has only n-gram rows, maybe none);
the document's word n-grams read the rows ``ngrams[ngram_offsets[d]:ngram_offsets[d +
1]]``. The document's hidden vector is the mean of all those rows."""

ClassifierOutput = namedtuple(
    "ClassifierOutput", ["weights", "loss", "codes", "points", "lengths"]
)
ClassifierOutput.__doc__ = """The output layer of a supervised model.

``weights`` (float32) has one row per class (``loss`` SOFTMAX or ONE_VS_ALL) or per inner
node of the Huffman tree over the classes (HIERARCHICAL, whose paths are ``codes``,
``points`` and ``lengths`` as for word2vec); its last column is the bias, which meets
a constant appended to the hidden vector (1 when the bias is fitted, else 0)."""

ClassTargets = namedtuple("ClassTargets", ["labels", "indicator", "multilabel", "weights"])
ClassTargets.__doc__ = """What each training document should predict: its class ``labels``
(int32), or with ``multilabel`` the rows of ``indicator`` (uint8, documents x classes);
``weights`` (float32) scale each document's gradient (class and sample weights)."""

DocumentSchedule = namedtuple(
    "DocumentSchedule",
    ["alpha", "epoch", "epochs", "order", "block_bounds", "private_output", "fit_intercept",
     "compute_loss"],
)
DocumentSchedule.__doc__ = """One epoch over the training documents in the order ``order``
(int64), cut into blocks at ``block_bounds`` (positions in ``order``). The learning rate
decays linearly from ``alpha`` to 0 over all ``epochs`` epochs' documents. With
``private_output`` (several workers), each block trains a private copy of the output layer
and adds its change to the shared one when the block ends. Without ``fit_intercept`` the
bias column of the output layer is neither read nor trained."""

DocumentLayer = namedtuple(
    "DocumentLayer", ["weights", "sentence_documents", "train_words", "learn_words"]
)
DocumentLayer.__doc__ = """The paragraph vectors of Doc2Vec: ``weights`` (float32) has one
row per document; sentence ``s`` of the training corpus belongs to document
``sentence_documents[s]`` (int64; a long document is cut into several sentences that share
its row). PV-DBOW also trains skip-gram word pairs when ``train_words``; word vectors
change only when ``learn_words`` (False keeps pretrained words frozen)."""

InferenceSchedule = namedtuple(
    "InferenceSchedule", ["alpha", "min_alpha", "epochs", "seed", "dm"]
)
InferenceSchedule.__doc__ = """How new documents' vectors are inferred: ``epochs`` passes over
each document, the rate decaying linearly from ``alpha`` to ``min_alpha`` over them, every
random draw from a state derived from the document's tokens and ``seed`` (uint64), PV-DM
when ``dm`` else PV-DBOW."""

GloveEntries = namedtuple("GloveEntries", ["rows", "cols", "log_x", "weight", "block_bounds"])
GloveEntries.__doc__ = """The non-zero co-occurrence entries scattered into training blocks:
entry ``e`` is ``(rows[e], cols[e])`` with ``log_x[e]`` and weight ``weight[e]``; block ``b``
is entries ``block_bounds[b]`` to ``block_bounds[b + 1] - 1``."""


def training_corpus(ids, blocks, keep_prob):
    """Bundle the corpus ids, their ``WorkBlocks`` and keep probabilities.

    Parameters
    ----------
    ids : ndarray of int32
        Known token ids.
    blocks : WorkBlocks
        Sentences and blocks over ``ids``.
    keep_prob : ndarray of float64
        Sub-sampling keep probability of each token.

    Returns
    -------
    TrainingCorpus
    """
    return TrainingCorpus(ids, blocks.sentence_offsets, blocks.block_bounds,
                          blocks.block_token_starts, int(blocks.n_tokens),
                          np.asarray(keep_prob, dtype=np.float64))


def block_stats(n_blocks):
    """Return zeroed per-block results for ``n_blocks`` blocks.

    Parameters
    ----------
    n_blocks : int
        Number of work blocks.

    Returns
    -------
    BlockStats
    """
    return BlockStats(np.zeros(n_blocks), np.zeros(n_blocks, dtype=np.int64))
