"""`python -m journeysim.cli`: the journeysim command."""

from journeysim.cli import main

raise SystemExit(main())
