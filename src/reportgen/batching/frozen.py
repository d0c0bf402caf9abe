"""The fork server's last preload (see :mod:`reportgen.batching.processes`): all it has
loaded is frozen for the garbage collector (``gc.freeze``), so that no collection goes
through it again: not those of the workers forked from it, which then leave its memory
shared, nor the last one when the fork server ends with its coordinator, which then
takes milliseconds where it took a fifth of a second (and kept the coordinator's output
pipes open meanwhile). Imported there only."""

from __future__ import annotations

import gc

gc.freeze()
