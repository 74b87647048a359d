"""FinalRip distributed video encoding: tasks whose clips are the block grid."""

from .adapter import FinalRipAdapter as ADAPTER
from .sim import demo

__all__ = ["ADAPTER", "demo"]
