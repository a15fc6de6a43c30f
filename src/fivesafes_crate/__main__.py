"""``python -m fivesafes_crate`` runs the ``fivesafes`` command line."""

from .cli import main

main()
