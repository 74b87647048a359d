"""Every kind jobdeck speaks, in one place: adding a kind is its folder and one line here.

Each kind's package exports ADAPTER (its Adapter class) and demo() (its simulators for
`jobdeck demo` and `jobdeck sim serve`, keyed by service name).
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Adapter
    from .simbase import Simulator

# kind name -> package under adapters/, in the order the demo lists them
PACKAGES: dict[str, str] = {
    "renderbus": "renderbus",
    "finalrip": "finalrip",
    "eva": "eva",
    "enhance": "enhance",
    "ntv": "ntv",
    "nginx-rtmp": "nginx_rtmp",
}


def _package(kind: str) -> ModuleType:
    return import_module(f"{__package__}.{PACKAGES[kind]}")


ADAPTERS: dict[str, type[Adapter]] = {kind: _package(kind).ADAPTER for kind in PACKAGES}


def kinds() -> list[str]:
    return list(ADAPTERS)


def adapter_class(kind: str) -> type[Adapter]:
    return ADAPTERS[kind]


def demo_simulators() -> dict[str, Simulator]:
    """Every kind's demo services, by name, in registry order."""
    sims: dict[str, Simulator] = {}
    for kind in PACKAGES:
        sims.update(_package(kind).demo())
    return sims
