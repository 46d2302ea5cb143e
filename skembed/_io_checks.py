"""Checks shared by the vector-file readers: finite values, and files of other tools.

Non-finite vectors are refused wherever they are read, because one NaN silently poisons
every similarity computed with it. Files that other tools write beside their vectors (a
gensim pickle, a fastText model, a bare NumPy array) are recognised by their first bytes
and refused with a message saying what they are and how to get vectors out of them,
instead of failing later with a decoding error.
"""

import numpy as np

_BLOCK_ROWS = 1 << 16  # rows checked at once: the check never copies a whole matrix
_FASTTEXT_MAGIC = b"\xba\x16\x4f\x2f"  # fastText's FASTTEXT_FILEFORMAT_MAGIC_INT32
_NPY_MAGIC = b"\x93NUMPY"
_PICKLE_PROTOCOLS = range(2, 6)  # pickles of protocol 2+ start with 0x80 and the protocol


def first_nonfinite(matrix):
    """Return the row and column of the first non-finite value, or None.

    Parameters
    ----------
    matrix : ndarray of shape (n_rows, n_columns)
        Possibly memory-mapped: it is checked by blocks of rows.

    Returns
    -------
    tuple of (int, int) or None
    """
    for start in range(0, len(matrix), _BLOCK_ROWS):
        finite = np.isfinite(matrix[start: start + _BLOCK_ROWS])
        if not finite.all():
            row, column = np.argwhere(~finite)[0]
            return start + int(row), int(column)
    return None


def refuse_other_tools(head, source):
    """Raise ValueError if a file's first bytes are those of another tool's file.

    Parameters
    ----------
    head : bytes
        The first bytes of the (decompressed) file; 8 are enough.
    source : str
        The file's name, for the message.

    Raises
    ------
    ValueError
        For a Python pickle (gensim's ``.model`` and ``.kv`` files), a fastText ``.bin``
        model or a NumPy ``.npy`` array. The message says what the file is and how to
        export vectors from it. Nothing is unpickled, and gensim is not imported.
    """
    if len(head) >= 2 and head[0] == 0x80 and head[1] in _PICKLE_PROTOCOLS:
        raise ValueError(
            f"{source}: this is a Python pickle, such as gensim's Word2Vec.save() and "
            "KeyedVectors.save() write (.model, .kv), not a vectors file; skembed does not "
            "unpickle files, which can run any code. Export the vectors in gensim with "
            "model.wv.save_word2vec_format(path) (kv.save_word2vec_format(path) for "
            "KeyedVectors) and load that file"
        )
    if head.startswith(_FASTTEXT_MAGIC):
        raise ValueError(f"{source}: this is a fastText model (.bin), not word2vec vectors; "
                         "load the .vec file fastText writes beside it")
    if head.startswith(_NPY_MAGIC):
        raise ValueError(
            f"{source}: this is a bare NumPy array (.npy), with no tokens; gensim saves the "
            "matrices of a .model in such files beside it. Export the vectors in gensim "
            "with model.wv.save_word2vec_format(path) and load that file"
        )

