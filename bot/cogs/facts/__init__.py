"""/fact: server admins curate facts from Discord."""

from typing import Any

from ._cog import Facts


async def setup(bot: Any) -> None:
    await bot.add_cog(Facts(bot))
