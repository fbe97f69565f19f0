"""Discord's payload limits, checked the way Discord reports them (error code 50035).

Each ``check_*`` function returns ``None`` when the payload is fine, otherwise a
:class:`DiscordError` whose ``errors`` tree mirrors Discord's ``Invalid Form Body`` shape::

    {"code": 50035, "message": "Invalid Form Body",
     "errors": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": ...}]}}}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]
Path = tuple[str | int, ...]

INVALID_FORM_BODY = 50035
EMPTY_MESSAGE = 50006
COMPONENTS_V2 = 1 << 15

# Limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits,
# .../interactions/message-components, .../interactions/receiving-and-responding).
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER_TEXT = 2048
MAX_AUTHOR_NAME = 256
MAX_EMBED_TOTAL = 6000
MAX_ACTION_ROWS = 5
MAX_ROW_COMPONENTS = 5
MAX_V2_COMPONENTS = 40
MAX_BUTTON_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_SELECT_OPTIONS = 25
MAX_SELECT_OPTION_TEXT = 100
MAX_SELECT_PLACEHOLDER = 150
MAX_MODAL_TITLE = 45
MAX_MODAL_COMPONENTS = 5
MAX_TEXT_INPUT_LABEL = 45
MAX_LABEL_DESCRIPTION = 100
MAX_TEXT_INPUT_PLACEHOLDER = 100
MAX_TEXT_INPUT_VALUE = 4000
MAX_ATTACHMENTS = 10
MAX_CHOICES = 25
MAX_CHOICE_TEXT = 100

BUTTON, STRING_SELECT, TEXT_INPUT = 2, 3, 4
SELECTS = {3, 5, 6, 7, 8}
ACTION_ROW, LABEL = 1, 18
LINK_STYLE, PREMIUM_STYLE = 5, 6


@dataclass
class DiscordError:
    """An error response body Discord would send (HTTP ``status``)."""

    code: int
    message: str
    errors: Json = field(default_factory=dict)
    status: int = 400

    def body(self) -> Json:
        """The JSON body of the error response."""
        body: Json = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class _Errors:
    """Collects ``(path, code, message)`` into Discord's nested error tree."""

    def __init__(self) -> None:
        self.tree: Json = {}

    def add(self, path: Path, code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_len(self, path: Path, value: Any, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def required(self, path: Path, value: Any) -> None:
        if value is None or value == "":
            self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def max_items(self, path: Path, items: list[Any], limit: int) -> None:
        if len(items) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def result(self) -> DiscordError | None:
        if not self.tree:
            return None
        return DiscordError(INVALID_FORM_BODY, "Invalid Form Body", self.tree)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def embed_size(embed: Json) -> int:
    """Characters counted towards the 6000 limit for one embed."""
    total = len(_str(embed.get("title"))) + len(_str(embed.get("description")))
    total += len(_str((embed.get("footer") or {}).get("text")))
    total += len(_str((embed.get("author") or {}).get("name")))
    for f in embed.get("fields") or []:
        total += len(_str(f.get("name"))) + len(_str(f.get("value")))
    return total


def _check_embeds(err: _Errors, embeds: list[Json]) -> None:
    err.max_items(("embeds",), embeds, MAX_EMBEDS)
    for i, embed in enumerate(embeds):
        base: Path = ("embeds", i)
        err.max_len((*base, "title"), embed.get("title"), MAX_EMBED_TITLE)
        err.max_len((*base, "description"), embed.get("description"), MAX_EMBED_DESCRIPTION)
        footer, author = embed.get("footer") or {}, embed.get("author") or {}
        err.max_len((*base, "footer", "text"), footer.get("text"), MAX_FOOTER_TEXT)
        err.max_len((*base, "author", "name"), author.get("name"), MAX_AUTHOR_NAME)
        fields = embed.get("fields") or []
        err.max_items((*base, "fields"), fields, MAX_EMBED_FIELDS)
        for j, f in enumerate(fields):
            err.required((*base, "fields", j, "name"), f.get("name"))
            err.required((*base, "fields", j, "value"), f.get("value"))
            err.max_len((*base, "fields", j, "name"), f.get("name"), MAX_FIELD_NAME)
            err.max_len((*base, "fields", j, "value"), f.get("value"), MAX_FIELD_VALUE)
    if sum(embed_size(e) for e in embeds) > MAX_EMBED_TOTAL:
        err.add(
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}",
        )


def _check_leaf(err: _Errors, path: Path, comp: Json, seen: set[str]) -> None:
    ctype = comp.get("type")
    custom_id = comp.get("custom_id")
    if isinstance(custom_id, str):
        err.max_len((*path, "custom_id"), custom_id, MAX_CUSTOM_ID)
        if custom_id in seen:
            err.add(
                (*path, "custom_id"),
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            )
        seen.add(custom_id)
    if ctype == BUTTON:
        err.max_len((*path, "label"), comp.get("label"), MAX_BUTTON_LABEL)
        style = comp.get("style")
        if style == LINK_STYLE:
            err.required((*path, "url"), comp.get("url"))
        elif style != PREMIUM_STYLE:
            err.required((*path, "custom_id"), custom_id)
    elif ctype in SELECTS:
        err.required((*path, "custom_id"), custom_id)
        err.max_len((*path, "placeholder"), comp.get("placeholder"), MAX_SELECT_PLACEHOLDER)
        options = comp.get("options") or []
        err.max_items((*path, "options"), options, MAX_SELECT_OPTIONS)
        for k, option in enumerate(options):
            for key in ("label", "value", "description"):
                err.max_len((*path, "options", k, key), option.get(key), MAX_SELECT_OPTION_TEXT)
    elif ctype == TEXT_INPUT:
        _check_text_input(err, path, comp)


def _check_text_input(err: _Errors, path: Path, comp: Json) -> None:
    err.required((*path, "custom_id"), comp.get("custom_id"))
    err.max_len((*path, "label"), comp.get("label"), MAX_TEXT_INPUT_LABEL)
    err.max_len((*path, "placeholder"), comp.get("placeholder"), MAX_TEXT_INPUT_PLACEHOLDER)
    err.max_len((*path, "value"), comp.get("value"), MAX_TEXT_INPUT_VALUE)
    for key in ("min_length", "max_length"):
        value = comp.get(key)
        low = 0 if key == "min_length" else 1
        if value is not None and not (low <= value <= MAX_TEXT_INPUT_VALUE):
            err.add(
                (*path, key),
                "NUMBER_TYPE_MAX" if value > MAX_TEXT_INPUT_VALUE else "NUMBER_TYPE_MIN",
                f"Must be between {low} and {MAX_TEXT_INPUT_VALUE}.",
            )


def _walk_components(err: _Errors, path: Path, comps: list[Json], seen: set[str]) -> int:
    """Check nested components; return how many there are in total."""
    count = 0
    for i, comp in enumerate(comps):
        count += 1
        here = (*path, i)
        if comp.get("type") == LABEL:
            err.max_len((*here, "label"), comp.get("label"), MAX_TEXT_INPUT_LABEL)
            err.max_len((*here, "description"), comp.get("description"), MAX_LABEL_DESCRIPTION)
            inner = comp.get("component")
            if isinstance(inner, dict):
                count += _walk_components(err, (*here, "component"), [inner], seen)
            continue
        _check_leaf(err, here, comp, seen)
        children = comp.get("components")
        if isinstance(children, list):
            if comp.get("type") == ACTION_ROW:
                err.max_items((*here, "components"), children, MAX_ROW_COMPONENTS)
            count += _walk_components(err, (*here, "components"), children, seen)
        accessory = comp.get("accessory")
        if isinstance(accessory, dict):
            count += _walk_components(err, (*here, "accessory"), [accessory], seen)
    return count


def _check_components(err: _Errors, comps: list[Json], flags: int) -> None:
    total = _walk_components(err, ("components",), comps, set())
    if flags & COMPONENTS_V2:
        if total > MAX_V2_COMPONENTS:
            err.add(
                ("components",),
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_V2_COMPONENTS} or fewer in length.",
            )
        return
    err.max_items(("components",), comps, MAX_ACTION_ROWS)
    for i, comp in enumerate(comps):
        if comp.get("type") != ACTION_ROW:
            err.add(
                ("components", i, "type"),
                "UNION_TYPE_CHOICES",
                'Value of field "type" must be one of (1,).',
            )


def check_message(body: Json, files: int, *, partial: bool = False) -> DiscordError | None:
    """Validate a create (or, with ``partial``, edit) message body with ``files`` uploads."""
    err = _Errors()
    content = body.get("content")
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    flags = int(body.get("flags") or 0)
    err.max_len(("content",), content, MAX_CONTENT)
    _check_embeds(err, embeds)
    _check_components(err, components, flags)
    if flags & COMPONENTS_V2 and (content or embeds):
        err.add(
            ("content",),
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using the IS_COMPONENTS_V2 flag",
        )
    attachments = body.get("attachments") or []
    if files > MAX_ATTACHMENTS or len(attachments) > MAX_ATTACHMENTS:
        err.add(
            ("attachments",),
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_ATTACHMENTS} or fewer in length.",
        )
    result = err.result()
    if result is not None:
        return result
    has_body = bool(content) or bool(embeds) or bool(components) or files > 0
    has_body = has_body or bool(body.get("sticker_ids")) or bool(body.get("poll"))
    if not partial and not has_body:
        return DiscordError(EMPTY_MESSAGE, "Cannot send an empty message")
    return None


def check_modal(data: Json) -> DiscordError | None:
    """Validate the ``data`` of a MODAL interaction response (type 9)."""
    err = _Errors()
    err.required(("data", "title"), data.get("title"))
    err.max_len(("data", "title"), data.get("title"), MAX_MODAL_TITLE)
    err.required(("data", "custom_id"), data.get("custom_id"))
    err.max_len(("data", "custom_id"), data.get("custom_id"), MAX_CUSTOM_ID)
    comps = data.get("components") or []
    if not comps:
        err.add(("data", "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
    err.max_items(("data", "components"), comps, MAX_MODAL_COMPONENTS)
    _walk_components(err, ("data", "components"), comps, set())
    return err.result()


def check_autocomplete(data: Json) -> DiscordError | None:
    """Validate the ``data`` of an autocomplete result (type 8)."""
    err = _Errors()
    choices = data.get("choices") or []
    err.max_items(("data", "choices"), choices, MAX_CHOICES)
    for i, choice in enumerate(choices):
        err.max_len(("data", "choices", i, "name"), choice.get("name"), MAX_CHOICE_TEXT)
        err.max_len(("data", "choices", i, "value"), choice.get("value"), MAX_CHOICE_TEXT)
    return err.result()


class ApiError(Exception):
    """Raised inside the double to answer a request with a Discord error response.

    ``violation`` (default: any 400) marks errors that mean the bot broke Discord's
    rules; those are also recorded in ``DiscordDouble.violations``.
    """

    def __init__(self, error: DiscordError, *, violation: bool | None = None) -> None:
        super().__init__(f"{error.status} {error.code}: {error.message}")
        self.error = error
        self.violation = error.status == 400 if violation is None else violation


def not_found(code: int, what: str) -> ApiError:
    """A 404 in Discord's shape, e.g. ``not_found(10008, "Unknown Message")``."""
    return ApiError(DiscordError(code, what, status=404))
