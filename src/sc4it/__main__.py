"""`python -m sc4it` runs the command line."""

from sc4it.tools.cli import main

raise SystemExit(main())
