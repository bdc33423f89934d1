"""``python -m wic``: the ``wic`` command."""

from wic.cli import run

raise SystemExit(run())
