"""NTV Media Server G3: live and disabled streams, viewers, recordings, transcodes."""

from .adapter import NtvAdapter as ADAPTER

__all__ = ["ADAPTER"]
