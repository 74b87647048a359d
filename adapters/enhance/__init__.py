"""An image-enhancement task queue: tracked tasks with queue positions."""

from .adapter import EnhanceAdapter as ADAPTER

__all__ = ["ADAPTER"]
