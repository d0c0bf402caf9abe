"""``reportgen batch --scheduler`` on schedulers of their own: the cluster the command
starts itself (``local``), a TLS cluster, a scheduler that stops answering mid-batch, and
one that is no address.

None of these tests uses the cluster of ``tests/test_cluster.py``: each starts what it
needs and stops it afterwards, so that this file runs beside that one (another test
process) without a cluster more.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reportgen.batching import cluster as batch_cluster
from tests.helpers import (
    CITIES_ONLY,
    LIGHT_ENVIRONMENT,
    Result,
    RunCli,
    documents,
    local_cluster,
    set_marker,
    wait_for,
    worker_process,
    write_manifest,
)
from tests.helpers import DALIAN_HTML as DALIAN
from tests.helpers import KITAKYUSHU_HTML as KITAKYUSHU

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")


# --- the cluster the command starts -------------------------------------------------------


def test_cli_batch_on_a_local_cluster_builds_the_documents(example: Path, cli: RunCli) -> None:
    write_manifest(example, CITIES_ONLY)

    result = cli("batch", "--scheduler", "local", "--jobs", "1")

    assert result.code == 0, result.stderr
    assert result.lines[-1].startswith("built 2, fresh 0, failed 0 in ")
    assert documents(example / "output") == {DALIAN, KITAKYUSHU}


# --- TLS ------------------------------------------------------------------------------------


def make_certificate(folder: Path) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (its own authority) and its key, as files."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "reportgen test cluster")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cluster.pem", folder / "cluster.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


@pytest.fixture
def tls_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    """A TLS cluster of one worker process, and the Dask configuration of its clients."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = make_certificate(folder)
    security = distributed.Security(
        tls_ca_file=cert,
        tls_scheduler_cert=cert,
        tls_scheduler_key=key,
        tls_worker_cert=cert,
        tls_worker_key=key,
        tls_client_cert=cert,
        tls_client_key=key,
        require_encryption=True,
    )
    cluster = local_cluster(folder, 1, protocol="tls://", security=security)
    configuration = {
        "distributed.comm.tls.ca-file": cert,
        "distributed.comm.tls.client.cert": cert,
        "distributed.comm.tls.client.key": key,
        "distributed.comm.require-encryption": True,
    }
    yield cluster.scheduler_address, configuration
    cluster.close()


def test_cli_batch_builds_on_a_tls_cluster_with_the_certificates_of_the_dask_configuration(
    example: Path,
    cli: RunCli,
    tls_cluster: tuple[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dask

    address, configuration = tls_cluster
    monkeypatch.setattr(batch_cluster, "CONNECT_TIMEOUT", 1.0)
    write_manifest(example, CITIES_ONLY)

    without = cli("batch", "--scheduler", address)
    plain = cli("batch", "--scheduler", address.replace("tls://", "tcp://"))
    with dask.config.set(configuration):
        built = cli("batch", "--scheduler", address)

    assert address.startswith("tls://127.0.0.1:")
    assert without.code == 1
    assert without.lines == [
        f"error: {address} is a TLS address, but the Dask configuration names no "
        "certificates: set distributed.comm.tls.ca-file, distributed.comm.tls.client.cert "
        "and distributed.comm.tls.client.key"
    ]
    assert plain.code == 1
    assert plain.lines[0].startswith("error: cannot reach the Dask scheduler at tcp://")
    assert built.code == 0, built.stderr
    assert built.lines[-1].startswith("built 2, fresh 0, failed 0 in ")
    assert documents(example / "output") == {DALIAN, KITAKYUSHU}


# --- a scheduler that stops answering --------------------------------------------------------


@pytest.fixture
def stoppable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """A scheduler in a process of its own (which a test may stop) and one worker, both
    starting at once (the worker finds the scheduler by its file), both ``LIGHT``."""
    folder = tmp_path_factory.mktemp("stoppable")
    information = folder / "scheduler.json"
    command = [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
    command += ["--port", "0", "--no-dashboard", "--scheduler-file", str(information)]
    with (folder / "scheduler.log").open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env={**os.environ, **LIGHT_ENVIRONMENT},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        with worker_process(information, folder / "worker"):
            assert wait_for(information.exists), (folder / "scheduler.log").read_text("utf-8")
            assert wait_for(lambda: bool(information.read_text("utf-8").strip()))
            address: str = json.loads(information.read_text("utf-8"))["address"]
            yield address, process
            process.send_signal(signal.SIGCONT)
    finally:
        process.send_signal(signal.SIGCONT)
        process.kill()
        process.wait()


def cli_with_limits(limits: dict[str, float], *args: str, ended_within: float) -> Result:
    """Run ``reportgen ARGS...`` as a process of its own, in the current folder, with the
    cluster's time limits of ``limits``; it fails (``TimeoutExpired``) when it has not
    ended ``ended_within`` seconds after it started."""
    setting = "".join(f"cluster.{name} = {seconds!r}; " for name, seconds in limits.items())
    code = "import sys; from reportgen.batching import cluster; " + setting
    code += "from reportgen.cli import main; main(sys.argv[1:])"
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),
        timeout=ended_within,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def test_a_stopped_scheduler_ends_the_batch_with_one_located_line_in_history_status_and_notify(
    example: Path, cli: RunCli, stoppable: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    address, process = stoppable
    # the scheduler is found gone after 4 s; what follows must not wait on it: a clean-up
    # call that did would hold the batch 600 s, far beyond the 120 s it is given to end
    limits = {
        "ANSWER_GRACE": 1.0,
        "CALL_TIMEOUT": 4.0,  # also the limit of the calls before it stops: not less
        "CLEAN_UP_TIMEOUT": 600.0,
        "LOOK_EVERY": 0.2,
        "LET_GO_TIMEOUT": 0.2,
    }
    for name, seconds in limits.items():
        monkeypatch.setattr(batch_cluster, name, seconds)
    notify = [
        sys.executable,
        "-c",
        "import sys; open('notified.json', 'w').write(sys.stdin.read())",
    ]
    write_manifest(
        example,
        CITIES_ONLY
        + f"scheduler: {address}\n"
        + 'schedules:\n  - {name: nightly, cron: "0 2 * * *", jobs: [city-profiles]}\n'
        + f"notify: {{command: {json.dumps(notify)}}}\n",
    )
    watcher = distributed.Client(address, set_as_default=False)
    assert wait_for(lambda: len(watcher.scheduler_info()["workers"]) == 1)
    scheduler_pid = process.pid

    from distributed import WorkerPlugin

    from reportgen.batching.remote import versions

    class StopTheScheduler(WorkerPlugin):
        """Stops the scheduler (SIGSTOP: it hangs, its connections stay open) as soon as
        a worker begins a document."""

        def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
            if finish == "executing" and str(key).startswith("reportgen-"):
                os.kill(scheduler_pid, signal.SIGSTOP)

    watcher.register_plugin(StopTheScheduler(), name="stop-the-scheduler")
    watcher.run(versions)  # the worker loads reportgen now, not within the batch's 4 s
    watcher.close()

    result = cli_with_limits(limits, "batch", "--timeout", "1", ended_within=120)
    process.send_signal(signal.SIGCONT)
    set_marker(
        example / "reportgen.yaml", "nightly", dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    )
    scheduled = cli("schedule", "due", "--timeout", "1")
    process.send_signal(signal.SIGCONT)
    status = cli("status", "--json")
    history = cli("history", "--json")

    lost = (
        f"lost the Dask scheduler at {address}: it did not answer within 4 s "
        "(asking what is being built); 2 documents not built"
    )
    assert result.code == 1
    assert result.lines[:-1] == [f"failed: {lost}"]
    assert result.lines[-1].startswith("built 0, fresh 0, failed 2 in ")
    told = [line for line in scheduled.lines if "lost the Dask scheduler" in line]
    assert len(told) == 1
    assert told[0].endswith(f" schedule nightly: {lost}")
    assert status.code == 1
    nightly = json.loads(status.stdout)[0]
    assert nightly["result"] != "ok"
    runs = json.loads(history.stdout)
    assert [run["failed"] for run in runs[:2]] == [2, 2]
    assert {f["error"] for run in runs[:2] for f in run["failures"]} == {lost}
    notified = json.loads((example / "notified.json").read_text("utf-8"))
    assert lost in json.dumps(notified)


# --- a scheduler that is no address ------------------------------------------------------


def test_cli_batch_refuses_a_scheduler_that_is_no_address(example: Path, cli: RunCli) -> None:
    write_manifest(example, "scheduler: my-cluster\n" + CITIES_ONLY)

    option = cli("batch", "--scheduler", "localhost 8786")
    manifest = cli("validate", "reportgen.yaml")

    assert option.code == 2
    assert (
        "'localhost 8786' is not a Dask scheduler: write tcp://HOST:PORT, tls://HOST:PORT, or local"
        in (option.stderr)
    )
    assert manifest.code == 1
    assert manifest.lines[0] == (
        "reportgen.yaml:1:12: scheduler: 'my-cluster' is not a Dask scheduler: write "
        "tcp://HOST:PORT, tls://HOST:PORT, or local"
    )
