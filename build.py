#!/usr/bin/env python3
"""Build the guide: `python build.py` (see `python build.py --help`)."""
import sys

from guidekit.cli import main

if __name__ == "__main__":
    sys.exit(main())
