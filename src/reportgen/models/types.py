"""Value types shared by every kind of profile: text, partial dates, codes, money, ids."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
LANG_PATTERN = r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$"
_ID_RE = re.compile(ID_PATTERN)
_LANG_RE = re.compile(LANG_PATTERN)
_RESERVED_IDS = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10))}) | {
    *(f"lpt{i}" for i in range(10))
}


class Model(BaseModel):
    """Base of every profile model: frozen, strict about unknown keys, documented fields.

    The docstring under each field is its description in the JSON Schema. It is read
    when a schema is first asked for (``reportgen.models.descriptions``), not at import
    as ``use_attribute_docstrings`` would: validation never needs it.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        str_strip_whitespace=True,
        populate_by_name=False,
        defer_build=True,
    )

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The JSON Schema of this model, each field described by its docstring."""
        from reportgen.models.descriptions import describe

        describe(cls)
        return super().model_json_schema(*args, **kwargs)


# --- ids and references -------------------------------------------------------------------


def _check_id(value: str) -> str:
    if not _ID_RE.fullmatch(value):
        raise PydanticCustomError(
            "id",
            "'{value}' is not a valid id: use 1 to 63 lowercase letters, digits and hyphens,"
            " starting with a letter or digit",
            {"value": value[:80]},
        )
    if value in _RESERVED_IDS:
        raise PydanticCustomError("id", "'{value}' is a reserved name", {"value": value})
    return value


Id = Annotated[
    str,
    AfterValidator(_check_id),
    WithJsonSchema({"type": "string", "pattern": ID_PATTERN}),
]
"""An identifier: unique per kind, used in output file names and references."""

SourceRef = Annotated[
    str,
    AfterValidator(_check_id),
    WithJsonSchema(
        {"type": "string", "pattern": ID_PATTERN, "description": "id of an entry in `sources`"}
    ),
]
"""The id of an entry in the same file's ``sources`` list."""

PartnerRef = Annotated[str, Field(min_length=1, max_length=200)]
"""A city id when a profile with that id exists, otherwise printed as a free name."""


# --- languages and localized text -------------------------------------------------------


def _check_lang(value: str) -> str:
    if not _LANG_RE.fullmatch(value):
        raise PydanticCustomError(
            "lang",
            "'{value}' is not a BCP 47 language tag such as en, ja, zh-Hans or pt-BR",
            {"value": value[:40]},
        )
    return value


Lang = Annotated[
    str, AfterValidator(_check_lang), WithJsonSchema({"type": "string", "pattern": LANG_PATTERN})
]
"""A BCP 47 language tag: ``en``, ``ja``, ``zh-Hans``, ``pt-BR`` ..."""


def _check_document_lang(value: str) -> str:
    from reportgen.languages import language_problem

    problem = language_problem(value)
    if problem:
        raise PydanticCustomError("lang", "{problem}", {"problem": problem})
    return value


DocumentLang = Annotated[
    str,
    AfterValidator(_check_lang),
    AfterValidator(_check_document_lang),
    WithJsonSchema({"type": "string", "pattern": LANG_PATTERN}),
]
"""A language that documents can be written in: a BCP 47 tag that CLDR knows (``ko``,
not the country code ``kr``)."""


@dataclass(frozen=True)
class Text:
    """Localized text: one string in the default language, or translations by language.

    A small Markdown subset (paragraphs, emphasis, lists, links) is allowed; raw HTML is not.
    """

    default: str | None = None
    translations: tuple[tuple[str, str], ...] = ()

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _ in self.translations)

    def get(self, lang: str | None = None, fallbacks: Iterable[str] = ()) -> str:
        """The text in ``lang``, else along ``fallbacks``, else the default, else any."""
        table = dict(self.translations)
        for candidate in (lang, *fallbacks):
            if candidate and candidate in table:
                return table[candidate]
        if self.default is not None:
            return self.default
        return self.translations[0][1] if self.translations else ""

    def has(self, lang: str) -> bool:
        return lang in dict(self.translations)

    def __str__(self) -> str:
        return self.get("en")

    @classmethod
    def _validate(cls, value: Any) -> Text:
        if isinstance(value, Text):
            return value
        if isinstance(value, str):
            if not value.strip():
                raise PydanticCustomError("text_empty", "text must not be empty")
            return cls(default=value.strip())
        if isinstance(value, dict):
            if not value:
                raise PydanticCustomError("text_empty", "give at least one language")
            pairs: list[tuple[str, str]] = []
            for lang, text in value.items():
                _check_lang(str(lang))
                if not isinstance(text, str) or not text.strip():
                    raise PydanticCustomError(
                        "text_type",
                        "the {lang} text must be a non-empty string",
                        {"lang": lang},
                    )
                pairs.append((str(lang), text.strip()))
            return cls(translations=tuple(pairs))
        raise PydanticCustomError(
            "text_type", "expected text: a string, or a mapping of language tag to string"
        )

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda t: t.default if not t.translations else dict(t.translations)
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "anyOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "object",
                    "minProperties": 1,
                    "propertyNames": {"pattern": LANG_PATTERN},
                    "additionalProperties": {"type": "string", "minLength": 1},
                },
            ]
        }


# --- dates and times ----------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date that keeps its precision: a year, a month or a day (``2019``, ``2019-05``)."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> Literal["year", "month", "day"]:
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    @property
    def first(self) -> dt.date:
        """The first day this date may mean."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def last(self) -> dt.date:
        """The last day this date may mean."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return dt.date(self.year, month, day)

    def following(self) -> PartialDate:
        """The next day, month or year: 2023-02 is followed by 2023-03, 2025-10-31 by 2025-11-01."""
        if self.precision == "day":
            return PartialDate.parse(self.last + dt.timedelta(days=1))
        if self.precision == "month":
            after = self.last + dt.timedelta(days=1)
            return PartialDate(after.year, after.month)
        return PartialDate(self.year + 1)

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    @classmethod
    def parse(cls, value: Any) -> PartialDate:
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise PydanticCustomError("date_type", "expected a date: 2019-05-01, 2019-05 or 2019")
        match = _DATE_RE.fullmatch(value.strip())
        if not match:
            raise PydanticCustomError(
                "date_format",
                "'{value}' is not a date: write 2019-05-01, 2019-05 or 2019",
                {"value": value[:40]},
            )
        year, month, day = (int(g) if g else None for g in match.groups())
        assert year is not None
        try:  # month and day 00 are as impossible as 30 February
            dt.date(year, 1 if month is None else month, 1 if day is None else day)
        except ValueError:
            raise PydanticCustomError(
                "date_value", "'{value}' is not a real date", {"value": value}
            ) from None
        return cls(year, month, day)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.to_string_ser_schema()
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
                {"type": "integer", "minimum": 1000, "maximum": 9999},
            ]
        }


def _full_date(value: PartialDate) -> PartialDate:
    if value.precision != "day":
        raise PydanticCustomError("date_precision", "give a full date: YYYY-MM-DD")
    return value


FullDate = Annotated[PartialDate, AfterValidator(_full_date)]
"""A date to the day (``2027-05-12``)."""

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _parse_time(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    match = _TIME_RE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise PydanticCustomError(
            "time_format", 'expected a time of day as HH:MM (for example "09:30")'
        )
    return dt.time(int(match.group(1)), int(match.group(2)))


LocalTime = Annotated[
    dt.time,
    BeforeValidator(_parse_time),
    # HH:MM, as written: the default (HH:MM:SS) would not validate again
    PlainSerializer(lambda t: f"{t:%H:%M}", return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^([01]?\d|2[0-3]):[0-5]\d$"}),
]
"""A time of day, ``HH:MM``, local to the visit's time zone."""


def _check_zone(value: str) -> str:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):
        raise PydanticCustomError(
            "timezone",
            "'{value}' is not an IANA time zone such as Asia/Tokyo",
            {"value": value[:80]},
        ) from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_check_zone), WithJsonSchema({"type": "string"})]
"""An IANA time zone name such as ``Asia/Tokyo``."""


# --- codes, numbers and money ------------------------------------------------------------


@cache
def _country_codes() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries)


@cache
def _currency_codes() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies)


UNKNOWN_COUNTRY = "ZZ"
"""CLDR's unknown region: the placeholder of a starter that could not know the country."""


def _check_country(value: str) -> str:
    if value not in _country_codes() and value != UNKNOWN_COUNTRY:
        raise PydanticCustomError(
            "country", "'{value}' is not an ISO 3166-1 alpha-2 country code", {"value": value[:40]}
        )
    return value


def _check_currency(value: str) -> str:
    if value not in _currency_codes():
        raise PydanticCustomError(
            "currency", "'{value}' is not an ISO 4217 currency code", {"value": value[:40]}
        )
    return value


Country = Annotated[
    str,
    AfterValidator(_check_country),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z]{2}$"}),
]
"""An ISO 3166-1 alpha-2 country code (``JP``, ``CN``, ``NO``); ``ZZ`` marks one not known
yet, and is reported as a placeholder."""

Currency = Annotated[
    str,
    AfterValidator(_check_currency),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$"}),
]
"""An ISO 4217 currency code (``JPY``, ``EUR``)."""


def currency_digits(code: str) -> int:
    """Minor-unit digits of a currency (JPY 0, EUR 2), from CLDR."""
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(code))


def _reject_float(value: Any) -> Any:
    if isinstance(value, float):
        raise PydanticCustomError("decimal_float", "amounts must be exact decimals, not floats")
    return value


Amount = Annotated[Decimal, BeforeValidator(_reject_float), Field(ge=0, max_digits=18)]
"""An exact, non-negative decimal amount."""

Sdg = Annotated[int, Field(ge=1, le=17)]
"""A Sustainable Development Goal, 1 to 17."""

SdgList = Annotated[list[Sdg], Field(max_length=17)]
"""Sustainable Development Goals; there are 17 of them."""

INTERNAL: dict[str, Any] = {"x-audience": "internal"}
"""Marks a field (``json_schema_extra``) that public documents never carry; the
public edition clears it before any document is built (``documents.redact``)."""


class Money(Model):
    """An exact amount in a currency."""

    amount: Amount
    """The amount, an exact decimal (no floats); at most the currency's minor-unit digits."""
    currency: Currency
    """ISO 4217 currency code."""


# --- links, paths, e-mail -----------------------------------------------------------------


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PydanticCustomError(
            "url_scheme", "'{value}' is not an http(s) address", {"value": value[:80]}
        )
    return value


Url = Annotated[
    str,
    AfterValidator(_check_url),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://"}),
]
"""An ``http://`` or ``https://`` address."""

_EMAIL_RE = re.compile(
    r"^[^@\s<>()\[\]\\,;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)


def _check_email(value: str) -> str:
    if not _EMAIL_RE.fullmatch(value):
        raise PydanticCustomError(
            "email", "'{value}' is not an e-mail address", {"value": value[:80]}
        )
    return value


Email = Annotated[str, AfterValidator(_check_email), WithJsonSchema({"type": "string"})]
"""An e-mail address."""


def _check_relative_path(value: str) -> str:
    from pathlib import PurePosixPath
    from urllib.parse import unquote

    decoded = unquote(value)
    # a scheme (https:, file:, data:) or a drive letter (C:) makes it a URL or absolute path
    if decoded.startswith(("/", "\\")) or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", decoded):
        raise PydanticCustomError(
            "path",
            "'{value}' must be a path relative to this file, not a URL or absolute path",
            {"value": value[:80]},
        )
    if ".." in PurePosixPath(decoded.replace("\\", "/")).parts:
        raise PydanticCustomError(
            "path", "'{value}' must not leave the profile's folder (..)", {"value": value[:80]}
        )
    return value


RelativePath = Annotated[str, AfterValidator(_check_relative_path)]
"""A file path relative to the profile, inside its folder (no URLs, no ``..``)."""


def one_of(names: Mapping[str, object], what: str) -> object:
    """A Pydantic type: a string that names an entry of a registry (its JSON Schema an enum)."""
    from pydantic import AfterValidator, WithJsonSchema

    def check(value: str) -> str:
        if value not in names:
            raise PydanticCustomError(
                "choice",
                "'{value}' is not a {what}: use one of {names}",
                {"value": value[:60], "what": what, "names": ", ".join(names)},
            )
        return value

    return Annotated[str, AfterValidator(check), WithJsonSchema({"enum": list(names)})]
