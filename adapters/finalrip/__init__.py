"""FinalRip distributed video encoding: tasks whose clips are the block grid."""

from .adapter import FinalRipAdapter as ADAPTER

__all__ = ["ADAPTER"]
