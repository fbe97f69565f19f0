"""Where the Discord token comes from: the environment, never the config file.

DISCORD_TOKEN holds the token itself; DISCORD_TOKEN_FILE names a file that holds
it (a Docker or Kubernetes secret, e.g. /run/secrets/discord_token). Setting
both is a mistake and is refused, so nobody wonders which one is in use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

TOKEN_ENV = "DISCORD_TOKEN"
TOKEN_FILE_ENV = "DISCORD_TOKEN_FILE"

HOW_TO_PASS_THE_TOKEN = f"""\
Pass the bot token (Developer Portal → your application → Bot → Reset Token) in one of two ways:
  the token itself:   docker run -e {TOKEN_ENV}=... factbot
  a file holding it:  docker run -e {TOKEN_FILE_ENV}=/run/secrets/discord_token \\
                        -v "$PWD/discord_token:/run/secrets/discord_token:ro" factbot
  (outside a container, set the same variable in the environment)
To try FactBot without Discord:
  docker run --rm factbot python -m knowledge ask "How big is GREE?"
  python -m knowledge ask "How big is GREE?"   (from a checkout, after make install)"""


class TokenError(Exception):
    """The token variables are set but unusable (unreadable file, both set)."""


def read_token(environ: Mapping[str, str] | None = None) -> str:
    """The Discord token, or "" when neither variable is set.

    Raises TokenError when both variables are set, or when the file named by
    DISCORD_TOKEN_FILE cannot be read or is empty. The message never contains
    the token.
    """
    environ = os.environ if environ is None else environ
    token = environ.get(TOKEN_ENV, "").strip()
    token_file = environ.get(TOKEN_FILE_ENV, "").strip()
    if not token_file:
        return token
    if token:
        raise TokenError(f"both {TOKEN_ENV} and {TOKEN_FILE_ENV} are set; set only one of them.")
    try:
        with open(token_file, encoding="utf-8") as handle:
            token = handle.read().strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenError(
            f"cannot read {TOKEN_FILE_ENV}={token_file}: {getattr(exc, 'strerror', exc)}"
        ) from None
    if not token:
        raise TokenError(f"{TOKEN_FILE_ENV}={token_file} is empty; put the bot token in it.")
    return token
