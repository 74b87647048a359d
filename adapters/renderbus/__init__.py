"""Rayvision / Renderbus render farm: task trees, frames, the block grid."""

from .adapter import RenderbusAdapter as ADAPTER

__all__ = ["ADAPTER"]
