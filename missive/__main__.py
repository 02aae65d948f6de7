import sys

from missive.cli import main

sys.exit(main())
