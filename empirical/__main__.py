"""``python -m empirical`` = the ``sensaware`` command (e.g. under ``accelerate launch -m empirical``)."""

import sys

from empirical.cli.main import main

sys.exit(main())
