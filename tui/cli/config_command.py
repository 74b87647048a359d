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
    problems = 0
    for service in config.services:
        say(f"{service.name}: {service.kind} at {masked_url(service.base_url)}")
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
                say(f"  {name}: {line}")
    print(f"{path}: ok, {len(config.services)} service(s)"
          + (f", {problems} problem(s) found on the services" if problems else ""))
    return EXIT_OK if not problems else EXIT_FAILED


def print_keys(remapped: dict[str, str]) -> int:
    from jobdeck.adapters.core.commands import COMMANDS

    print(f"{'COMMAND':<16}{'KEY':<10}WHAT IT DOES")
    for command in COMMANDS:
        key = command.display_key(remapped) + (" *" if command.name in remapped else "")
        print(f"{command.name:<16}{key:<10}{command.help}")
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
