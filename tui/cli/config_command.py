"""`jobdeck config init | check | path | keys`: the file, checked offline and against each
service, and every command [keys] may remap."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from urllib.parse import urlsplit

from jobdeck.adapters.contract.base import Adapter
from jobdeck.adapters.contract.http import proxy_for
from jobdeck.adapters.contract.model import JobdeckError
from jobdeck.adapters.contract.registry import ADAPTERS
from jobdeck.adapters.core.commands import command_names
from jobdeck.adapters.core.config import Config, config_path, load_config, template
from jobdeck.adapters.core.services import make_adapters
from jobdeck.adapters.core.state import atomic_write

from .common import EXIT_FAILED, EXIT_OK, UsageError, say


def read_config(args: argparse.Namespace) -> Config:
    return load_config(config_path(args.config), ADAPTERS, command_names())


def masked_url(url: str) -> str:
    """A base URL fit to print: user:password@ becomes •••@."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return parts._replace(netloc=f"•••@{host}").geturl()


def config_command(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    if args.config_command == "path":
        print(path)
        return EXIT_OK
    if args.config_command == "keys":
        return print_keys(read_config(args).keys if path.exists() else {})
    if args.config_command == "init":
        if path.exists() and not args.force:
            raise UsageError(f"{path} exists; add --force to overwrite it")
        atomic_write(Path(path), template(ADAPTERS))
        print(f"wrote {path}")
        return EXIT_OK
    config = read_config(args)
    problems = warnings = 0
    muted = muted_counts()
    for service in config.services:
        mutes = muted.get(service.name, 0)
        say(f"{service.name}: {service.kind} at {masked_url(service.base_url)}"
            + (f" · {mutes} item{'s' if mutes != 1 else ''} muted" if mutes else ""))
        if service.base_url.startswith("http://") and service.secrets \
                and urlsplit(service.base_url).hostname not in ("127.0.0.1", "localhost", "::1"):
            say("  ! plain http:// for a service that carries secrets: anyone on the path can "
                "read them; use https:// if the service offers it")
        if (proxy := proxy_for(service.base_url)) is not None:
            variable, through = proxy
            if service.base_url.startswith("http://") and service.secrets:
                say(f"  ! requests go through the proxy {through} ({variable} in the "
                    "environment), which reads every token sent over plain http://; use "
                    "https://, or add the host to NO_PROXY")
            else:
                say(f"  requests go through the proxy {through} ({variable} in the environment)")
    if not args.offline and config.services:
        for name, lines in asyncio.run(probe_all(make_adapters(config))).items():
            for line in lines:
                problems += line.startswith("!")
                warnings += line.startswith("warning:")
                say(f"  {name}: {line}")
    count = f"{len(config.services)} service{'s' if len(config.services) != 1 else ''}"
    if problems:   # only what stops a service working fails the check
        print(f"{path}: {count}; {problems} problem{'s' if problems != 1 else ''} stop "
              f"{'a service' if problems == 1 else 'services'} working (the lines marked !)")
        return EXIT_FAILED
    print(f"{path}: ok, {count}" + (f"; {warnings} warning{'s' if warnings != 1 else ''} "
                                    "(features that could not be read)" if warnings else "")
          + (f"; {sum(muted.values())} item(s) muted in the console (H, then m, lists them)"
             if muted else ""))
    return EXIT_OK


def muted_counts() -> dict[str, int]:
    """Per service, the console's mutes in force (kept in the state directory)."""
    from jobdeck.adapters.core.oncall import Mutes
    from jobdeck.adapters.core.state import StateStore

    return Mutes(StateStore()).count_by_service()


def print_keys(remapped: dict[str, str]) -> int:
    from jobdeck.adapters.core.commands import COMMANDS

    width = max(16, *(len(c.name) + 2 for c in COMMANDS))
    print(f"{'COMMAND':<{width}}{'KEY':<10}WHAT IT DOES")
    for command in COMMANDS:
        key = command.display_key(remapped) + (" *" if command.name in remapped else "")
        print(f"{command.name:<{width}}{key:<10}{command.help}")
    if remapped:
        print("* remapped in [keys]")
    return EXIT_OK


async def probe_all(adapters: dict[str, Adapter]) -> dict[str, list[str]]:
    async def one(adapter: Adapter) -> list[str]:
        try:
            return await adapter.probe()
        except JobdeckError as exc:
            return [f"! {exc}"]
        finally:
            await adapter.close()

    results = await asyncio.gather(*(one(a) for a in adapters.values()))
    return dict(zip(adapters, results, strict=True))
