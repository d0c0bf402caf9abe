"""``reportgen`` with the test-only kind and format: ``python -m tests.plugins.cli ARGS``.

The workers of a batch and of ``reportgen serve`` are spawned processes that import
this module again (as ``__mp_main__``), so they know them too.
"""

from __future__ import annotations

from tests.plugins import register

register()

if __name__ == "__main__":
    from reportgen.cli import main

    main()
