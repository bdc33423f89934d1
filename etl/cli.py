"""``python -m etl.cli``: an alias of the ``wic`` command (now in :mod:`wic.cli`), kept for existing scripts."""

from __future__ import annotations

from wic.cli import run as main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
