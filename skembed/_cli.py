"""The ``skembed`` command line."""

import argparse
import sys

from . import __version__
from ._demo import run_demo


def _parser():
    parser = argparse.ArgumentParser(
        prog="skembed", description="scikit-learn compatible word-embedding transformers."
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
    return parser


def main(argv=None):
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
