"""Rayvision / Renderbus render farm: task trees, frames, the block grid."""

from .adapter import RenderbusAdapter as ADAPTER
from .sim import demo

__all__ = ["ADAPTER", "demo"]
