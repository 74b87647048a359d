"""EVA request signing: every parameter but `file` and `sign`, sorted, name+value, secret, MD5."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping


def sign(params: Mapping[str, object], secret: str) -> str:
    text = "".join(f"{name}{params[name]}" for name in sorted(params)
                   if name not in ("file", "sign"))
    return hashlib.md5((text + secret).encode("utf-8")).hexdigest()
