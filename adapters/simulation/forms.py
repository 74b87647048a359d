"""Form bodies (urlencoded and multipart) read back by the simulators, with the standard library."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl


def parse_form(content_type: str | None, body: bytes) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """Fields and files of a request body; files come back as (filename, bytes)."""
    content_type = content_type or ""
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        fields: dict[str, str] = {}
        files: list[tuple[str, bytes]] = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            payload = part.get_payload(decode=True) or b""
            if filename is not None:
                files.append((filename, payload))
            elif name:
                fields[str(name)] = payload.decode("utf-8")
        return fields, files
    if content_type.startswith("application/x-www-form-urlencoded") or not content_type:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), []
    return {}, []
