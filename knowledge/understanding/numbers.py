"""Numbers, amounts and dates as facts usually write them, from
knowledge/data/numbers.toml: "twenty million" -> "20 million", "a quarter" ->
"25%", "upwards of" -> "over", "¥20k" -> "20,000 yen", "3/11" -> "march 11".

Numbers up to ten said alone stay words ("two of the largest"), as style
guides write them; larger ones and any with a scale word become digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from . import tables

_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
_SHORT_YEAR = re.compile(r"(?<![\w'])['‘’](\d\d)\b")
_SLASH_DATE = re.compile(r"(?<![\d/.])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/])")


@dataclass(frozen=True)
class _Tables:
    units: dict[str, int]
    tens: dict[str, int]
    scales: dict[str, int]
    suffixes: dict[str, str]
    fractions: dict[str, str]
    vague: dict[str, str]  # phrase -> the one word it becomes
    currencies: dict[str, str]
    months: dict[str, str]  # abbreviation or name -> month name
    month_names: tuple[str, ...]


@cache
def _tables() -> _Tables:
    data = tables.numbers()
    path = tables.NUMBERS_FILE

    def get(name: str) -> dict[str, Any]:
        return tables.table(data, name, path)

    vague = {p: word for word, phrases in get("vague").items() for p in phrases}
    months = {name: name for name in get("months")}
    months |= {abbr.rstrip("."): name for name, abbrs in get("months").items() for abbr in abbrs}
    return _Tables(
        units=get("units"),
        tens=get("tens"),
        scales=get("scales"),
        suffixes=get("suffixes"),
        fractions=get("fractions"),
        vague=vague,
        currencies=get("currencies"),
        months=months,
        month_names=tuple(get("months")),
    )


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    t = _tables()

    def words(keys: Iterable[str]) -> str:
        return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))

    number_word = words([*t.units, *t.tens, *t.scales])
    return {
        "number_run": re.compile(
            rf"\b(?:{number_word})(?:(?:\s+and\s+|[\s-]+)(?:{number_word}))*\b", re.I
        ),
        "fraction": re.compile(rf"\b(?:{words(t.fractions)})\b", re.I),
        "vague": re.compile(rf"\b(?:{words(t.vague)})\b", re.I),
        "suffixed": re.compile(
            rf"([{''.join(map(re.escape, t.currencies))}])?\s?(\d+(?:[.,]\d+)?)\s?"
            rf"({words(t.suffixes)})?\b(?(1)|(?(3)|(?!)))",
            re.I,
        ),
        "month": re.compile(rf"\b({words(t.months)})\.?(?=\s+\d|\s*$|\W)", re.I),
        "day_month": re.compile(rf"\b(\d{{1,2}})\s+(?:of\s+)?({words(t.month_names)})\b", re.I),
    }


def normalise_numbers(text: str) -> str:
    """Number words, fractions, vague amounts, currency and dates rewritten."""
    p = _patterns()
    t = _tables()
    text = p["fraction"].sub(lambda m: t.fractions[_key(m)], text)
    text = p["vague"].sub(lambda m: t.vague[_key(m)], text)
    text = p["number_run"].sub(_number_words, text)
    text = p["suffixed"].sub(_suffixed, text)
    text = _dates(text)
    return text


def _key(match: re.Match[str]) -> str:
    return " ".join(match.group(0).casefold().split())


def _number_words(match: re.Match[str]) -> str:
    """ "twenty-five" -> "25", "twenty million" -> "20 million", "two" -> "two"."""
    t = _tables()
    words = [w for w in re.split(r"[\s-]+", match.group(0).casefold()) if w != "and"]
    before_percent = match.string[match.end() :].lstrip().lower().startswith(("percent", "%"))
    if len(words) == 1 and words[0] in t.scales:
        return match.group(0)  # "million" alone, "thousands of"
    if len(words) == 1 and t.units.get(words[0], 99) <= 10 and not before_percent:
        return match.group(0)
    total = current = 0
    for word in words:
        if word in t.units or word in t.tens:
            current += t.units.get(word, 0) + t.tens.get(word, 0)
        elif t.scales[word] < 1000:
            current = max(current, 1) * t.scales[word]
        else:
            total += max(current, 1) * t.scales[word]
            current = 0
    return _digits(total + current)


def _digits(value: int) -> str:
    """20000000 -> "20 million", 150000 -> "150,000", 90 -> "90"."""
    for name in ("billion", "million"):
        scale = _tables().scales[name]
        if value >= scale:
            return f"{value / scale:g} {name}"
    return f"{value:,}" if value >= 10_000 else str(value)


def _suffixed(match: re.Match[str]) -> str:
    """ "¥20k" -> "20,000 yen", "11m" -> "11 million", "$5" -> "5 dollars"."""
    t = _tables()
    symbol, amount, suffix = match.group(1), match.group(2), match.group(3)
    text = amount
    if suffix:
        scale = t.suffixes[suffix.casefold()]
        if scale == "thousand":
            value = float(amount.replace(",", "")) * 1000
            text = f"{value:,.0f}"
        else:
            text = f"{amount} {scale}"
    if symbol:
        text = f"{text} {t.currencies[symbol]}"
    return f" {text}"


def _dates(text: str) -> str:
    t = _tables()
    p = _patterns()
    text = _ORDINAL.sub(r"\1", text)
    text = _SHORT_YEAR.sub(lambda m: f"{'20' if int(m.group(1)) <= 40 else '19'}{m.group(1)}", text)

    def slash(match: re.Match[str]) -> str:
        month, day, year = int(match.group(1)), int(match.group(2)), match.group(3)
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return match.group(0)
        found = f"{t.month_names[month - 1]} {day}"
        if year:
            found += f" {year if len(year) == 4 else '20' + year}"
        return found

    text = _SLASH_DATE.sub(slash, text)
    text = p["month"].sub(lambda m: t.months[m.group(1).casefold()], text)
    text = p["day_month"].sub(lambda m: f"{m.group(2).casefold()} {m.group(1)}", text)
    return text
