"""Build ./content into ./site: the same as `bulletin build`."""

import sys

from bulletin.cli import run

if __name__ == "__main__":
    run(["build", *sys.argv[1:]], prog_name="python build.py")
