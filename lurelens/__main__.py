"""``python -m lurelens`` runs the ``lurelens`` command."""

from .cli import run

run()
