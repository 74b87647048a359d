"""nginx with the RTMP module: streams and clients from /stat, drops through /control."""

from .adapter import NginxRtmpAdapter as ADAPTER

__all__ = ["ADAPTER"]
