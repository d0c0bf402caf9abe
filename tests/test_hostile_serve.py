"""``reportgen serve`` under attack: slow documents, limits, half-sent requests, links
out of the project, an IPv6 loopback address.

Each server is a real ``reportgen serve`` process (the tests that only ask things share
one); the clients are httpx and raw sockets; the slow document is a real one (a proposal
of a thousand budget lines), never a sleep.
"""

from __future__ import annotations

import asyncio
import errno
import io
import logging
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from pypdf import PdfReader

from tests.helpers import CITIES, Server, raw_get, write

KITAKYUSHU = """\
kind: city
id: kitakyushu
name: Kitakyushu
country: JP
summary: A city in Fukuoka Prefecture.
"""
DALIAN = """\
kind: city
id: dalian
name: Dalian
country: CN
summary: A port city.
"""
MANIFEST = (
    CITIES + "  - {name: proposals, document: proposal, sources: [profiles/proposals/*.yaml]}\n"
)
SLOW = "big.proposal.en"
LINES = 1000
"""Budget lines of the slow proposal: its PDF takes many times as long as the other
pages and its own preview (HTML) together."""


def big_proposal(lines: int) -> str:
    """A proposal whose PDF takes long: a budget of ``lines`` lines."""
    budget = "".join(
        f"    - {{item: Item {i}, category: category {i % 40}, quantity: 2, unit_cost: 1500}}\n"
        for i in range(lines)
    )
    return (
        "kind: proposal\nid: big\ntitle: A large proposal\nlead: kitakyushu\n"
        "partners: [dalian]\nperiod: {start: 2027-04, end: 2029-03}\nstatus: draft\n"
        f"summary: Many lines.\nbudget:\n  currency: JPY\n  lines:\n{budget}"
    )


def photo_logo(folder: Path) -> None:
    """Give Dalian (a partner of the proposal) a photo as its logo: 40 million pixels,
    a progressive JPEG as cameras and web exports save them. It is within the limits of
    a picture, and decoding it holds every coefficient of the picture beside its pixels
    (~280 MB) at once."""
    from PIL import Image

    photo = Image.new("RGB", (7740, 5160), "#1f3a5f")
    photo.save(folder / "profiles/cities/dalian.jpg", progressive=True)
    write(folder / "profiles/cities/dalian.yaml", DALIAN + "logo: dalian.jpg\n")


def slow_project(folder: Path, proposal: str) -> Path:
    write(folder / "reportgen.yaml", MANIFEST)
    write(folder / "profiles/cities/kitakyushu.yaml", KITAKYUSHU)
    write(folder / "profiles/cities/dalian.yaml", DALIAN)
    (folder / "profiles/proposals").mkdir()
    (folder / "profiles/proposals/big.yaml").write_text(proposal, encoding="utf-8")
    return folder


@pytest.fixture
def slow(tmp_path: Path) -> Path:
    return slow_project(tmp_path, big_proposal(LINES))


def test_a_slow_document_holds_up_no_other_page_and_stops_when_it_changes(slow: Path) -> None:
    server = Server(slow)
    proposal = slow / "profiles/proposals/big.yaml"
    answers: list[httpx.Response | Exception] = []

    def fetch_slow() -> None:
        try:
            with server.client(timeout=900) as client:
                answers.append(client.get(f"/{SLOW}.pdf"))
        except httpx.HTTPError as exc:  # the server stopped under it
            answers.append(exc)

    waiting = threading.Thread(target=fetch_slow, daemon=True)
    stopped = f"stopped building {SLOW}.pdf: it changed meanwhile"
    try:
        waiting.start()
        with server.client(timeout=300) as client:
            assert client.get(f"/{SLOW}").status_code == 200  # its preview page is there
            quick = client.get("/kitakyushu.city-profile.en.pdf")
            page = client.get("/dalian.city-profile.en.html")
            still_building = waiting.is_alive()
            for edit in range(20):  # once the server has taken the request, a save stops it
                proposal.write_text(big_proposal(LINES).replace("Many lines.", f"Edit {edit}."))
                server.wait_for("changed: ")
                if any(stopped in line for line in server.printed):
                    break
            other = client.get("/dalian.city-profile.en.pdf")
        building_again = waiting.is_alive()  # the new version of the slow one
        proposal.write_text(big_proposal(1).replace("Many lines.", "A short one at last."))
        waiting.join(timeout=300)  # the request that waited gets the version saved last
    finally:
        server.stop()
        waiting.join(timeout=60)
    assert quick.status_code == 200 and quick.content.startswith(b"%PDF")
    assert page.status_code == 200 and "A port city." in page.text
    assert still_building, answers
    assert any(stopped in line for line in server.printed), server.printed
    assert other.status_code == 200 and other.content.startswith(b"%PDF")
    assert building_again, answers
    last = answers[0] if len(answers) == 1 else None
    assert isinstance(last, httpx.Response) and last.status_code == 200, answers
    pages = PdfReader(io.BytesIO(last.content)).pages
    assert "A short one at last." in "".join(page.extract_text() for page in pages)


@pytest.fixture
def timed(tmp_path: Path) -> Iterator[Server]:
    """A server whose builds may take 1 s, on a project whose proposal is slow."""
    server = Server(slow_project(tmp_path, big_proposal(LINES)), "--timeout", "1")
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("serving", "fmt", "message"),
    [
        ("timed", "pdf", "the build took longer than 1 s: stopped (--timeout)"),
        ("asked", "html", "the build needed more than 512 MB of memory: stopped (--memory-limit)"),
    ],
    ids=["time", "memory"],
)
def test_builds_run_under_the_limits_of_build(
    request: pytest.FixtureRequest, serving: str, fmt: str, message: str
) -> None:
    server: Server = request.getfixturevalue(serving)
    with server.client(timeout=300) as client:
        stopped = client.get(f"/{SLOW}.{fmt}")
        after = client.get("/kitakyushu.city-profile.en.html")  # the server goes on
    assert stopped.status_code == 422
    assert stopped.text.splitlines() == [f"The {fmt.upper()} of {SLOW} cannot be built:", message]
    assert after.status_code == 200 and "A city in Fukuoka Prefecture." in after.text


def test_a_memory_limit_below_what_a_worker_holds_is_said_at_once(tmp_path: Path) -> None:
    server = Server(slow_project(tmp_path, big_proposal(1)), "--memory-limit", "256")
    try:
        with server.client(timeout=300) as client:
            refused = client.get("/kitakyushu.city-profile.en.html")
    finally:
        server.stop()

    assert refused.status_code == 422
    first, line = refused.text.splitlines()
    assert first == "The HTML of kitakyushu.city-profile.en cannot be built:"
    assert re.fullmatch(
        r"--memory-limit 256 MB is too low: reportgen holds \d+ MB before it builds anything "
        r"\(WeasyPrint and the fonts\); give at least \d+ MB",
        line,
    ), line


HALF_SENT = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"
TOO_SLOW = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
ORDINARY = ("serving ", "built ", "stopped")
DROPPED = r"[0-9:.]+ warning: too many connections at once: [0-9]+ dropped"


def test_half_sent_requests_time_out_and_cannot_use_up_the_server(tmp_path: Path) -> None:
    write(tmp_path / "reportgen.yaml", CITIES)
    write(tmp_path / "profiles/cities/kitakyushu.yaml", KITAKYUSHU)
    server = Server(tmp_path, "--request-timeout", "1", files=256)
    where = urlsplit(server.url)
    assert where.hostname is not None and where.port is not None
    attackers: list[socket.socket] = []
    try:
        # A new connection for each request: a browser sends a request again when the
        # connection it kept was closed meanwhile, httpx does not.
        fresh = httpx.Limits(max_keepalive_connections=0)
        with server.client(timeout=60, limits=fresh) as client:
            for count in range(400):  # more than the server may hold open
                sock = socket.create_connection((where.hostname, where.port), timeout=60)
                sock.sendall(HALF_SENT)
                attackers.append(sock)
                if count == 300:
                    during = client.get("/kitakyushu.city-profile.en.html")
            answer = client.get("/kitakyushu.city-profile.en.html")
        ends = []
        for sock in attackers[-3:]:  # the newest still wait: their time runs out
            ends.append(sock.recv(1024))
    finally:
        for sock in attackers:
            sock.close()
        server.stop()
    assert during.status_code == 200 and "Kitakyushu" in during.text
    assert answer.status_code == 200 and "Kitakyushu" in answer.text
    assert ends == [TOO_SLOW] * 3
    said = [line for line in server.printed if not line.split(" ", 1)[-1].startswith(ORDINARY)]
    assert len(said) == 1, said  # no traceback: the one line on the connections dropped
    assert re.fullmatch(DROPPED, said[0]), said


def test_a_connection_not_taken_for_want_of_files_is_told_in_one_line() -> None:
    server = pytest.importorskip("reportgen.serve.server")
    told: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: told.append(record.getMessage())  # type: ignore[method-assign]
    out_of_files = OSError(errno.EMFILE, "Too many open files")

    async def refused(times: int) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(times):  # as asyncio says it, once for each connection it tried
            context = {"message": "socket.accept() out of system resource"}
            server.out_of_files(loop, {**context, "exception": out_of_files, "socket": None})
        server.NOT_TAKEN.tell()  # as the server does when it stops

    logging.getLogger("reportgen").addHandler(handler)
    try:
        asyncio.run(refused(30))
    finally:
        logging.getLogger("reportgen").removeHandler(handler)
    assert told == [
        "warning: too many open files: could not take a new connection 30 times "
        "(tried again a second later)"
    ]


def ipv6_loopback() -> bool:
    """Whether this machine can listen on ::1."""
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A project whose profiles hold a link to a folder tree outside it; both folders.
    Its proposal's partner Dalian has a photo as its logo (``photo_logo``)."""
    outside = tmp_path_factory.mktemp("system")
    for first in range(10):
        for second in range(10):
            (outside / f"lib{first}" / f"part{second}").mkdir(parents=True)
    project = slow_project(tmp_path_factory.mktemp("linked"), big_proposal(1))
    photo_logo(project)
    (project / "profiles/cities/more").mkdir()
    (project / "profiles/cities/usr").symlink_to(outside)
    return project, outside


@pytest.fixture(scope="module")
def asked(linked: tuple[Path, Path]) -> Iterator[Server]:
    """One server for the tests that only ask it things: on the IPv6 loopback where
    there is one, with a request timeout of 1 s and a memory limit of 512 MB (room for
    the city pages: a worker holds WeasyPrint and the fonts, ~350 MB)."""
    host = ("--host", "::1") if ipv6_loopback() else ()
    server = Server(linked[0], *host, "--request-timeout", "1", "--memory-limit", "512")
    yield server
    server.stop()


def test_a_trickled_body_times_out(asked: Server) -> None:
    where = urlsplit(asked.url)
    assert where.hostname is not None and where.port is not None
    with socket.create_connection((where.hostname, where.port), timeout=60) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n")
        received = trickle(sock, quiet=0.25)
    assert received.startswith(b"HTTP/1.1 405 ")
    assert received.endswith(TOO_SLOW)


def trickle(sock: socket.socket, quiet: float) -> bytes:
    """Send a byte of a body whenever the server has been quiet for ``quiet`` seconds (a
    client that keeps a connection alive by trickling), until it closes; what it sent
    back."""
    sock.settimeout(quiet)
    received = b""
    for _ in range(240):
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            try:
                sock.sendall(b"x")
            except OSError:
                break
            continue
        except OSError:
            break
        if not chunk:
            break
        received += chunk
    return received


def inotify_inodes(pid: int) -> set[int]:
    """The inodes of the folders process ``pid`` watches with inotify (Linux)."""
    found: set[int] = set()
    for info in Path(f"/proc/{pid}/fdinfo").iterdir():
        try:
            text = info.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("inotify wd:"):
                fields = dict(part.split(":", 1) for part in line.split()[1:])
                found.add(int(fields["ino"], 16))
    return found


@pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="needs Linux's /proc")
def test_the_watcher_does_not_follow_links_out_of_the_project(
    linked: tuple[Path, Path], asked: Server
) -> None:
    project, outside = linked
    watched = inotify_inodes(asked.process.pid)
    outside_folders = {path.stat().st_ino for path in [outside, *outside.rglob("*")]}
    assert watched & outside_folders == set()
    inside = {(project / p).stat().st_ino for p in ("", "profiles", "profiles/cities")}
    assert inside | {(project / "profiles/cities/more").stat().st_ino} <= watched


def test_it_serves_on_the_ipv6_loopback(asked: Server) -> None:
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback on this machine")
    with asked.client(timeout=300) as client:
        index = client.get("/")
        page = client.get("/kitakyushu.city-profile.en.html")
    port = urlsplit(asked.url).port
    elsewhere, body = raw_get(asked.url, "/kitakyushu.city-profile.en.html", "evil.example")
    named, _ = raw_get(asked.url, "/", f"[::1]:{port}")
    assert asked.url.startswith("http://[::1]:")
    assert index.status_code == 200 and page.status_code == 200
    assert named == 200
    assert elsewhere == 400 and b"Kitakyushu" not in body
