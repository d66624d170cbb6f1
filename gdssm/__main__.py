"""``python -m gdssm`` runs the command line."""

from gdssm.cli.dispatch import main

raise SystemExit(main())
