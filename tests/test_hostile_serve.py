"""``reportgen serve`` under attack: slow documents, limits, half-sent requests, links
out of the project, an IPv6 loopback address.

Each server is a real ``reportgen serve`` process; the clients are httpx and raw
sockets; the slow document is a real one (a proposal of thousands of budget lines),
never a sleep.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

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


@pytest.fixture
def slow_project(tmp_path: Path) -> Path:
    write(tmp_path / "reportgen.yaml", MANIFEST)
    write(tmp_path / "profiles/cities/kitakyushu.yaml", KITAKYUSHU)
    write(tmp_path / "profiles/cities/dalian.yaml", DALIAN)
    (tmp_path / "profiles/proposals").mkdir()
    (tmp_path / "profiles/proposals/big.yaml").write_text(big_proposal(5000), encoding="utf-8")
    return tmp_path


def test_a_slow_document_holds_up_no_other_page(slow_project: Path) -> None:
    server = Server(slow_project)
    slow: list[httpx.Response | Exception] = []

    def fetch_slow() -> None:
        try:
            with httpx.Client(base_url=server.url, timeout=900) as client:
                slow.append(client.get(f"/{SLOW}.pdf"))
        except httpx.HTTPError as exc:  # the server stopped under it
            slow.append(exc)

    waiting = threading.Thread(target=fetch_slow, daemon=True)
    try:
        waiting.start()
        with httpx.Client(base_url=server.url, timeout=300) as client:
            assert client.get(f"/{SLOW}").status_code == 200  # its preview page is there
            quick = client.get("/kitakyushu.city-profile.en.pdf")
            page = client.get("/dalian.city-profile.en.html")
        still_building = waiting.is_alive()
    finally:
        server.stop()
        waiting.join(timeout=60)
    assert quick.status_code == 200 and quick.content.startswith(b"%PDF")
    assert page.status_code == 200 and "A port city." in page.text
    assert still_building, slow


def test_a_build_whose_document_changed_is_stopped(slow_project: Path) -> None:
    server = Server(slow_project)
    proposal = slow_project / "profiles/proposals/big.yaml"
    waiting = threading.Thread(
        target=lambda: httpx.get(f"{server.url}{SLOW}.pdf", timeout=900), daemon=True
    )
    stopped = f"stopped building {SLOW}.pdf: it changed meanwhile"
    try:
        with httpx.Client(base_url=server.url, timeout=300) as client:
            assert client.get(f"/{SLOW}").status_code == 200  # built: a save now touches it
        waiting.start()
        for edit in range(20):  # once the server has taken the request, a save stops it
            proposal.write_text(big_proposal(5000).replace("Many lines.", f"Edit {edit}."))
            server.wait_for("changed: ")
            if any(stopped in line for line in server.printed):
                break
        with httpx.Client(base_url=server.url, timeout=300) as client:
            other = client.get("/kitakyushu.city-profile.en.pdf")
        still_building = waiting.is_alive()  # the new version of the slow one
    finally:
        server.stop()
    assert any(stopped in line for line in server.printed), server.printed
    assert other.status_code == 200 and other.content.startswith(b"%PDF")
    assert still_building


@pytest.mark.parametrize(
    ("limit", "fmt", "message"),
    [
        (("--timeout", "2"), "pdf", "the build took longer than 2 s: stopped (--timeout)"),
        (
            ("--memory-limit", "256"),
            "html",
            "the build needed more than 256 MB of memory: stopped (--memory-limit)",
        ),
    ],
    ids=["time", "memory"],
)
def test_builds_run_under_the_limits_of_build(
    slow_project: Path, limit: tuple[str, str], fmt: str, message: str
) -> None:
    server = Server(slow_project, *limit)
    try:
        with httpx.Client(base_url=server.url, timeout=300) as client:
            stopped = client.get(f"/{SLOW}.{fmt}")
            after = client.get("/kitakyushu.city-profile.en")  # the server goes on
    finally:
        server.stop()
    assert stopped.status_code == 422
    assert stopped.text.splitlines() == [f"The {fmt.upper()} of {SLOW} cannot be built:", message]
    assert after.status_code == 200


HALF_SENT = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"


def test_half_sent_requests_time_out_and_cannot_use_up_the_server(tmp_path: Path) -> None:
    write(tmp_path / "reportgen.yaml", CITIES)
    write(tmp_path / "profiles/cities/kitakyushu.yaml", KITAKYUSHU)
    server = Server(tmp_path, files=256)
    where = urlsplit(server.url)
    assert where.hostname is not None and where.port is not None
    attackers: list[socket.socket] = []
    try:
        for _ in range(400):  # more than the server may hold open
            sock = socket.create_connection((where.hostname, where.port), timeout=60)
            sock.sendall(HALF_SENT)
            attackers.append(sock)
        with httpx.Client(base_url=server.url, timeout=60) as client:
            answer = client.get("/kitakyushu.city-profile.en.html")
        ends = []
        for sock in attackers[-3:]:  # the newest still wait: their time runs out
            ends.append(sock.recv(1024))
    finally:
        for sock in attackers:
            sock.close()
        server.stop()
    assert answer.status_code == 200 and "Kitakyushu" in answer.text
    assert (
        ends
        == [b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"] * 3
    )


def test_a_trickled_body_times_out(tmp_path: Path) -> None:
    write(tmp_path / "reportgen.yaml", CITIES)
    write(tmp_path / "profiles/cities/kitakyushu.yaml", KITAKYUSHU)
    server = Server(tmp_path)
    where = urlsplit(server.url)
    assert where.hostname is not None and where.port is not None
    try:
        with socket.create_connection((where.hostname, where.port), timeout=60) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n")
            received = trickle(sock)
    finally:
        server.stop()
    assert received.startswith(b"HTTP/1.1 405 ")
    assert received.endswith(
        b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    )


def trickle(sock: socket.socket) -> bytes:
    """Send a byte of a body whenever the server has been quiet for a second (a client
    that keeps a connection alive by trickling), until it closes; what it sent back."""
    sock.settimeout(1)
    received = b""
    for _ in range(60):
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
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("system")
    for first in range(10):
        for second in range(10):
            (outside / f"lib{first}" / f"part{second}").mkdir(parents=True)
    write(tmp_path / "reportgen.yaml", CITIES)
    write(tmp_path / "profiles/cities/kitakyushu.yaml", KITAKYUSHU)
    (tmp_path / "profiles/cities/more").mkdir()
    (tmp_path / "profiles/cities/usr").symlink_to(outside)
    server = Server(tmp_path)
    try:
        watched = inotify_inodes(server.process.pid)
    finally:
        server.stop()
    outside_folders = {path.stat().st_ino for path in [outside, *outside.rglob("*")]}
    assert watched & outside_folders == set()
    inside = {(tmp_path / p).stat().st_ino for p in ("", "profiles", "profiles/cities")}
    assert inside | {(tmp_path / "profiles/cities/more").stat().st_ino} <= watched


def test_it_serves_on_the_ipv6_loopback(tmp_path: Path) -> None:
    write(tmp_path / "reportgen.yaml", CITIES)
    write(tmp_path / "profiles/cities/kitakyushu.yaml", KITAKYUSHU)
    try:
        socket.socket(socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 on this machine")
    server = Server(tmp_path, "--host", "::1")
    try:
        with httpx.Client(base_url=server.url, timeout=300) as client:
            index = client.get("/")
            page = client.get("/kitakyushu.city-profile.en.html")
        port = urlsplit(server.url).port
        elsewhere, body = raw_get(server.url, "/kitakyushu.city-profile.en.html", "evil.example")
        named, _ = raw_get(server.url, "/", f"[::1]:{port}")
    finally:
        server.stop()
    assert server.url.startswith("http://[::1]:")
    assert index.status_code == 200 and page.status_code == 200
    assert named == 200
    assert elsewhere == 400 and b"Kitakyushu" not in body
