"""Tutucloud EVA template video rendering: tracked renders and their output links."""

from .adapter import EvaAdapter as ADAPTER
from .sim import demo

__all__ = ["ADAPTER", "demo"]
