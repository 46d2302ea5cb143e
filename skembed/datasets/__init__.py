"""Small real datasets shipped with skembed."""

from ._fortunes import load_fortunes

__all__ = ["load_fortunes"]
