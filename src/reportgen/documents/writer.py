"""What every document builder needs: the language, formats, facts, sources and Markdown.

A ``Writer`` lives for one build of one document in one language for one audience.
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from reportgen import checks, markdown
from reportgen.audience import Audience, is_public
from reportgen.checks import Staleness
from reportgen.documents.content import (
    Block,
    BulletList,
    Cell,
    Cover,
    Inline,
    Paragraph,
    Run,
    Section,
    Source,
    map_cover_runs,
    map_runs,
    plain,
    safe_link,
)
from reportgen.documents.terms import LABELS
from reportgen.i18n import fill, has_message, translations
from reportgen.languages import SOURCE_LANGUAGE, fallback_chain
from reportgen.limits import released
from reportgen.models import CityProfile, Profile
from reportgen.models.common import Contact
from reportgen.models.common import Source as SourceModel
from reportgen.models.types import PartialDate, Text, currency_digits

SAFE_SCHEMES = ("http://", "https://", "mailto:")

_BABEL_LOCALES = {"en": "en_GB", "zh-Hans": "zh_Hans_CN", "zh-Hant": "zh_Hant_TW"}


def babel_locale(lang: str) -> str:
    """The CLDR locale whose formats a document in ``lang`` uses (``en`` prints 1 May 2019)."""
    return _BABEL_LOCALES.get(lang, lang.replace("-", "_"))


MINUS = "\u2212"
"""The minus sign of print: CLDR writes most languages' minus as a hyphen."""


def true_minus(text: str) -> str:
    """A formatted number with a true minus sign (U+2212) where it has a hyphen-minus."""
    return re.sub(r"(?<![\w.])-(?=[\d¤A-Z\u00a0])", MINUS, text)


@dataclass(kw_only=True)
class Writer:
    """Turns profile values into runs and blocks in one language, for one audience."""

    lang: str = "en"
    audience: Audience = "internal"
    staleness: Staleness
    """How old a fact may be, and the day facts are judged on (the build context's)."""
    cities: Mapping[str, CityProfile] = field(default_factory=dict)
    """Cities known to the project, to print partner ids as names."""
    locales: Path | None = None
    """The project's own catalogs, which extend or override the shipped ones."""
    used: set[str] = field(default_factory=set)
    """Ids of the cities whose profiles this document drew names from."""
    unresolved: set[str] = field(default_factory=set)
    """Names that were looked up as city ids and printed as free names."""
    searched: bool = False
    """Whether the document looked among all the project's profiles (the previous
    visit): it then depends on which profiles exist, as for ``unresolved``."""
    names: set[str] = field(default_factory=set)
    """The words of the proper names printed (``Document.names``)."""
    _entries: list[_Entry] = field(default_factory=list)
    _copies: dict[tuple[str, str, str], _Copy] = field(default_factory=dict)
    _catalog: gettext.NullTranslations = field(default_factory=gettext.NullTranslations)
    catalog_lang: str | None = None
    """The language whose catalog gives the fixed strings; None when English stands in."""
    mark_fallbacks: bool = False
    """Mark each text printed in another language than the document's ("[EN] ...")."""
    fell_back: set[str] = field(default_factory=set)
    """The languages that texts were printed in for want of the document's."""
    missing_messages: set[str] = field(default_factory=set)
    """Fixed strings that the catalogs do not translate into the document's language."""

    def __post_init__(self) -> None:
        self._catalog, self.catalog_lang = translations(fallback_chain(self.lang), self.locales)

    @property
    def cjk(self) -> bool:
        """Whether the document is in Chinese or Japanese (full-width punctuation)."""
        return self.lang.split("-")[0] in ("ja", "zh")

    @property
    def public(self) -> bool:
        return is_public(self.audience)

    @property
    def today(self) -> dt.date:
        """The day facts are judged on."""
        return self.staleness.today

    # --- words --------------------------------------------------------------------------

    def t(self, message: str, **values: object) -> str:
        """A fixed string in the document's language; ``{name}`` fields filled from ``values``."""
        if self.catalog_lang not in (None, SOURCE_LANGUAGE) and not has_message(
            self._catalog, message
        ):
            self.missing_messages.add(message)
        text = self._catalog.gettext(message)
        return fill(text, values) if values else text

    def term(self, value: Text | str | None) -> str:
        """A word from the data (a status, a unit, a kind of appointment), translated.

        A text written in the document's language is printed as it is; else a word the
        catalog knows is translated (``draft`` prints as the label "Draft"); any other word
        is printed as written (marked as untranslated where the build allows it).
        """
        if value is None:
            return ""
        if isinstance(value, Text):
            chain = fallback_chain(self.lang)
            own = chain if self.lang == SOURCE_LANGUAGE else chain[:-1]
            if any(value.has(tag) for tag in own):
                return self.text(value)
            word = value.get(SOURCE_LANGUAGE)
        else:
            word = value
        label = LABELS.get(word.casefold())
        if label:
            return self.t(label)
        for candidate in (word, word.casefold()):
            if has_message(self._catalog, candidate):
                return self._catalog.gettext(candidate)
        if isinstance(value, Text) and self.lang.split("-")[0] != SOURCE_LANGUAGE:
            return self.text(value)
        if self.catalog_lang not in (None, SOURCE_LANGUAGE):
            self.missing_messages.add(word)  # a free word of the data: the catalog's to give
        return word

    def header(self, *names: str) -> tuple[Cell, ...]:
        """Table header cells, each name translated."""
        return tuple(Cell(plain(self.t(name))) for name in names)

    def text(self, value: Text | str | None) -> str:
        """The text in the document's language, else along the fallback chain.

        Which texts fell back is reported per file by ``reportgen.texts.untranslated``.
        """
        text, fallback = self._pick(value)
        if fallback is None or not self.mark_fallbacks:
            return text
        self.fell_back.add(fallback)
        return f"{self._mark(fallback)} {text}"

    def reference(self, value: Text | str | None) -> str:
        """A text that is cited as it was written (a source's title, a name, an address):
        in the document's language when it has it, never marked as untranslated."""
        return self._pick(value)[0]

    def _pick(self, value: Text | str | None) -> tuple[str, str | None]:
        """The text in the document's language or a parent, and the language it fell back
        to when it has none (None: it is in the document's language)."""
        if value is None:
            return "", None
        if isinstance(value, str):
            return value, None
        chain = fallback_chain(self.lang)
        own = chain if self.lang == SOURCE_LANGUAGE else chain[:-1]
        for tag in own:
            if value.has(tag):
                return value.get(tag), None
        if value.default is not None and SOURCE_LANGUAGE in own:
            return value.default, None
        fallback = next((t for t in chain if value.has(t)), None)
        if fallback is None:
            fallback = SOURCE_LANGUAGE if value.default is not None else value.languages[0]
        return value.get(chain[0], chain[1:]), fallback

    def _mark(self, lang: str) -> str:
        """``[EN]``: what marks a text printed in ``lang`` for want of a translation."""
        return f"[{lang.split('-')[0].upper()}]"

    def name(self, value: Text, local_lang: str | None = None) -> Inline:
        """A name in the document's language first, then in its local script, then in English.

        ``local_lang`` names the local script's key; without it, the first non-Latin
        form is taken. Each form is shown once, and marked with its language. A Chinese
        or Japanese document that has the name in its own script prints that alone: the
        other language's glyph forms (北九州市長 beside 北九州市市长) and English would
        only confuse its reader.
        """
        main = self.name_text(value)
        runs: list[Run] = [Run(main)]
        if self.cjk and _non_latin(main):
            return tuple(runs)
        shown = {main}
        local = local_lang or next(
            (lang for lang in value.languages if _non_latin(value.get(lang))), None
        )
        if local and value.has(local) and value.get(local) not in shown:
            runs.append(Run(f" {value.get(local)}", lang=local))
            shown.add(value.get(local))
        english = value.get("en") if value.has("en") else value.default
        if english and english not in shown:
            runs.append(Run(self.gloss(english), lang="en"))
        self.names.update(word for run in runs for word in _WORD.findall(run.text))
        return tuple(runs)

    def name_text(self, value: Text) -> str:
        """A name as the document's language writes it: its own form (or a parent's),
        else the English or default form. Never the form of another language of the same
        script family (a Japanese 北九州市長 in a Chinese document); names are not marked as
        untranslated (``pipeline.name_issues`` flags a Latin-only name in a CJK edition)."""
        chain = fallback_chain(self.lang)
        own = chain if self.lang == SOURCE_LANGUAGE else chain[:-1]
        for tag in own:
            if value.has(tag):
                return value.get(tag)
        return value.get(SOURCE_LANGUAGE)

    def gloss(self, text: str) -> str:
        """`` (text)``: what stands in brackets after a word, such as the English title
        after a local one ("Local title (English title)"); full-width in Chinese and
        Japanese, where no space comes before it."""
        return f"（{text}）" if self.cjk else f" ({text})"

    def city_name(self, city: CityProfile) -> Inline:
        return self.name(city.name, city.local_lang)

    def find_city(self, ref: str) -> CityProfile | None:
        """The city with id ``ref`` if the project has one (recorded as a dependency).

        A reference that does not resolve is recorded too: the document changes if a
        profile with that id appears later.
        """
        city = self.cities.get(ref)
        if city is not None:
            self.used.add(ref)
        else:
            self.unresolved.add(ref)
        return city

    def partner(self, ref: str) -> Inline:
        """A city id printed as the city's name; a free name as it is."""
        city = self.find_city(ref)
        if city is None:
            self.names.update(_WORD.findall(ref))
        return self.city_name(city) if city else (Run(ref),)

    def partner_text(self, ref: str) -> str:
        city = self.find_city(ref)
        return self.name_text(city.name) if city else ref

    def join_items(self, parts: Sequence[Inline], *, conjunction: bool = True) -> Inline:
        """Items as the language lists them (CLDR list patterns): "A、B和C" in Chinese.

        English keeps "A, B, C". Without ``conjunction``, every pair is joined by the
        separator that stands between middle items ("A、B、C"): for parts that are not a
        list of members (a title and an organisation, an address). Between two items in
        Latin letters (English standing in for a missing translation, a phone number after
        an address) ", " stands where the language's separator is in its own script.
        """
        parts = [part for part in parts if part]
        if len(parts) < 2 or self.lang.split("-")[0] == "en":
            return join(parts, ", ")
        patterns = _list_patterns(self.locale)
        if not conjunction:
            names = ["middle"] * (len(parts) - 1)
        elif len(parts) == 2:
            names = ["2"]
        else:
            names = ["start", *["middle"] * (len(parts) - 3), "end"]
        return _joined(parts, [_between(patterns[name]) for name in names], ", ")

    def items(self, parts: Sequence[str], *, conjunction: bool = True) -> str:
        """``join_items`` of plain texts; empty ones are left out."""
        inlines = [plain(part) for part in parts]
        return "".join(run.text for run in self.join_items(inlines, conjunction=conjunction))

    def join_parts(self, parts: Sequence[Inline]) -> Inline:
        """Parts that each say something of their own ("census, city; 7th census"): "; "
        between them, the full-width "；" in Chinese and Japanese unless all are in Latin
        letters."""
        parts = [part for part in parts if part]
        if len(parts) < 2 or self.lang.split("-")[0] not in ("ja", "zh"):
            return join(parts, "; ")
        return _joined(parts, ["；"] * (len(parts) - 1), "; ")

    def parts(self, parts: Sequence[str]) -> str:
        """``join_parts`` of plain texts; empty ones are left out."""
        return "".join(run.text for run in self.join_parts([plain(part) for part in parts]))

    # --- numbers and dates ------------------------------------------------------------------

    @property
    def locale(self) -> str:
        return babel_locale(self.lang)

    def date(self, value: PartialDate | dt.date | None) -> str:
        from babel.dates import format_date, format_skeleton

        if value is None:
            return ""
        if isinstance(value, dt.date):
            return str(format_date(value, "long", locale=self.locale))
        if value.precision == "day":
            return str(format_date(value.first, "long", locale=self.locale))
        if value.precision == "month":
            return str(format_skeleton("yMMMM", value.first, locale=self.locale))
        return str(format_skeleton("y", value.first, locale=self.locale))

    def period(self, start: PartialDate, end: PartialDate) -> str:
        """``12–14 October 2027``: the two dates as the language writes a range (CLDR).

        What the two ends share is written once; a range of months or of years stays one.
        Ends of different precision (a month to a day) are joined by the language's dash.
        """
        if start.precision == end.precision:
            text = _interval(start.first, end.first, start.precision, self.locale)
            if text is not None:
                return text
            if start == end:
                return self.date(start)
        from babel import Locale

        joined = str(Locale.parse(self.locale).interval_formats.get(None, "{0} – {1}"))
        return joined.format(self.date(start), self.date(end))

    def times(self, start: dt.time, end: dt.time | None = None) -> str:
        """``09:30–10:30``, ``9:30～10:30``: a time or a range of times as the language
        writes them (CLDR), a range joined as the language joins dates."""
        from babel import Locale
        from babel.dates import format_skeleton

        first = str(format_skeleton("Hm", start, locale=self.locale))
        if end is None:
            return first
        joined = str(Locale.parse(self.locale).interval_formats.get(None, "{0} – {1}"))
        last = str(format_skeleton("Hm", end, locale=self.locale))
        return _NUMBER_RANGE.sub("–", joined.format(first, last))

    def zone(self, zone: str, day: dt.date) -> str:
        """``Japan Standard Time (JST, UTC+09:00)``: a time zone by its name in the
        language (CLDR), its abbreviation where it has one, and its offset on ``day``."""
        name, *details = self.zone_parts(zone, day)
        return name + self.gloss(self.items(details, conjunction=False))

    def zone_parts(self, zone: str, day: dt.date) -> list[str]:
        """The name of a time zone, its abbreviation (if any) and its offset on ``day``."""
        from zoneinfo import ZoneInfo

        from babel.dates import get_timezone_name

        moment = dt.datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(zone))
        offset = moment.utcoffset() or dt.timedelta()
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "−"
        utc = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        try:
            name = str(get_timezone_name(moment, "long", locale=self.locale))
        except (LookupError, ValueError):
            name = zone
        short = moment.tzname() or ""
        return [name, short, utc] if short[:1].isalpha() and short.isupper() else [name, utc]

    def number(self, value: int | Decimal) -> str:
        from babel.numbers import format_decimal

        return true_minus(str(format_decimal(value, locale=self.locale)))

    def percent(self, fraction: Decimal, *, signed: bool = False, digits: int = 1) -> str:
        """``33.3%`` (``33,3 %`` in French): ``digits`` decimals, in the language's percent
        format (CLDR), with a true minus sign, and a plus sign when ``signed``."""
        from babel import Locale
        from babel.numbers import format_percent

        locale = Locale.parse(self.locale)
        pattern = locale.percent_formats[None].pattern.split(";")[0]
        if digits:
            pattern = re.sub(r"0(?!.*0)", "0." + "0" * digits, pattern, count=1)
        text = str(format_percent(abs(fraction), format=pattern, locale=locale))
        if fraction.quantize(Decimal("0.0001")) == 0:
            return text
        if fraction < 0:
            return MINUS + text
        return "+" + text if signed else text

    def quantity(self, value: int | Decimal, unit: Text | str | None) -> str:
        """``3 person-trips``: a number and its unit, which the catalogs may translate;
        no space between them in Chinese and Japanese (3人回)."""
        number = self.number(value)
        if unit is None:
            return number
        word = self.term(unit)
        return f"{number}{'' if self.cjk and _non_latin(word) else ' '}{word}"

    def money(self, value: Decimal, currency: str) -> str:
        """``JPY 51,350,000``; ``5,135万円`` where the language counts large amounts in
        myriads (CLDR's compact forms of Chinese and Japanese) and the amount is exact."""
        from babel.numbers import format_currency

        compact = _myriads(value, currency, self.locale)
        if compact is not None:
            return compact
        return true_minus(
            str(
                format_currency(
                    value,
                    currency,
                    format="¤¤\u00a0#,##0.00",
                    locale=self.locale,
                    currency_digits=True,
                )
            )
        )

    def amount(self, value: Decimal, currency: str) -> str:
        """An amount without its currency, with the currency's minor-unit digits."""
        from babel.numbers import format_decimal

        digits = currency_digits(currency)
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return true_minus(str(format_decimal(value, format=pattern, locale=self.locale)))

    # --- facts and sources -------------------------------------------------------------------

    def register_sources(self, profile: Profile) -> None:
        """Make the sources of a profile citable, one entry per distinct source.

        A source that another profile already registered (the same id and title, or the
        same URL) joins that entry: each document lists every distinct source once.
        Entries get their numbers when the document is complete (``cite``).
        """
        owner = (profile.kind, profile.id)
        for source in profile.sources:
            key = (*owner, source.id)
            if key in self._copies:
                continue
            entry = next((e for e in self._entries if e.matches(self, source)), None)
            if entry is None:
                entry = _Entry()
                self._entries.append(entry)
            copy = _Copy(f"cite-{len(self._copies) + 1}", owner, source, entry)
            entry.copies.append(copy)
            self._copies[key] = copy

    def ref(self, profile: Profile, source_id: str | None) -> Inline:
        """``[3]``, linked to the sources section; nothing when there is no source.

        The number is written by ``cite``, once the document's contents are known.
        """
        if source_id is None:
            return ()
        copy = self._copies.get((profile.kind, profile.id, source_id))
        if copy is None:
            return ()
        return (Run("[?]", "ref", href=f"#{copy.key}"),)

    def cite(self, cover: Cover, sections: Sequence[Section], own: Profile) -> Cited:
        """Number the sources that ``cover`` and ``sections`` refer to, in reading order.

        A reader meets ``[1]`` first, then ``[2]``: each source is numbered by its first
        reference, and a source that nothing in the document refers to is not listed.
        Only the sources of ``own`` (the document's own profile) that nothing refers to
        (and that were read by the document's day) are kept, apart and unnumbered, as also
        consulted; not in a public document, where
        they would tell of what it leaves out (a visit's sources back its talking points
        and sensitivities).
        """
        copies = {copy.key: copy for copy in self._copies.values()}
        cited: dict[_Entry, list[_Copy]] = {}  # in order, each with the copies cited

        def number(run: Run) -> Run:
            copy = copies.get((run.href or "#")[1:]) if run.style == "ref" else None
            if copy is None:
                return run
            order = cited.setdefault(copy.entry, [])
            if copy not in order:
                order.append(copy)
            number = list(cited).index(copy.entry) + 1
            return replace(run, text=f"[{number}]", href=f"#src-{number}")

        cover = map_cover_runs(cover, number)
        sections = [
            replace(section, blocks=tuple(map_runs(block, number) for block in section.blocks))
            for section in sections
        ]
        sources = tuple(
            Source(index, f"src-{index}", entry.runs(self, order))
            for index, (entry, order) in enumerate(cited.items(), start=1)
        )
        owner = (own.kind, own.id)
        consulted = tuple(
            entry.runs(self, [c for c in entry.copies if c.owner == owner])
            for entry in self._entries
            if entry not in cited
            and any(c.owner == owner and not self._later(c.source) for c in entry.copies)
        )
        return Cited(cover, sections, sources, () if self.public else consulted)

    def _later(self, source: SourceModel) -> bool:
        """Whether ``source`` was read after the document's day (a document as of a past
        day does not list it as consulted)."""
        return source.accessed is not None and source.accessed.first > self.today

    def stale(self, as_of: PartialDate) -> bool:
        return checks.is_stale(as_of, checks.months_before(self.today, self.staleness.months))

    def fact(
        self,
        value: str,
        fact: Any,
        profile: Profile,
        *,
        current: bool = True,
        details: Sequence[str] = (),
    ) -> Inline:
        """``941,239 (estimate; approximate) as of 1 May 2019 [1]``.

        ``details`` (what kind of figure it is) and the fact's own note stand in brackets
        beside the value. A current fact that is stale gets a verify mark, in internal
        documents only: a public one shows the date and source, never a review mark.
        """
        runs: list[Run] = [Run(value)]
        remarks = self.parts([*details, self.text(getattr(fact, "note", None))])
        if remarks:
            runs.append(Run(self.gloss(remarks), "muted"))
        runs.append(Run(" " + self.t("as of {date}", date=self.date(fact.as_of)), "asof"))
        runs.extend(self.ref(profile, getattr(fact, "source", None)))
        if current and not self.public and checks.is_stale_fact(fact, self.staleness):
            runs.append(Run(f" {self.t('verify')}", "verify"))
        return tuple(runs)

    # --- markdown -----------------------------------------------------------------------------

    def blocks(self, value: Text | None, style: str | None = None) -> tuple[Block, ...]:
        """Markdown-subset text as paragraphs and lists; raw HTML stays literal text."""
        source, fallback = self._pick(value)
        if not source:
            return ()
        if fallback and self.mark_fallbacks:
            self.fell_back.add(fallback)
            return _marked(self._blocks(source, style), f"{self._mark(fallback)} ")
        return self._blocks(source, style)

    def _blocks(self, source: str, style: str | None) -> tuple[Block, ...]:
        # a long text of emphasis can run the memory out: let go of it here (see ``released``)
        return released(lambda: self._parsed(source, style))

    def _parsed(self, source: str, style: str | None) -> tuple[Block, ...]:
        tokens = markdown.parse(source)
        out: list[Block] = []
        items: list[Inline] = []
        depth = 0
        ordered = False
        for token in tokens:
            if token.type in ("bullet_list_open", "ordered_list_open"):
                if depth == 0:
                    items, ordered = [], token.type == "ordered_list_open"
                depth += 1
            elif token.type in ("bullet_list_close", "ordered_list_close"):
                depth -= 1
                if depth == 0:
                    out.append(BulletList(tuple(items), ordered))
            elif token.type == "inline":
                runs = _inline(token.children or [])
                if depth:
                    items.append(runs)
                else:
                    out.append(Paragraph(runs, style))
        return tuple(out)

    def inline(self, value: Text | None) -> Inline:
        """Markdown-subset text flattened to one line of runs."""
        runs: list[Run] = []
        for block in self.blocks(value):
            if isinstance(block, Paragraph):
                if runs:
                    runs.append(Run(" "))
                runs.extend(block.runs)
            elif isinstance(block, BulletList):
                if runs:
                    runs.append(Run(" "))
                runs.extend(self.join_parts(block.items))
        return tuple(runs)

    # --- contacts ---------------------------------------------------------------------------

    def contact(self, contact: Contact) -> Inline:
        parts: list[Inline] = []
        for value, name in ((contact.name, True), (contact.title, False), (contact.unit, False),
                            (contact.address, True)):  # fmt: skip
            if value is not None:
                parts.append((Run(self.name_text(value) if name else self.text(value)),))
        if contact.phone:
            parts.append((Run(contact.phone),))
        if contact.email:
            parts.append((Run(contact.email, href=safe_link(f"mailto:{contact.email}")),))
        if contact.url:
            parts.append((Run(contact.url, href=contact.url),))
        return self.join_items(parts, conjunction=False)


@dataclass(frozen=True)
class Cited:
    """A document's contents with its references numbered, and the sources they list."""

    cover: Cover
    sections: list[Section]
    sources: tuple[Source, ...]
    """The sources referred to, numbered in the order of their first reference."""
    consulted: tuple[Inline, ...]
    """The document's own sources that nothing refers to, as they are listed."""


@dataclass(eq=False)
class _Copy:
    """One profile's listing of a source; ``key`` is what its references link to."""

    key: str
    owner: tuple[str, str]
    """Kind and id of the profile that lists it."""
    source: SourceModel
    entry: _Entry


@dataclass(eq=False)
class _Entry:
    """One entry of the sources section: every profile's copy of one distinct source."""

    copies: list[_Copy] = field(default_factory=list)

    def matches(self, w: Writer, source: SourceModel) -> bool:
        """Whether ``source`` is this entry's source: the same URL, or the same id and title.

        An id and title that match are still another source when the URL or the publisher
        says so (two cities' "census" pages).
        """
        for known in (copy.source for copy in self.copies):
            if source.url and known.url:
                if _url_key(source.url) == _url_key(known.url):
                    return True
                continue
            if known.id != source.id or _key(w.reference(known.title)) != _key(
                w.reference(source.title)
            ):
                continue
            publishers = (source.publisher, known.publisher)
            if all(publishers) and len({_key(w.reference(x)) for x in publishers}) > 1:
                continue
            return True
        return False

    def runs(self, w: Writer, first: Sequence[_Copy]) -> Inline:
        """The entry as printed: title, publisher, date accessed, notes and URL.

        ``first`` are the copies that speak: the title and publisher are those of the
        copy the document cites (two listings of one URL can name it differently), and
        the notes are theirs alone: a note stays with the file that wrote it (a visit's
        note on why it lists a website is not printed where a city cites that website).
        A note is printed once, never one that repeats the title, the publisher or
        another note. The address and the date accessed are the source's, from any copy.
        """
        sources = [copy.source for copy in [*first, *(c for c in self.copies if c not in first)]]
        title = w.reference(sources[0].title)
        publisher = next((w.reference(s.publisher) for s in sources if s.publisher), "")
        url = next((s.url for s in sources if s.url), None)
        dates = [s.accessed for s in sources if s.accessed]
        accessed = max(dates, key=lambda date: date.last) if dates else None
        own = [copy.source.note for copy in first if copy.source.note]
        note = _notes([w.reference(n) for n in own], (title, publisher, url or ""))
        parts: list[Run] = [Run(title, "em")]
        if publisher and not _within(publisher, title):
            parts.append(Run(publisher))
        if accessed:
            parts.append(Run(w.t("Accessed {date}", date=w.date(accessed))))
        if note:
            parts.append(Run(note))
        if url:
            parts.append(Run(url, href=url))
        runs: list[Run] = []
        for part in parts:
            if runs:
                ended = runs[-1].text.rstrip().endswith(_SENTENCE_END)
                runs.append(Run(" " if ended else ". "))
            runs.append(part)
        return tuple(runs)


_OPENING, _CLOSING = "([{（［【「", ")]}）］】」"
_CLAUSE_END = re.compile(r"[;；。！？]\s*|[.!?](?:\s+|$)")
_SENTENCE_END = (".", "!", "?", "。", "！", "？")


class _Clause(NamedTuple):
    """A sentence or ``;`` part of a note, what ends it, and whether a sentence starts with it."""

    text: str
    end: str
    opens: bool


def _clauses(note: str) -> list[_Clause]:
    """The sentences and ``;`` parts of a note; what stands in brackets stays whole."""
    clauses: list[_Clause] = []
    depth = start = 0
    opens = True
    for index, char in enumerate(note):
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(depth - 1, 0)
        elif depth == 0 and index >= start:
            end = _CLAUSE_END.match(note, index)
            if end:
                clauses.append(_Clause(note[start:index], end.group(), opens))
                opens = end.group().strip().endswith(_SENTENCE_END)
                start = end.end()
    if note[start:].strip():
        clauses.append(_Clause(note[start:], "", opens))
    return clauses


def _within(part: str, whole: str) -> bool:
    """Whether ``part`` is written out in ``whole`` (whole words, any case)."""
    part, whole = _key(part).rstrip(".;。；"), _key(whole)
    if not part:
        return True
    if not part.isascii():
        return part in whole
    return re.search(rf"(?<!\w){re.escape(part)}(?!\w)", whole) is not None


def _notes(notes: Sequence[str], known: Sequence[str]) -> str:
    """The notes of one source's copies as one text, each clause once.

    A clause that ``known`` (the title, the publisher) already says is left out; one that
    another clause says in full ("Mayor Chen Shaowang" beside "Mayor Chen Shaowang
    (陈绍旺)") gives way to it, which takes its place. What stays is written as it was,
    a part that now starts a sentence with a capital.
    """
    clauses = [clause for note in notes for clause in _clauses(note.strip())]
    keys = [_key(clause.text) for clause in clauses]

    def fuller(index: int) -> int:
        """The clause that says clause ``index`` in full: the longest, else the first."""
        found = index
        for other, key in enumerate(keys):
            if other == index or not _within(keys[index], key):
                continue
            if (len(key), -other) > (len(keys[found]), -found):
                found = other
        return found

    said = [not key or any(_within(key, other) for other in known if other) for key in keys]
    order: list[int] = []
    for index in range(len(clauses)):
        chosen = fuller(index)
        if not said[index] and not said[chosen] and chosen not in order:
            order.append(chosen)
    out = ""
    for position, index in enumerate(order):
        text, end, opens = clauses[index]
        if not opens and (not out or out.rstrip().endswith(_SENTENCE_END)):
            text = text[:1].upper() + text[1:]
        if position == len(order) - 1:
            end = end.rstrip(" ;；")
        elif not end.strip():
            end = ". "
        elif not end.endswith((" ", "。", "；", "！", "？")):
            end += " "
        out += text + end
    return out.strip()


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _url_key(url: str) -> str:
    """A URL as compared: scheme and host in any case, with or without a final slash."""
    scheme, _, rest = url.strip().partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}".rstrip("/")


def _month_width(locale: Any) -> int:
    """How wide the long date format writes the month: 4 for "October", 3 for "Oct"."""
    from babel.dates import tokenize_pattern

    for kind, value in tokenize_pattern(locale.date_formats["long"].pattern):
        if kind == "field" and value[0] in "ML":
            return int(value[1])
    return 0


_SKELETONS = {"day": ("yMMMMd", "yMMMd"), "month": ("yMMMM",), "year": ("y",)}
_FIELDS = {"day": "yMd", "month": "yM", "year": "y"}
_NUMBER_RANGE = re.compile(r"(?<=\d)[\s\u2009]?–[\s\u2009]?(?=\d)")


def _interval(start: dt.date, end: dt.date, precision: str, lang: str) -> str | None:
    """The CLDR interval format of two dates of one precision; None when they are the same.

    Babel picks the nearest skeleton without widening its fields, so a locale that has
    "12–14 Oct 2027" but writes long dates as "12 October 2027" gets its month widened
    here, as CLDR's matching rules say. Two bare numbers are joined by a closed-up dash.
    """
    from babel import Locale
    from babel.dates import parse_pattern, tokenize_pattern, untokenize_pattern

    locale = Locale.parse(lang)
    values = {"y": (start.year, end.year), "M": (start.month, end.month), "d": (start.day, end.day)}
    greatest = next((f for f in _FIELDS[precision] if values[f][0] != values[f][1]), None)
    if greatest is None:
        return None
    formats = locale.interval_formats
    skeleton = next((s for s in _SKELETONS[precision] if s in formats), None)
    if skeleton is None or greatest not in formats[skeleton]:
        return None
    widen = skeleton == "yMMMd" and _month_width(locale) >= 4
    text = ""
    for pattern, day in zip(formats[skeleton][greatest], (start, end), strict=True):
        tokens = tokenize_pattern(pattern)
        if widen:
            tokens = [
                ("field", (value[0], 4))
                if kind == "field" and value[0] in "ML" and value[1] == 3
                else (kind, value)
                for kind, value in tokens
            ]
        text += parse_pattern(untokenize_pattern(tokens)).apply(day, locale)
    return _NUMBER_RANGE.sub("–", text)


def _myriads(value: Decimal, currency: str, locale: str) -> str | None:
    """``5,135万円``: an amount in the largest unit of 10,000 or 100,000,000 that divides it,
    as CLDR's short compact pattern and currency unit pattern write it; None when the
    language has no such unit or the amount is under it or not a whole number of it."""
    from babel import Locale
    from babel.numbers import format_decimal, get_currency_name, get_currency_unit_pattern

    patterns = Locale.parse(locale).compact_decimal_formats.get("short", {}).get("other", {})
    for magnitude in ("100000000", "10000"):
        pattern = patterns.get(magnitude)
        if pattern is None or str(pattern.pattern).strip("0") in ("", "K", "k"):
            continue
        suffix = str(pattern.pattern).replace("0", "")
        if not suffix or suffix.isascii():
            continue
        count, rest = divmod(value, Decimal(magnitude))
        if count < 1 or rest:
            continue
        number = f"{format_decimal(count, locale=locale)}{suffix}"
        name = get_currency_name(currency, int(count), locale=locale)
        return str(get_currency_unit_pattern(currency, int(count), locale=locale)).format(
            number, name
        )
    return None


@cache
def _list_patterns(locale: str) -> dict[str, str]:
    """The locale's standard list patterns (``{0}、{1}``); English's when it has none."""
    from babel import Locale

    for name in (locale, "en"):
        try:
            patterns = Locale.parse(name).list_patterns["standard"]
            return {key: str(patterns[key]) for key in ("start", "middle", "end", "2")}
        except (KeyError, ValueError, LookupError):
            continue
    return dict.fromkeys(("start", "middle", "end", "2"), "{0}, {1}")


def _between(pattern: str) -> str:
    """What a list pattern puts between its two items: "、" in ``{0}、{1}``."""
    return pattern.partition("{0}")[2].partition("{1}")[0]


def _joined(parts: Sequence[Inline], separators: Sequence[str], latin: str) -> Inline:
    """``parts`` with ``separators`` between them; ``latin`` between two parts in Latin
    letters (one of them with a word) where the separator is not in Latin letters."""
    runs: list[Run] = list(parts[0])
    for before, after, separator in zip(parts[:-1], parts[1:], separators, strict=True):
        texts = ["".join(run.text for run in part) for part in (before, after)]
        if (
            _non_latin(separator)
            and not any(_non_latin(text) for text in texts)
            and any(char.isalpha() for text in texts for char in text)
        ):
            separator = latin
        runs.append(Run(separator))
        runs.extend(after)
    return tuple(runs)


def _marked(blocks: tuple[Block, ...], mark: str) -> tuple[Block, ...]:
    """``blocks`` with ``mark`` before their first words (a paragraph or a list's first item)."""
    if not blocks:
        return blocks
    first = blocks[0]
    run = Run(mark, "verify")
    if isinstance(first, Paragraph):
        first = replace(first, runs=(run, *first.runs))
    elif isinstance(first, BulletList) and first.items:
        first = replace(first, items=((run, *first.items[0]), *first.items[1:]))
    return (first, *blocks[1:])


def join(parts: Sequence[Inline], separator: str) -> Inline:
    runs: list[Run] = []
    for index, part in enumerate(p for p in parts if p):
        if index:
            runs.append(Run(separator))
        runs.extend(part)
    return tuple(runs)


_WORD = re.compile(r"[^\W\d_][\w'’-]*")
"""A word of a name (``Saint-Étienne``, ``O'Neill``)."""

_LATIN = re.compile(r"^[\u0000-\u024F\u1E00-\u1EFF\s]*$")


def _non_latin(text: str) -> bool:
    return not _LATIN.match(text)


def _inline(children: Sequence[Any]) -> Inline:
    runs: list[Run] = []
    styles: list[str] = []
    href: str | None = None
    for child in children:
        kind = child.type
        if kind in ("em_open", "strong_open"):
            styles.append(kind[:-5])
        elif kind in ("em_close", "strong_close"):
            if styles:
                styles.pop()
        elif kind == "link_open":
            target = str(child.attrs.get("href", ""))
            href = safe_link(target) if target.startswith(SAFE_SCHEMES) else None
        elif kind == "link_close":
            href = None
        elif kind in ("softbreak", "hardbreak"):
            runs.append(Run(" "))
        elif kind in ("text", "code_inline") and child.content:
            runs.append(Run(child.content, styles[-1] if styles else None, href))
    return _merge(runs)


def _merge(runs: list[Run]) -> Inline:
    merged: list[Run] = []
    for run in runs:
        last = merged[-1] if merged else None
        if last and (last.style, last.href, last.lang) == (run.style, run.href, run.lang):
            merged[-1] = Run(last.text + run.text, last.style, last.href, last.lang)
        else:
            merged.append(run)
    return tuple(merged)
