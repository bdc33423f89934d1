"""Named points an ETL run passes through, so a run can be held at one and killed there (fault tests, drills).

``WIC_ETL_PAUSE_AT=<phase>`` holds the run when it reaches that phase: it writes the phase's name to the file
``WIC_ETL_PAUSE_MARK`` (if set) and waits until a signal ends the process. Without the variable a phase costs
one dictionary lookup. ``WIC_ETL_TRACE=<file>`` appends every phase reached to that file, one per line.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from etl.atomic import write_atomic

PAUSE_ENV = "WIC_ETL_PAUSE_AT"
MARK_ENV = "WIC_ETL_PAUSE_MARK"
TRACE_ENV = "WIC_ETL_TRACE"


def reached(name: str) -> None:
    """Mark that the run has reached ``name``; hold it there if ``WIC_ETL_PAUSE_AT`` asks for this phase."""
    trace = os.environ.get(TRACE_ENV)
    if trace:
        with open(trace, "a", encoding="utf-8") as fh:
            fh.write(name + "\n")
    if os.environ.get(PAUSE_ENV) != name:
        return
    mark = os.environ.get(MARK_ENV)
    if mark:
        write_atomic(Path(mark), name)
    while True:           # until a signal ends the process (or its handler raises)
        signal.pause()
