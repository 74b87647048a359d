"""Tutucloud EVA template video rendering: tracked renders and their output links."""

from .adapter import EvaAdapter as ADAPTER

__all__ = ["ADAPTER"]
