"""Built-in unlabelled text and evaluation questions."""

from importlib.resources import as_file, files

from .._files import iter_lines


def _data_file(*parts):
    return files("skembed.datasets").joinpath("data", *parts)


def _read_lines(*parts):
    with as_file(_data_file(*parts)) as path:
        return list(iter_lines(path))


def _path(*parts):
    # Package data is a real file in every supported installation (not a zip import).
    with as_file(_data_file(*parts)) as path:
        return path


def load_wordnet_glosses(*, as_path=False):
    """Load the WordNet 3.0 glosses: unlabelled English text to train word vectors on.

    117,659 lines, one WordNet synset each (its lemmas, then its definition and
    examples), 1.77 million word tokens. Shipped inside the package; no download.

    Parameters
    ----------
    as_path : bool, default=False
        Return the path of the gzip'd text file (one document per line), for estimators
        with ``input="filename"``, which stream it, instead of the list of lines.

    Returns
    -------
    list of str or pathlib.Path
        The lines, or with ``as_path=True`` the path of the file.

    Notes
    -----
    Licence: the WordNet 3.0 licence (WordNet 3.0 Copyright 2006 by Princeton
    University), shipped beside the file as ``data/glosses/LICENSE-WordNet.txt``. On
    this text, Word2Vec with default settings reaches a WordSim-353 Spearman of about 0.4.

    Examples
    --------
    >>> from skembed.datasets import load_wordnet_glosses
    >>> glosses = load_wordnet_glosses()
    >>> len(glosses), glosses[1]
    (117659, 'physical entity: an entity that has physical existence')
    """
    if as_path:
        return _path("glosses", "wordnet_glosses.txt.gz")
    return _read_lines("glosses", "wordnet_glosses.txt.gz")


def load_analogy_questions(*, as_path=False):
    """Load the Google analogy questions (19,544 questions in 14 sections).

    Lines ``: section`` start a section; every other line is a question ``a b c d`` ("a
    is to b as c is to d"), as [`evaluate_analogies`][skembed.evaluation.evaluate_analogies]
    reads them.

    Parameters
    ----------
    as_path : bool, default=False
        Return the path of the gzip'd file instead of its lines.

    Returns
    -------
    list of str or pathlib.Path
        The lines, or with ``as_path=True`` the path of the file.

    Notes
    -----
    Published with the word2vec tool (Mikolov et al., 2013) under the Apache License 2.0.

    Examples
    --------
    >>> from skembed.datasets import load_analogy_questions
    >>> lines = load_analogy_questions()
    >>> lines[0], lines[1]
    (': capital-common-countries', 'Athens Greece Baghdad Iraq')
    """
    if as_path:
        return _path("analogies", "questions-words.txt.gz")
    return _read_lines("analogies", "questions-words.txt.gz")
