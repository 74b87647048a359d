"""NTV Media Server G3: live and disabled streams, viewers, recordings, transcodes."""

from .adapter import NtvAdapter as ADAPTER
from .sim import demo

__all__ = ["ADAPTER", "demo"]
