"""Import-time savings that only the `lyreport` program itself may take (never a library caller).

openpyxl imports numpy when it is installed, only to accept numpy numbers as cell values: 60–140 ms
of a 0.3 s run. The program never hands numpy values to openpyxl, and if nothing has imported numpy
by the time the outputs are rendered, no numpy value can exist in the process. So the program imports
openpyxl with numpy hidden; a process that already has numpy (scans were read with OCR), or that is
not the program (tests, other callers, which may import pandas later), gets openpyxl as usual.
"""

from __future__ import annotations

import sys

_program = False


def as_program() -> None:
    """Called by the command line when it is the process's own entry point."""
    global _program
    _program = True


def is_program() -> bool:
    return _program


def import_openpyxl(*, images: bool = True) -> None:
    """Import openpyxl now, without numpy support when that is known to be safe (see above).

    images=False also leaves Pillow out (openpyxl only needs it to embed pictures, ~20 ms): for a
    process that writes nothing but picture-free workbooks and then ends (render/forked.py's helper).
    """
    if not _program or "openpyxl" in sys.modules or "numpy" in sys.modules:
        return
    hidden = ["numpy"] + ([] if images or "PIL" in sys.modules else ["PIL"])
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        import openpyxl  # noqa: F401
    finally:
        for name in hidden:
            del sys.modules[name]
