"""``reportgen serve``: every document of a project in the browser, updated as you save.

An optional part (``pip install 'reportgen[serve]'``: Starlette, Uvicorn, watchfiles):
``site`` knows the project and builds its pages, ``preview`` keeps the builds and tells
the open pages, ``watch`` follows the files, ``app`` answers the browser, and
``server`` listens and stops.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.errors import ReportgenError
from reportgen.limits import DEFAULT_REQUEST_TIMEOUT

if TYPE_CHECKING:
    from reportgen.workspace import Options

INSTALL = "pip install 'reportgen[serve]'"


def run(
    path: Path | None,
    options: Options,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    profiles: Path | None = None,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
) -> None:
    """Serve the preview of the project at ``path`` (a manifest, a folder, or None for
    the nearest manifest) until Ctrl-C or SIGTERM; ``request_timeout``: the seconds a
    client has to send a request's line and headers."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
        import watchfiles  # noqa: F401
    except ImportError as exc:
        missing = exc.name or "a library"
        raise ReportgenError(
            f"reportgen serve needs the serve extra ({missing} is not installed): {INSTALL}"
        ) from None
    from reportgen.serve.server import serve

    serve(
        path,
        options,
        host=host,
        port=port,
        open_browser=open_browser,
        profiles=profiles,
        request_timeout=request_timeout,
    )
