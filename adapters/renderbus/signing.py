"""Renderbus request signing: flatten headers+body, sort, HMAC-SHA256, Base64.

Shared by the client (to sign) and the simulator (to verify), so both follow one reading of the spec.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested keys join with '.', list items append their index with no separator."""
    if isinstance(value, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            pairs.extend(flatten(item, name))
        return pairs
    if isinstance(value, list | tuple):
        pairs = []
        for index, item in enumerate(value):
            pairs.extend(flatten(item, f"{prefix}{index}"))
        return pairs
    return [(prefix, scalar(value))]


def scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def string_to_sign(host: str, path: str, headers: Mapping[str, Any], body: Mapping[str, Any]) -> str:
    merged = {k: v for k, v in headers.items() if k != "signature"}
    pairs = flatten(merged) + flatten(body)
    pairs.sort(key=lambda pair: pair[0])
    query = "&".join(f"{k}={v}" for k, v in pairs)
    return f"[POST]{host}:{path}&{query}"


def sign(access_key: str, host: str, path: str,
         headers: Mapping[str, Any], body: Mapping[str, Any]) -> str:
    text = string_to_sign(host, path, headers, body)
    digest = hmac.new(access_key.encode(), text.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def host_of(base_url: str) -> str:
    return urlsplit(base_url).netloc
