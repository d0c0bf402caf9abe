"""The web application of ``reportgen serve`` (Starlette): the only addresses it answers.

    /                       the index: every page by job, and what does not validate
    /<key>                  the live preview of a page
    /<key>.<format>         the page as a file in a format of the registry, built on
                            demand (.html, .pdf, .docx; the HTML is the one the PDF is
                            made from)
    /_events/<key>          the page's states as server-sent events (/_events/: the index)
    /_state/<key>           the page's state now (JSON)
    /_static/<name>         the preview's own script and stylesheets

Keys are looked up among the pages, never used as paths, so no address reaches a file:
everything else is 404.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from functools import cache
from importlib.resources import files
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reportgen.errors import display_path
from reportgen.registry import RENDERERS
from reportgen.serve.preview import PageState, Preview
from reportgen.serve.site import PREVIEW, Site

STATIC = {
    "preview.js": "text/javascript; charset=utf-8",
    "index.js": "text/javascript; charset=utf-8",
    "preview.css": "text/css; charset=utf-8",
    "page.css": "text/css; charset=utf-8",
}
KEEPALIVE = 15.0
"""Seconds between comments on an idle event stream (a closed page is noticed then)."""

OWN_PAGES = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; frame-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
DOCUMENT = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src data:; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
"""The documents have no scripts and load nothing: their pictures are inside them."""


def create_app(site: Site, *, allowed_hosts: Sequence[str] | None = None) -> Starlette:
    """The application over ``site``; ``allowed_hosts`` are the host names it answers to
    (a page on another site cannot reach a local server under a borrowed name)."""
    preview = Preview(site)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from reportgen.serve.watch import watch

        await preview.start()
        watching = asyncio.Event()
        watcher = asyncio.ensure_future(watch(preview, watching))
        await asyncio.wait(
            {watcher, asyncio.ensure_future(watching.wait())},
            return_when=asyncio.FIRST_COMPLETED,
        )
        if preview.on_ready is not None:
            await preview.on_ready()
        try:
            yield
        finally:
            preview.stop()
            await preview.close()
            await watcher

    async def index(request: Request) -> Response:
        return HTMLResponse(render_index(preview), headers={"Content-Security-Policy": OWN_PAGES})

    async def target(request: Request) -> Response:
        name = request.path_params["name"]
        stem, dot, suffix = name.rpartition(".")
        if dot and suffix in RENDERERS and preview.page(stem) is not None:
            return await document(preview, stem, suffix)
        state = preview.page(name)
        if state is None:
            return not_found()
        result = await preview.result(state, PREVIEW)
        page = render_preview(preview, state, ok=result.ok)
        return HTMLResponse(page, headers={"Content-Security-Policy": OWN_PAGES})

    async def events(request: Request) -> Response:
        key = request.path_params.get("key", "")
        state = preview.listed(key) if key else None
        if key and (state is None or not state.current):
            return not_found()
        return StreamingResponse(
            stream(preview, state),
            media_type="text/event-stream",
            headers={"X-Accel-Buffering": "no"},
        )

    async def current(request: Request) -> Response:
        state = preview.page(request.path_params["key"])
        if state is None:
            return not_found()
        await preview.result(state, PREVIEW)
        return JSONResponse(preview.state(state))

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return not_found()
        return Response(asset(name), media_type=STATIC[name])

    routes = [
        Route("/", index),
        Route("/_events/", events),
        Route("/_events/{key}", events),
        Route("/_state/{key}", current),
        Route("/_static/{name}", static),
        Route("/{name}", target),
    ]
    middleware = [Middleware(SafeHeaders)]
    if allowed_hosts is not None:
        middleware.insert(0, Middleware(HostCheck, allowed=allowed_hosts))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.router.redirect_slashes = False  # /profiles/ is no folder to be sent to: 404
    app.state.preview = preview
    return app


async def document(preview: Preview, key: str, fmt: str) -> Response:
    """A page as a file; bad input answers 422 with its problem lines."""
    state = preview.page(key)
    if state is None:
        return not_found()
    result = await preview.result(state, fmt)
    if result.data is None:
        heading = f"The {fmt.upper()} of {key} cannot be built:"
        return PlainTextResponse("\n".join([heading, *result.errors]) + "\n", status_code=422)
    headers = {}
    renderer = RENDERERS[fmt]
    if fmt == PREVIEW:
        headers["Content-Security-Policy"] = DOCUMENT
    else:
        disposition = "inline" if renderer.inline else "attachment"
        headers["Content-Disposition"] = f'{disposition}; filename="{quote(key)}.{fmt}"'
    return Response(result.data, media_type=renderer.media_type, headers=headers)


async def stream(preview: Preview, state: PageState | None) -> AsyncIterator[str]:
    """A page's states (or the index's versions) as server-sent events, until the
    server stops or the page is closed."""
    listener = preview.listen(state)
    try:
        if state is None:
            yield event({"index": preview.index_version})
        else:
            if state.current:
                await preview.result(state, PREVIEW)
            yield event(preview.state(state))
        while True:
            try:
                message = await asyncio.wait_for(listener.get(), KEEPALIVE)
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            if message is None:
                return
            yield event(message)
    finally:
        preview.unlisten(state, listener)


def event(data: Mapping[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def not_found() -> Response:
    return PlainTextResponse("Not found\n", status_code=404)


def host_of(header: str) -> str:
    """The host of a ``Host`` header, without its port and brackets, in lower case:
    ``[::1]:8000`` -> ``::1``, ``LocalHost:8000`` -> ``localhost``."""
    if header.startswith("["):
        end = header.find("]")
        return header[1:end].lower() if end > 0 else ""
    name, colon, port = header.rpartition(":")
    return (name if colon and port.isdigit() else header).lower()


class HostCheck:
    """Answer only requests that name this server by one of its own names (a page on
    another site cannot reach a local server under a borrowed name): 400 otherwise."""

    def __init__(self, app: ASGIApp, allowed: Sequence[str]) -> None:
        self.app = app
        self.allowed = {name.strip("[]").lower() for name in allowed}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            header = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if host_of(header) not in self.allowed:
                response = PlainTextResponse("Invalid host header", status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SafeHeaders:
    """Headers on every answer: nothing stored by the browser (profiles hold internal
    material), no guessing of types, no referrer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Cache-Control"] = "no-store"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
            await send(message)

        await self.app(scope, receive, sending)


# --- the preview's own pages --------------------------------------------------------------


@cache
def asset(name: str) -> bytes:
    return files("reportgen.serve").joinpath("assets", name).read_bytes()


@cache
def _templates() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("reportgen.serve", "assets"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["href"] = href
    return env


def file_formats() -> list[str]:
    """The formats a page links to as files: every one but the live preview's."""
    return [name for name in RENDERERS if name != PREVIEW]


def href(key: str, fmt: str | None = None) -> str:
    """The address of a page (or of one of its files)."""
    return "/" + quote(key, safe="") + (f".{fmt}" if fmt else "")


def render_index(preview: Preview) -> str:
    site = preview.site
    workspace = site.workspace
    survey = preview.survey
    where = (
        display_path(workspace.manifest_path)
        if workspace.manifest_path is not None
        else f"the profiles in {display_path(workspace.profiles or workspace.root)}"
    )
    by_key = {page.key: page for page in survey.pages}

    def pages(keys: Sequence[str]) -> list[dict[str, Any]]:
        return [
            {
                "key": key,
                "lang": by_key[key].lang,
                "audience": by_key[key].audience,
                "document": by_key[key].document,
                "source_shown": display_path(by_key[key].source),
            }
            for key in keys
        ]

    empty = "the manifest has no jobs" if workspace.manifest_path else "no profiles found"
    return str(
        _templates()
        .get_template("index.html.j2")
        .render(
            project=workspace.root.name,
            version=preview.index_version,
            where=where,
            survey=survey,
            pages=pages,
            invalid={name for name, _ in survey.invalid},
            empty=empty,
            formats=file_formats(),
        )
    )


def render_preview(preview: Preview, state: PageState, *, ok: bool) -> str:
    result = state.results.get(PREVIEW)
    return str(
        _templates()
        .get_template("preview.html.j2")
        .render(
            page=state.page,
            source=display_path(state.page.source),
            version=state.version if ok else "",
            ok=ok,
            paper=preview.site.options.paper,
            formats=file_formats(),
            errors=result.errors if result is not None else (),
            warnings=result.warnings if result is not None else (),
        )
    )
