"""``python -m scanner`` runs the ``lurelens`` command."""

from .cli import run

run()
