"""The ``skembed`` command line.

Commands: ``train`` (fit word2vec, fastText or GloVe on text files and save the
vectors), ``evaluate`` (analogy and word-pair scores of a vectors file), ``neighbors``
(nearest tokens and analogy answers) and ``demo``.

A mistake prints one line ``skembed: error: <message>`` on stderr, never a traceback.
The exit status is 0 on success, 2 when the command line itself is wrong (unknown
command, option or parameter, invalid value), 1 when a well-formed command fails
(missing, unreadable or malformed file, unknown word, no tokens to train on) and 130
when interrupted.
"""

import argparse
import contextlib
import difflib
import os
import sys
import time
import warnings

from . import __version__
from ._demo import run_demo
from ._files import FORMAT_OF_SUFFIX, FORMATS, format_suffix

_MODELS = ("word2vec", "fasttext", "glove")
_FORMATS = ("auto", *FORMATS)
_SET_BY_TRAIN = ("input", "callbacks")  # estimator parameters the train command owns
# Dedicated train options and the estimator parameters they set.
_TRAIN_OPTIONS = {"vector_size": "vector_size", "window": "window",
                  "min_count": "min_count", "epochs": "epochs", "threads": "n_jobs",
                  "seed": "random_state"}
# Analogy test sets shipped with skembed, given to --analogies by name instead of a file.
_BUILTIN_ANALOGIES = ("google",)


class CommandError(Exception):
    """A user mistake, reported as one line; ``status`` is the exit status.

    Parameters
    ----------
    message : str
        What went wrong and, where possible, how to fix it.
    status : int, default=1
        2 for a wrong command line, 1 for a failure while running.
    """

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, with a pointer to ``--help``."""

    def error(self, message):
        """Print ``skembed: error: <message>`` and exit with status 2.

        Parameters
        ----------
        message : str
            The error.
        """
        self.exit(2, f"skembed: error: {message} (see '{self.prog} --help')\n")


def _error(message):
    """Print ``skembed: error: <message>`` on stderr, on one line."""
    sys.stdout.flush()
    print(f"skembed: error: {' '.join(message.split())}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _one_line_warnings():
    """Show warnings as ``skembed: warning: <message>``, without source lines."""

    def show(message, category, filename, lineno, file=None, line=None):
        text = " ".join(str(message).split())
        print(f"skembed: warning: {text}", file=sys.stderr if file is None else file)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _os_error_message(error):
    if error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return str(error)


# ---------------------------------------------------------------- argument types


def _count(text):
    """Parse an integer >= 0 (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def _positive(text):
    """Parse an integer >= 1 (argparse type)."""
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def parse_value(text):
    """Turn the VALUE of ``--param NAME=VALUE`` into a Python value.

    Parameters
    ----------
    text : str
        The text after ``=``.

    Returns
    -------
    bool, None, int, float or str
        ``true``/``false`` (any case) give a bool and ``none`` None; then an int, a
        float, or the text itself, the first that parses.
    """
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "none":
        return None
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def _name_value(text):
    """Split ``NAME=VALUE`` (argparse type)."""
    name, sep, value = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, parse_value(value)


# ------------------------------------------------------------------------- train


def _estimator_class(model):
    from . import FastTextTransformer, GloVeTransformer, Word2VecTransformer

    return {"word2vec": Word2VecTransformer, "fasttext": FastTextTransformer,
            "glove": GloVeTransformer}[model]


def _train_params(args, estimator_class):
    """Collect the estimator parameters from the dedicated options and ``--param``."""
    valid = sorted(set(estimator_class().get_params(deep=False)) - set(_SET_BY_TRAIN))
    params, given_as = {}, {}

    def add(name, value, option):
        if name in _SET_BY_TRAIN:
            raise CommandError(f"{option}: the parameter {name!r} is set by the train command "
                               "(CORPUS files are streamed with input='filename')", status=2)
        if name not in valid:
            close = difflib.get_close_matches(name, valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise CommandError(f"{option}: {args.model} has no parameter {name!r}{hint}; "
                               f"valid parameters: {', '.join(valid)}", status=2)
        if name in params:
            raise CommandError(f"the parameter {name!r} is given twice ({given_as[name]} "
                               f"and {option})", status=2)
        params[name] = value
        given_as[name] = option

    for option, name in _TRAIN_OPTIONS.items():
        value = getattr(args, option)
        if value is not None:
            add(name, value, "--" + option.replace("_", "-"))
    for name, value in args.param or ():
        add(name, value, f"--param {name}")
    return params


def _output_format(path, format):
    """Return the format to save in: ``format``, or the one the suffix of ``path`` names."""
    # skembed.io.save_vectors' own suffix rules, applied before training so that a bad
    # output name fails at once rather than after hours of training.
    if format != "auto":
        return format
    suffix = format_suffix(path)
    if suffix not in FORMAT_OF_SUFFIX:
        known = ", ".join(f"{s} ({f})" for s, f in FORMAT_OF_SUFFIX.items())
        raise CommandError(f"cannot tell the output format from the name {path!r}: use a "
                           f"suffix {known}, or give --format", status=2)
    return FORMAT_OF_SUFFIX[suffix]


def _check_input_file(path, what):
    if os.path.isdir(path):
        raise CommandError(f"{what} {path!r} is a folder, not a file")
    if not os.path.isfile(path):
        raise CommandError(f"{what} {path!r} does not exist")


def _check_output(path):
    if os.path.isdir(path):
        raise CommandError(f"the output {path!r} is a folder; give a file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CommandError(f"the folder of the output file {path!r} does not exist")


def run_train(args):
    """Train word vectors on text files and save them."""
    from ._compat import InvalidParameterError
    from ._progress import EpochProgress
    from .io import save_vectors

    estimator_class = _estimator_class(args.model)
    params = _train_params(args, estimator_class)
    output_format = _output_format(args.output, args.format)
    for path in args.corpus:
        _check_input_file(path, "corpus file")
    _check_output(args.output)

    progress = None if args.quiet else EpochProgress(sys.stderr)
    estimator = estimator_class(**params, input="filename",
                                callbacks=None if progress is None else [progress])
    try:
        # Check every parameter before reading the corpus, which can take a while.
        estimator._validate_params()
    except InvalidParameterError as error:
        raise CommandError(str(error), status=2) from None

    start = time.perf_counter()
    if progress is not None:
        print(f"reading and counting {len(args.corpus)} file(s)...", file=sys.stderr,
              flush=True)
    try:
        estimator.fit(args.corpus)
    finally:
        if progress is not None:
            progress.close()  # an interrupted bar must not swallow the next message
    vectors = estimator.vectors_
    save_vectors(vectors, args.output, format=output_format)
    seconds = time.perf_counter() - start
    print(f"{args.model}: {len(vectors):,} tokens x {vectors.vector_size} dimensions in "
          f"{seconds:.1f} s, saved to {args.output} ({output_format} format)")
    return 0


# ---------------------------------------------------------- evaluate, neighbors


def _analogy_source(name):
    """Return (label, source) for one --analogies value: a built-in name or a file path."""
    if name in _BUILTIN_ANALOGIES:
        from .datasets import load_analogy_questions

        return f"{name} (built-in)", load_analogy_questions(as_path=True)
    if not os.path.exists(name):
        raise CommandError(f"analogies file {name!r} does not exist (built-in question "
                           f"sets, given by name: {', '.join(_BUILTIN_ANALOGIES)})")
    return name, name


def _load(args):
    from .io import load_vectors

    _check_input_file(args.vectors, "vectors file")
    return load_vectors(args.vectors, format=args.format, limit=args.limit)


def run_evaluate(args):
    """Score vectors on analogy questions and word-pair similarities."""
    from .evaluation import (
        evaluate_analogies,
        evaluate_word_pairs,
        read_analogies,
        read_word_pairs,
    )

    if not args.analogies and not args.pairs:
        raise CommandError("give at least one --analogies or --pairs file", status=2)
    # Read (and check) every test file before loading the vectors, which may be large.
    tasks = [("analogies", label, read_analogies(source))
             for label, source in map(_analogy_source, args.analogies)]
    tasks += [("pairs", path, read_word_pairs(path)) for path in args.pairs]
    vectors = _load(args)
    restrict = args.restrict_vocab or None  # 0 searches every token

    rows = [("file", "kind", "metric", "score", "coverage", "counts")]
    for kind, path, data in tasks:
        if kind == "analogies":
            result = evaluate_analogies(
                vectors, data, method=args.method,
                restrict_vocab=30_000 if args.restrict_vocab is None else restrict)
            score = "-" if result.accuracy is None else f"{result.accuracy:.4f}"
            rows.append((path, f"analogies/{args.method}", "accuracy", score,
                         f"{result.coverage:.1%}",
                         f"{result.correct} correct of {result.answered} answered "
                         f"({result.total} questions)"))
        else:
            result = evaluate_word_pairs(vectors, data, restrict_vocab=restrict)
            rows.append((path, "word pairs", "spearman", f"{result.spearman:.4f}",
                         f"{result.coverage:.1%}",
                         f"{result.n_known} of {result.n_pairs} pairs known; pearson "
                         f"{result.pearson:.4f}"))

    print(f"{args.vectors}: {len(vectors):,} tokens x {vectors.vector_size} dimensions")
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        cells = [row[i].ljust(widths[i]) if i < 3 else row[i].rjust(widths[i])
                 for i in range(5)]
        print("  ".join([*cells, row[5]]).rstrip())
    return 0


def _unknown(word, vectors, source):
    lowered = word.lower()
    hint = f" (but {lowered!r} is)" if lowered != word and lowered in vectors else ""
    return f"{word!r} is not in the vocabulary of {source}{hint}"


def _print_ranking(title, ranking):
    print(title)
    width = max((len(token) for token, _ in ranking), default=0)
    for token, score in ranking:
        print(f"  {token:<{width}}  {score:.3f}")
    print(flush=True)


def run_neighbors(args):
    """Print the nearest tokens of words and the answers to analogies."""
    if not args.words and not args.analogy:
        raise CommandError("give at least one WORD or --analogy A B C", status=2)
    vectors = _load(args)
    status = 0
    for word in args.words:
        if word not in vectors:
            _error(_unknown(word, vectors, args.vectors))
            status = 1
            continue
        _print_ranking(word, vectors.most_similar(word, topn=args.topn))
    for a, b, c in args.analogy or ():
        missing = [w for w in (a, b, c) if w not in vectors]
        if missing:
            _error(f"analogy {a} : {b} :: {c} : ? - "
                   + "; ".join(_unknown(w, vectors, args.vectors) for w in missing))
            status = 1
            continue
        _print_ranking(f"{a} : {b} :: {c} : ?",
                       vectors.analogy(a, b, c, topn=args.topn, method=args.method))
    return status


# ------------------------------------------------------------------------ parser


_TRAIN_EPILOG = """\
Each CORPUS file (plain text, or gzip/bzip2/xz) holds one document per line; the files are
streamed, not loaded whole. The output format follows the suffix of OUTPUT: .txt
word2vec text, .bin word2vec binary, .vec fastText text, .npz skembed's own format
(memory-mapped on loading); add .gz to compress a text or binary file. GloVe text has
no suffix of its own: give --format glove. Progress goes to stderr, the summary line to
stdout.

--param passes any other parameter of the estimator (see the docstrings of
Word2VecTransformer, FastTextTransformer and GloVeTransformer). VALUE is read as
true/false, none, an integer, a number, or else a string.

examples:
  skembed train word2vec corpus.txt -o vectors.bin
  skembed train fasttext part1.txt.gz part2.txt.gz -o vectors.vec --epochs 10 --threads 4
  skembed train word2vec corpus.txt -o vectors.npz --param architecture=cbow --param sample=0
  skembed train glove corpus.txt -o glove.txt --format glove --window 10 --seed 0
"""

_EVALUATE_EPILOG = """\
Analogy files use the Google format (': section' lines, then 'a b c d' questions); the
score is the accuracy over the questions whose words are all known. The name 'google'
stands for the Google analogy questions shipped with skembed (19,544 questions in 14
sections; Mikolov et al., 2013), so no file is needed. Word-pair files hold
'word1<TAB>word2<TAB>score' lines (WordSim-353, SimLex-999); the score is the Spearman
correlation between the human scores and the cosine similarities. Coverage is the share
of questions or pairs that could be scored. Words are matched ignoring case.

examples:
  skembed evaluate vectors.bin --analogies google
  skembed evaluate vectors.vec --pairs wordsim353.tsv simlex999.tsv --limit 200000
  skembed evaluate vectors.npz --analogies questions-words.txt --method 3cosmul \\
      --restrict-vocab 0
"""

_NEIGHBORS_EPILOG = """\
Cosine similarity, 3 decimals. A word that is not in the vectors gets one error line
and makes the exit status 1; the other words are still answered.

examples:
  skembed neighbors vectors.bin king paris
  skembed neighbors vectors.vec --analogy man king woman --topn 5
  skembed neighbors glove.txt --format glove computer --limit 100000
"""

_MAIN_EPILOG = """\
examples:
  skembed train word2vec corpus.txt -o vectors.bin
  skembed evaluate vectors.bin --analogies google --pairs wordsim353.tsv
  skembed neighbors vectors.bin king --analogy man king woman

'skembed COMMAND --help' describes each command.
"""


def _add_vector_source(parser):
    parser.add_argument("vectors", metavar="VECTORS", help="the vectors file")
    parser.add_argument("--format", choices=_FORMATS, default="auto",
                        help="format of VECTORS (default: auto, from the suffix and the "
                             "contents)")
    parser.add_argument("--limit", type=_count, metavar="N",
                        help="load only the first N vectors (usually the most frequent)")


def _parser():
    parser = _Parser(
        prog="skembed", description="scikit-learn compatible word-embedding transformers.",
        epilog=_MAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"skembed {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="train every estimator on the built-in data; print intrinsic scores and "
             "pipeline accuracies next to TF-IDF and one-hot baselines",
        description=run_demo.__doc__,
    )
    demo.set_defaults(run=run_demo)

    train = commands.add_parser(
        "train", help="train word2vec, fastText or GloVe vectors on text files and save them",
        description="Train word vectors on text files (one document per line) and save "
                    "them.",
        epilog=_TRAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_argument("model", metavar="MODEL", choices=_MODELS,
                       help="the model: " + ", ".join(_MODELS))
    train.add_argument("corpus", metavar="CORPUS", nargs="+",
                       help="text files (plain, gzip, bzip2 or xz), one document per line")
    train.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                       help="the vectors file to write (replaced atomically)")
    train.add_argument("--format", choices=_FORMATS, default="auto",
                       help="output format (default: auto, from the suffix of OUTPUT)")
    train.add_argument("--param", action="append", type=_name_value, metavar="NAME=VALUE",
                       help="any other estimator parameter, e.g. architecture=cbow "
                            "(repeatable)")
    defaults = "default: the estimator's"
    train.add_argument("--vector-size", type=int, metavar="N",
                       help=f"dimension of the vectors ({defaults}, 100)")
    train.add_argument("--window", type=int, metavar="N",
                       help=f"context window ({defaults}: 5, GloVe 10)")
    train.add_argument("--min-count", type=int, metavar="N",
                       help=f"ignore tokens seen fewer times ({defaults}, 5)")
    train.add_argument("--epochs", type=int, metavar="N",
                       help=f"passes over the corpus ({defaults}: 5, GloVe 15)")
    train.add_argument("--threads", type=int, metavar="N",
                       help=f"training threads, -1 for all cores ({defaults}, 1)")
    train.add_argument("--seed", type=int, metavar="N",
                       help="random seed; with one thread, runs are bit-for-bit identical")
    train.add_argument("-q", "--quiet", action="store_true",
                       help="no progress on stderr (the summary line is still printed)")
    train.set_defaults(run=run_train)

    evaluate = commands.add_parser(
        "evaluate", help="score vectors on analogy questions and word-pair similarities",
        description="Score a vectors file on analogy questions (accuracy) and scored word "
                    "pairs (Spearman correlation); print one row per test file.",
        epilog=_EVALUATE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_vector_source(evaluate)
    evaluate.add_argument("--analogies", nargs="+", action="extend", default=[],
                          metavar="FILE",
                          help="analogy question files (Google format), or 'google' for "
                               "the Google analogy questions shipped with skembed (a file "
                               "named google: ./google)")
    evaluate.add_argument("--pairs", nargs="+", action="extend", default=[], metavar="FILE",
                          help="scored word-pair files (word1<TAB>word2<TAB>score)")
    evaluate.add_argument("--method", choices=("3cosadd", "3cosmul"), default="3cosadd",
                          help="how analogies are answered (default: 3cosadd)")
    evaluate.add_argument("--restrict-vocab", type=_count, metavar="N",
                          help="use only the N most frequent tokens; 0 for all (default: "
                               "30000 for analogies, all for word pairs)")
    evaluate.set_defaults(run=run_evaluate)

    neighbors = commands.add_parser(
        "neighbors", help="print the nearest tokens of words, and analogy answers",
        description="Print the nearest tokens (by cosine similarity) of each WORD, and the "
                    "answers to 'A is to B as C is to ?'.",
        epilog=_NEIGHBORS_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_vector_source(neighbors)
    neighbors.add_argument("words", metavar="WORD", nargs="*", help="words to look up")
    neighbors.add_argument("--topn", type=_positive, default=10, metavar="N",
                           help="how many tokens to print per word (default: 10)")
    neighbors.add_argument("--analogy", nargs=3, action="append", metavar=("A", "B", "C"),
                           help="answer 'A is to B as C is to ?' (repeatable)")
    neighbors.add_argument("--method", choices=("3cosadd", "3cosmul"), default="3cosadd",
                           help="how analogies are answered (default: 3cosadd)")
    neighbors.set_defaults(run=run_neighbors)
    return parser


def _exit_status(code):
    """Return the exit status that argparse asked for with SystemExit(code)."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _silence_stdout():
    """After a broken pipe, send further output to /dev/null so exit stays quiet."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv=None):
    """Run the command line; return the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and argument errors
        return _exit_status(exit_.code)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        with _one_line_warnings():
            return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except CommandError as error:
        _error(str(error))
        return error.status
    except BrokenPipeError:  # e.g. `skembed neighbors ... | head`
        _silence_stdout()
        return 1
    except OSError as error:
        _error(_os_error_message(error))
        return 1
    except (ValueError, EOFError) as error:
        _error(str(error) or type(error).__name__)
        return 1
