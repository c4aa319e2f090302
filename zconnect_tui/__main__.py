"""`python -m zconnect_tui` runs the same command as `zconnect`."""

import sys

from zconnect_tui.cli import main

sys.exit(main())
