"""``python -m fivesafes_crate`` runs the ``fivesafes`` command line."""

from __future__ import annotations

from .cli import main

main()
