"""``python -m gdssm`` runs the command line."""

from gdssm.cli import main

raise SystemExit(main())
