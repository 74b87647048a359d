"""An image-enhancement task queue: tracked tasks with queue positions."""

from .adapter import EnhanceAdapter as ADAPTER
from .sim import demo

__all__ = ["ADAPTER", "demo"]
