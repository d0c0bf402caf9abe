"""The Jinja2 environment: project templates first, the built-in ones last.

Autoescape is on, undefined names are errors, and ``None`` prints as nothing, so an
absent value can never reach a page as "None". Profile text is only ever data here:
it is escaped, never compiled as a template. Compiled templates are kept in the user's
cache folder.

Project templates are read only from inside the project's ``templates/`` folder: a
template (or the stylesheet) that is a symbolic link leading elsewhere, or that lies in
a linked folder leading elsewhere, is refused, so no file outside can reach a page.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from reportgen.documents.content import Run, safe_link
from reportgen.errors import ReportgenError, display_link, display_path
from reportgen.typography import ADDRESS, typographic


class TemplateError(ReportgenError):
    """A template cannot be rendered: a syntax error, an undefined name, a forbidden call."""


def outside_message(path: Path, folder: Path) -> str | None:
    """Why ``path`` (in the templates folder ``folder``) may not be used, if it may not:
    it leads outside the folder through a symbolic link."""
    try:
        real = path.resolve(strict=True)
        home = folder.resolve(strict=True)
    except (OSError, RuntimeError):
        return None  # missing or a loop: the loader reports it as not found
    if real.is_relative_to(home):
        return None
    return (
        f"{display_link(path)} leads outside {display_link(folder)} (a symbolic link); "
        "templates and the stylesheet must be files inside the project's templates folder"
    )


def render(project_templates: Path | None, name: str, **context: Any) -> str:
    """Render the template ``name``; every template problem becomes a ``TemplateError``
    naming the template file and line."""
    import jinja2

    try:
        return str(environment(project_templates).get_template(name).render(**context))
    except jinja2.TemplateSyntaxError as exc:
        where = _where(exc.filename or exc.name, exc.lineno)
        raise TemplateError(f"{where}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"{_frame(exc, name)}: no template named {exc.name}") from None
    except jinja2.TemplateError as exc:
        message = exc.message or type(exc).__name__
        where = _frame(exc, "" if getattr(exc, "names_its_file", False) else name)
        raise TemplateError(f"{where}: {message}" if where else message) from None
    except RecursionError as exc:
        raise TemplateError(f"{_frame(exc, name)}: a template calls itself without end") from None


def _where(filename: str | None, line: int | None) -> str:
    shown = display_path(Path(filename)) if filename else "template"
    return f"{shown}:{line}" if line else shown


def _frame(exc: BaseException, default: str) -> str:
    """The innermost template line in the traceback (Jinja2 rewrites frames to point there)."""
    found = default
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = _where(filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _finalize(value: Any) -> Any:
    return "" if value is None else value


_CJK = "\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u04ff\u1e00-\u1eff"
_KEPT = re.compile(
    rf"(?P<address>{ADDRESS})"
    rf"|(?P<date>(?:\d{{1,4}}[年月日])+)|(?P<word>[{_CJK}]+)"
)
_KEPT_AND_NAMES = re.compile(
    _KEPT.pattern + rf"|(?<![\w@./-])(?P<name>[{_LETTER}]{{5,}}(?:[-'’][{_LETTER}]+)*)"
)
HYPHENATED = ("de", "fr", "pt", "es", "it", "nl")
"""Languages whose documents are hyphenated (``print.css``): in them, names are marked
so that they are not."""
ALL_NOUNS_CAPITALISED = ("de",)
"""Languages where a capital does not tell a name: only the names printed are marked."""


@dataclass(frozen=True)
class _Names:
    """Which words of a hyphenated document are names: those of the names it prints,
    and, unless the language capitalises every noun, every capitalised word."""

    words: frozenset[str]
    capitalised: bool

    def named(self, word: str) -> bool:
        if self.capitalised and word[0].isupper():
            return True
        return word in self.words or any(part in self.words for part in _PARTS.split(word))


_PARTS = re.compile(r"[-'’]")
_NAMES: ContextVar[_Names | None] = ContextVar("reportgen_names", default=None)


@contextmanager
def hyphenated(lang: str, names: Iterable[str] = ()) -> Iterator[None]:
    """While rendering a document in ``lang`` that prints ``names`` (their words): mark
    its names if the language hyphenates."""
    primary = lang.split("-")[0]
    marked = None
    if primary in HYPHENATED:
        marked = _Names(frozenset(names), primary not in ALL_NOUNS_CAPITALISED)
    token = _NAMES.set(marked)
    try:
        yield
    finally:
        _NAMES.reset(token)


_LANG: ContextVar[str | None] = ContextVar("reportgen_lang", default=None)


@contextmanager
def typeset(lang: str) -> Iterator[None]:
    """While rendering a document in ``lang``: its printed text takes the language's
    quotation marks and typographic apostrophes (``typography.typographic``)."""
    token = _LANG.set(lang)
    try:
        yield
    finally:
        _LANG.reset(token)


def _typographic(text: str, lang: str | None = None) -> str:
    document = _LANG.get()
    if document is None:
        return text
    return typographic(text, lang or document)


KEPT_LETTERS = 8
"""The longest run of Chinese, Japanese or Korean letters kept on one line: a name
("北九州市", "陈绍旺") or a term; longer ones (sentences) break anywhere, as they should."""

_BREAK_BEFORE = re.compile(r"(?=/(?!/))(?<!/)|(?=[.\-_?#%~@])|(?<=//)|(?<=[=&])")
"""Where a web or e-mail address may break: before its own separators, after ``//``,
``=`` and ``&`` (a break never adds a hyphen)."""


def keep_html(text: str) -> Markup:
    """Text escaped, with what must not be split or hyphenated marked.

    Lines in Chinese and Japanese may break between any two letters, and WeasyPrint has
    no ``word-break: keep-all``: a name in a narrow column or a date in a title would be
    split ("北 / 九州市", "2027年5 / 月"). Each is put in a ``<span class="keep">``
    (``white-space: nowrap``); a word too long to fit a column is not kept.

    In languages that hyphenate, a word that was hyphenated at a line end reads as a
    word; an address or a name does not: web and e-mail addresses go in a
    ``<span class="address">`` that breaks only at its separators (``<wbr>``), and, in a
    language that hyphenates (``hyphenated``), the words of the names the document
    prints and capitalised words (proper names, as far as text can tell; not in German)
    in a ``<span class="name">``: the stylesheet hyphenates neither.
    """
    text = _typographic(text)
    out: list[str] = []
    end = 0
    names = _NAMES.get()
    named = False  # whether the last thing put out is a name's span
    for found in (_KEPT if names is None else _KEPT_AND_NAMES).finditer(text):
        word, name = found.group("word"), found.groupdict().get("name")
        if word is not None and not _kept_word(word):
            continue
        if name is not None and (names is None or not names.named(name)):
            continue
        between = text[end : found.start()]
        if name is not None and named and between == " ":
            # "Kazuhisa Takeuchi": one span for names that follow each other (fewer boxes)
            out[-1] = out[-1].removesuffix("</span>") + f" {escape(name)}</span>"
            end = found.end()
            continue
        out.append(str(escape(between)))
        named = name is not None
        if found.group("address") is not None:
            out.append(f'<span class="address">{_address_html(found.group())}</span>')
        elif name is not None:
            out.append(f'<span class="name">{escape(name)}</span>')
        else:
            out.append(f'<span class="keep">{escape(found.group())}</span>')
        end = found.end()
    out.append(str(escape(text[end:])))
    return Markup("".join(out))


WORD_JOINER = "\u2060"
"""An invisible letter between two others that a line may not break between."""


def _kept_word(word: str) -> bool:
    return 2 <= len(word) <= KEPT_LETTERS


def join_kept(text: str) -> str:
    """``text`` with the letters of what ``keep_html`` keeps on one line in Chinese,
    Japanese and Korean (a name of 2 to 8 letters, a date such as "2027年5月") joined by
    ``WORD_JOINER``: for a Word file, which has no spans, so that Word and LibreOffice
    keep them whole as the PDF does. Addresses and the names of hyphenated languages are
    left as they are (Word files are never hyphenated)."""
    out: list[str] = []
    end = 0
    for found in _KEPT.finditer(text):
        word = found.group("word")
        if found.group("address") is not None or (word is not None and not _kept_word(word)):
            continue
        out.append(text[end : found.start()])
        out.append(WORD_JOINER.join(found.group()))
        end = found.end()
    out.append(text[end:])
    return "".join(out)


def _address_html(address: str) -> str:
    """An address with a break opportunity at each separator; a hyphen stays with what
    follows it, so that a line never ends in a hyphen that could be taken for a break."""
    parts = _BREAK_BEFORE.split(address)
    html = "<wbr>".join(str(escape(part)) for part in parts if part)
    return re.sub(r"-(&[a-z]+;|.)", r'<span class="keep">-\1</span>', html)


def runs_html(runs: Iterable[Run], keep: bool = True) -> Markup:
    """Runs as HTML: text escaped, styles as classes, links only where they are safe.

    With ``keep``, short CJK words and dates stay on one line (``keep_html``): not in
    the header of a table, whose narrow columns wrap their labels where they must.
    """
    out: list[str] = []
    for run in runs:
        text = _typographic(run.text, run.lang)
        html = str(keep_html(text) if keep else escape(text)).replace("\n", "<br>")
        if run.style in ("em", "strong"):
            html = f"<{run.style}>{html}</{run.style}>"
        elif run.style:
            html = f'<span class="{run.style}">{html}</span>'
        if run.lang:
            html = f'<span lang="{escape(run.lang)}">{html}</span>'
        href = safe_link(run.href)
        if href:
            css = ' class="ref"' if run.style == "ref" else ""
            html = f'<a href="{escape(href)}"{css}>{html}</a>'
        out.append(html)
    return Markup("".join(out))


def svg_uri(svg: str) -> str:
    return data_uri(svg.encode("utf-8"), "image/svg+xml")


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def css_string(text: str) -> Markup:
    """Text as a quoted CSS string, inside a ``<style>`` element of a page.

    Every character but letters and digits is written as a CSS escape (``\\00003c`` for
    ``<``; six digits, so that no letter after it is read as part of it), so that no text
    can end the string, the rule or the ``<style>`` element: a catalog's translation or a
    mark stays text.
    """
    escaped = "".join(
        char if char.isalnum() and char.isprintable() else f"\\{ord(char):06x}" for char in text
    )
    return Markup(f'"{escaped}"')


def page_counter(template: str) -> Markup:
    """A translated "Page {page} of {pages}" as the value of a CSS ``content`` property."""
    from reportgen.documents.content import page_label_parts

    counters = {"{page}": "counter(page)", "{pages}": "counter(pages)"}
    parts = [counters.get(part) or css_string(part) for part in page_label_parts(template)]
    return Markup(" ".join(parts))


BUILT_IN = "reportgen:templates"
"""The built-in templates (``package:folder``), looked up after any other."""


@cache
def environment(project_templates: Path | None = None) -> Any:
    """The template environment; ``project_templates`` overrides the templates of the
    kinds of profile (the built-in ones) by name."""
    from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, StrictUndefined
    from jinja2.loaders import split_template_path
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class ProjectLoader(FileSystemLoader):
        """The project's templates, each checked to lie inside its folder."""

        def get_source(self, environment: Any, template: str) -> Any:
            from jinja2 import TemplateError as JinjaError

            folder = Path(self.searchpath[0])
            candidate = folder.joinpath(*split_template_path(template))
            problem = outside_message(candidate, folder)
            if problem is not None:
                error = JinjaError(problem)
                error.names_its_file = True  # type: ignore[attr-defined]
                raise error
            return super().get_source(environment, template)

    loaders: list[Any] = []
    if project_templates is not None and project_templates.is_dir():
        loaders.append(ProjectLoader(project_templates))
    from reportgen.registry import KINDS

    # the templates of each kind of profile (``ProfileKind.templates``), the built-in ones last
    own = dict.fromkeys(kind.templates for kind in KINDS.values())
    for entry in sorted(own, key=lambda entry: entry == BUILT_IN):
        package, _, folder = entry.partition(":")
        loaders.append(PackageLoader(package, folder))
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        bytecode_cache=_compiled_templates(),
    )
    env.filters["runs"] = runs_html
    env.filters["keep"] = keep_html
    env.filters["svg_uri"] = svg_uri
    env.filters["page_counter"] = page_counter
    env.filters["css_string"] = css_string
    env.filters["data_uri"] = lambda picture: data_uri(picture.data, picture.mime)
    return env


def _compiled_templates() -> Any:
    """Compiled templates kept in the user's cache folder, so that a run does not compile
    them again: Jinja2 finds each by the template's path and checks it against the
    template's source. The folder is named after the versions of reportgen and Jinja2,
    whose options shape the compiled code. A cache that cannot be read or written is
    skipped."""
    import jinja2

    from reportgen import usercache
    from reportgen._version import __version__

    class CompiledTemplates(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except OSError:
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                Path(self.directory).mkdir(parents=True, exist_ok=True)
                super().dump_bytecode(bucket)
            except OSError:
                pass

    folder = usercache.folder() / "templates" / f"{__version__}-jinja{jinja2.__version__}"
    return CompiledTemplates(str(folder))
