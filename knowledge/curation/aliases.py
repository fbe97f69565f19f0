"""A server's own aliases, as admins give them: checked before they are stored."""

from __future__ import annotations

from ..errors import AliasError
from ..retrieval.normalize import canonical_token, fold
from ..store.server_aliases import MAX_ALIAS_CHARS


def clean_alias(alias: str, canonical: str) -> tuple[str, str]:
    """The alias (folded: matched ignoring case) and the canonical name (as
    written), with spaces collapsed.

    Raises AliasError when either has no letters or digits, is too long, or
    the two are the same name."""
    alias_key = " ".join(fold(alias).split())
    name = " ".join(canonical.split())
    for label, value in (("alias", alias_key), ("name it stands for", name)):
        if not canonical_token(value):
            raise AliasError(f"The {label} needs at least one letter or digit.")
        if len(value) > MAX_ALIAS_CHARS:
            raise AliasError(
                f"The {label} is {len(value)} characters; keep it to {MAX_ALIAS_CHARS}."
            )
    if alias_key == " ".join(fold(name).split()):
        raise AliasError("An alias must differ from the name it stands for.")
    return alias_key, name
