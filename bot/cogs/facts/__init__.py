"""/fact: server admins curate facts from Discord."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._cog import Facts

if TYPE_CHECKING:
    from ...app import FactBot


async def setup(bot: FactBot) -> None:
    await bot.add_cog(Facts(bot))
