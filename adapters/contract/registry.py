"""Every kind jobdeck speaks, in one place: adding a kind is its folder and one line here.

A kind is loaded when it is first asked for (harlequin's `load_adapter` does the same): a
config of two Renderbus farms imports no NTV code, and no simulator is imported unless a
simulator is asked for (`jobdeck demo`, `jobdeck sim serve`). Each kind's package exports
ADAPTER (its Adapter class); its `sim` module exports demo() (its simulators, by service name).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobdeck.adapters.simulation.server import Simulator

    from .base import Adapter

# kind name -> package under adapters/, in the order the demo lists them
PACKAGES: dict[str, str] = {
    "renderbus": "renderbus",
    "finalrip": "finalrip",
    "eva": "eva",
    "enhance": "enhance",
    "ntv": "ntv",
    "nginx-rtmp": "nginx_rtmp",
}
KINDS_PACKAGE = "jobdeck.adapters"


class Kinds(Mapping[str, "type[Adapter]"]):
    """kind -> Adapter class; the kind's package is imported at the first lookup."""

    def __getitem__(self, kind: str) -> type[Adapter]:
        if kind not in PACKAGES:
            raise KeyError(kind)
        return import_module(f"{KINDS_PACKAGE}.{PACKAGES[kind]}").ADAPTER

    def __iter__(self) -> Iterator[str]:
        return iter(PACKAGES)

    def __len__(self) -> int:
        return len(PACKAGES)

    def __contains__(self, kind: object) -> bool:
        return kind in PACKAGES


ADAPTERS = Kinds()


def kinds() -> list[str]:
    return list(PACKAGES)


def adapter_class(kind: str) -> type[Adapter]:
    return ADAPTERS[kind]


def simulators_of(kind: str) -> dict[str, Simulator]:
    """One kind's demo services, by name (imports its simulator)."""
    return import_module(f"{KINDS_PACKAGE}.{PACKAGES[kind]}.sim").demo()


def demo_simulators() -> dict[str, Simulator]:
    """Every kind's demo services, by name, in registry order."""
    sims: dict[str, Simulator] = {}
    for kind in PACKAGES:
        sims.update(simulators_of(kind))
    return sims
