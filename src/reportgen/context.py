"""The build context of one command: its workspace, options, clock, staleness and audience.

Made once, where a command (or the Python API) starts, and passed whole to every build
step: ``build``, ``batch``, the schedules, the preview, ``translations`` and the
workers of a pool or a cluster. Nothing between the command line and the documents
takes ``stale_after`` or ``audience`` apart again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.audience import Audience, is_public
from reportgen.workspace import Clock, Options, Workspace

if TYPE_CHECKING:
    from reportgen.checks import Staleness
    from reportgen.project import Project


@dataclass(frozen=True)
class BuildContext:
    """What every build of one command shares: plain data (a worker gets a copy)."""

    workspace: Workspace
    options: Options

    @property
    def clock(self) -> Clock:
        """ "Now" for the command (``SOURCE_DATE_EPOCH``, ``--as-of``, else today)."""
        return self.workspace.clock

    @property
    def today(self) -> dt.date:
        return self.workspace.clock.today

    @property
    def staleness(self) -> Staleness:
        """How old a fact may be (``--stale-after``), judged on the command's day."""
        return self.workspace.staleness

    @property
    def audience(self) -> Audience:
        """The audience ``build`` makes (a batch's jobs name their own)."""
        return self.options.audience

    @property
    def public(self) -> bool:
        return is_public(self.options.audience)

    def staleness_for(self, as_of: dt.date | None) -> Staleness:
        """The staleness of a document written as of ``as_of`` (a target's): judged on
        that day when it is earlier than the command's."""
        staleness = self.workspace.staleness
        if as_of is None or as_of >= staleness.today:
            return staleness
        return dataclasses.replace(staleness, today=as_of)

    def project(self) -> Project:
        """A fresh index of the workspace's profiles."""
        return self.workspace.project()

    @classmethod
    def resolve(
        cls,
        start: Path | None = None,
        *,
        manifest: Path | None = None,
        profiles: Path | None = None,
        options: Options | None = None,
        clock: Clock | None = None,
        require_manifest: bool = False,
    ) -> BuildContext:
        """The context of a command given ``start`` (a file or folder) or ``manifest``:
        see ``Workspace.resolve``."""
        chosen = options or Options()
        workspace = Workspace.resolve(
            start,
            manifest=manifest,
            profiles=profiles,
            options=chosen,
            clock=clock,
            require_manifest=require_manifest,
        )
        return cls(workspace, chosen)

    @classmethod
    def of_project(
        cls,
        path: Path | None,
        options: Options,
        *,
        profiles: Path | None = None,
        clock: Clock | None = None,
    ) -> BuildContext:
        """The context of a whole project (``reportgen serve [MANIFEST|FOLDER]``).

        A manifest, or a folder holding one (no path: the nearest one from here
        upwards); otherwise the folder's profiles (its ``profiles/`` folder when it has
        one), with no manifest.
        """
        from reportgen.models.manifest import MANIFEST_NAME
        from reportgen.workspace import find_manifest

        if path is not None and path.is_file():
            found: Path | None = path
            folder = path.parent
        elif path is None:
            found = find_manifest()
            folder = Path.cwd()
        else:
            found = path / MANIFEST_NAME if (path / MANIFEST_NAME).is_file() else None
            folder = path
        if found is not None:
            return cls.resolve(
                manifest=found,
                profiles=profiles,
                options=options,
                clock=clock,
                require_manifest=True,
            )
        return cls(
            Workspace.of_folder(folder, profiles=profiles, options=options, clock=clock), options
        )
