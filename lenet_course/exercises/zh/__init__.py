"""Chinese translations of the exercises' texts: one module per exercise module, each ``ZH: dict``.

Importing this package fills :data:`lenet_course.exercises.core.CATALOGUES` ``["zh"]``; the keys are
the English texts exactly as the checkers write them (see :mod:`lenet_course.exercises.catalogue`).
"""

from __future__ import annotations

import importlib
import pkgutil

from ..core import CATALOGUES

for _module in pkgutil.iter_modules(__path__):
    CATALOGUES["zh"].update(importlib.import_module(f"{__name__}.{_module.name}").ZH)
