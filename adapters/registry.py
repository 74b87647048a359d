"""Kind name -> adapter class, and kind name -> simulator, in one place."""

from __future__ import annotations

from .base import Adapter
from .enhance.adapter import EnhanceAdapter
from .eva.adapter import EvaAdapter
from .finalrip.adapter import FinalRipAdapter
from .nginx_rtmp.adapter import NginxRtmpAdapter
from .ntv.adapter import NtvAdapter
from .renderbus.adapter import RenderbusAdapter

ADAPTERS: dict[str, type[Adapter]] = {
    RenderbusAdapter.kind: RenderbusAdapter,
    EvaAdapter.kind: EvaAdapter,
    EnhanceAdapter.kind: EnhanceAdapter,
    FinalRipAdapter.kind: FinalRipAdapter,
    NtvAdapter.kind: NtvAdapter,
    NginxRtmpAdapter.kind: NginxRtmpAdapter,
}


def kinds() -> list[str]:
    return list(ADAPTERS)


def adapter_class(kind: str) -> type[Adapter]:
    return ADAPTERS[kind]
