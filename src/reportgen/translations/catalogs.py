"""A project catalog of fixed strings (headings, labels), started from the shipped template.

``locales/<lang>/LC_MESSAGES/reportgen.po`` beside ``reportgen.yaml`` comes before the
shipped catalog of that language: a string it translates replaces the shipped one, a
string it leaves empty keeps the shipped translation (or English). A catalog that
exists is never replaced: ``force`` adds the strings it lacks and keeps the rest. It is
never written through a symbolic link.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.errors import UsageError, display_link, display_path
from reportgen.output import linked_on_the_way
from reportgen.workspace import Workspace

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog


def new_catalog(workspace: Workspace, lang: str, *, force: bool = False) -> Path:
    """Write the project's catalog of ``lang`` from ``reportgen.pot``; returns its path."""
    from babel import Locale
    from babel.messages.pofile import read_po, write_po

    from reportgen.i18n import catalog_path, locales_folder
    from reportgen.languages import catalog_name
    from reportgen.output import write_atomic
    from reportgen.targets import check_language
    from reportgen.translations import moment

    check_language(lang)
    if workspace.manifest_path is None:
        raise UsageError(
            "no reportgen.yaml here or in any folder above: a project catalog goes in "
            "locales/ beside the manifest"
        )
    target = catalog_path(workspace.root / "locales", lang)
    link = linked_on_the_way(workspace.root, target)
    if link is not None:
        raise UsageError(
            f"{display_link(link)} is a symbolic link: new-catalog never writes through one; "
            "remove it and run again"
        )
    if target.exists() and not force:
        raise UsageError(
            f"{display_path(target)} exists already (--force adds the strings it lacks, "
            "keeping its translations)"
        )
    with (locales_folder() / "reportgen.pot").open("rb") as handle:
        catalog = read_po(handle)
    shipped = _shipped(catalog_path(locales_folder(), lang))
    catalog.locale = Locale.parse(catalog_name(lang))
    catalog.fuzzy = False
    catalog.project = "reportgen"
    catalog.creation_date = catalog.revision_date = moment(workspace)
    catalog.header_comment = (
        f"# Fixed strings of reportgen documents in {lang}, for this project.\n"
        "# A translated msgstr replaces the shipped one; an empty msgstr keeps the shipped\n"
        "# translation (or the English text)."
    )
    for message in catalog:
        if message.id and message.id in shipped:
            message.auto_comments.append(f"shipped: {shipped[message.id]}")
    if target.exists():
        catalog = _completed(target, catalog)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=76)
    write_atomic(target, buffer.getvalue())
    return target


def _completed(target: Path, template: Catalog) -> Catalog:
    """The project's catalog at ``target`` with the strings of ``template`` it lacks
    added; every string it has stays as it is."""
    from babel.messages.pofile import PoFileError, read_po

    try:
        with target.open("rb") as handle:
            own = read_po(handle, abort_invalid=True)
    except (OSError, PoFileError, ValueError) as exc:
        raise UsageError(
            f"{display_path(target)} cannot be read ({exc}): correct it, or move it away to "
            "start a new one"
        ) from None
    for message in template:
        if message.id and message.id not in own:
            own[message.id] = message
    return own


def _shipped(path: Path) -> dict[str, str]:
    """The shipped translations of a language, by message, when it has a catalog."""
    from babel.messages.pofile import read_po

    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {
        str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.string, str) and m.string
    }
