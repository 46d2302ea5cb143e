"""Small real datasets shipped with skembed."""

from ._fortunes import load_fortunes
from ._text import load_analogy_questions, load_wordnet_glosses

__all__ = ["load_analogy_questions", "load_fortunes", "load_wordnet_glosses"]
