#!/usr/bin/env python3
"""Whether a refactor changed no output: the example built at a git revision and from the
working tree, compared byte for byte.

Run it from the repository with the project's venv: ``tools/same_outputs.py REV``
(``main``, a commit id). It checks out ``REV`` with ``git worktree add --detach`` in a
temporary folder, copies the working tree (its tracked and untracked files, as git lists
them) into another, and in each runs ``reportgen batch reportgen.yaml`` with this
interpreter, ``PYTHONPATH`` at that copy's ``src``, a fixed ``SOURCE_DATE_EPOCH`` and a
cache folder of its own. Then it prints one line per output file (``same``,
``DIFFERENT`` or ``missing`` on one side) and a total, and exits 1 on any difference.
The hidden files of the output folder (``.reportgen-*``: build state, history, lock;
``.gitkeep``) are not outputs and are not compared.

``--twice`` builds the working tree twice instead, which shows whether the build is
reproducible at all (it has to be, for the comparison to mean anything).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1798761600"
"""2027-01-01 00:00 UTC: the day every document of the example is written as of."""
MANIFEST = "reportgen.yaml"


def git(*args: str, cwd: Path = ROOT) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


def copy_working_tree(target: Path) -> None:
    """The working tree's files as they are now (tracked, and untracked but not ignored)."""
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if not source.is_file():  # deleted but not yet staged
            continue
        place = target / name
        place.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, place)


def build(project: Path, cache: Path) -> Path:
    """Build the example in ``project`` (its own code); its output folder."""
    environment = dict(
        os.environ,
        PYTHONPATH=str(project / "src"),
        SOURCE_DATE_EPOCH=EPOCH,
        XDG_CACHE_HOME=str(cache),
        NO_COLOR="1",
    )
    command = [sys.executable, "-m", "reportgen", "batch", MANIFEST, "--quiet"]
    done = subprocess.run(command, cwd=project, env=environment, check=False)
    if done.returncode != 0:
        print(f"the build in {project} failed (exit {done.returncode})", file=sys.stderr)
    return project / "output"


def digests(folder: Path) -> dict[str, str]:
    """The SHA-256 of every output file under ``folder``, by its path there."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            found[path.relative_to(folder).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return found


def compare(before: dict[str, str], after: dict[str, str], labels: tuple[str, str]) -> int:
    """Print one line per file and a total; the number of differences."""
    differences = 0
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            line, differences = f"missing in {labels[1]}", differences + 1
        elif name not in before:
            line, differences = f"missing in {labels[0]}", differences + 1
        elif before[name] != after[name]:
            line, differences = "DIFFERENT", differences + 1
        else:
            line = "same"
        print(f"{line:<24} {name}")
    total = len(before.keys() | after.keys())
    print(f"{total - differences} of {total} files the same, {differences} different")
    return differences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", nargs="?", help="the git revision to compare with")
    parser.add_argument("--twice", action="store_true", help="build the working tree twice")
    args = parser.parse_args()
    if bool(args.rev) == args.twice:
        parser.error("give a revision, or --twice")
    with tempfile.TemporaryDirectory(prefix="same-outputs-") as temporary:
        work = Path(temporary)
        first, second = work / "first", work / "second"
        if args.twice:
            labels = ("first build", "second build")
            copy_working_tree(first)
        else:
            labels = (args.rev, "working tree")
            commit = git("rev-parse", "--verify", f"{args.rev}^{{commit}}").strip()
            git("worktree", "add", "--detach", str(first), commit)
        copy_working_tree(second)
        try:
            before = digests(build(first, work / "cache-first"))
            after = digests(build(second, work / "cache-second"))
        finally:
            if not args.twice:
                git("worktree", "remove", "--force", str(first))
        if not before and not after:
            print("neither build wrote a file", file=sys.stderr)
            return 1
        return 1 if compare(before, after, labels) else 0


if __name__ == "__main__":
    sys.exit(main())
