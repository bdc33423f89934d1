"""The name of this server instance, for the ``X-Instance`` header and the brief cache's print log."""

from __future__ import annotations

import os
import socket


def instance() -> str:
    """``WIC_INSTANCE`` (``wic serve`` sets it to host:port), else this host and process id."""
    return os.environ.get("WIC_INSTANCE") or f"{socket.gethostname()}:{os.getpid()}"
