"""Packages are found, not listed: DESIGN's folders adapters/, tui/, themes/ install under the
one import name jobdeck.*, so a new kind's folder under adapters/ needs no line here."""

from setuptools import find_packages, setup


def under(prefix: str, folder: str) -> list[str]:
    return [prefix, *(f"{prefix}.{name}" for name in find_packages(folder))]


setup(
    package_dir={"jobdeck": "jobdeck", "jobdeck.adapters": "adapters", "jobdeck.tui": "tui",
                 "jobdeck.themes": "themes"},
    packages=["jobdeck", *under("jobdeck.adapters", "adapters"), *under("jobdeck.tui", "tui"),
              "jobdeck.themes"],
)
