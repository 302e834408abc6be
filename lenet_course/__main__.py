"""``python -m lenet_course`` is the ``lenet-course`` command."""

import sys

from .cli import main

sys.exit(main(prog="python -m lenet_course"))
