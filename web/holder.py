"""The bot the app answers with right now; a rebuild swaps in a new one without stopping anything."""

from __future__ import annotations

from bot import PolicyBot


class BotHolder:
    """One reference to the live PolicyBot, read once per request.

    A request takes `current` once and uses that bot (and its index) to the end, so an answer and its
    clause texts always come from the same index. `swap` is a single attribute assignment: no lock, no
    pause; requests already running finish on the old bot, which is freed when they are done.
    """

    def __init__(self, bot: PolicyBot) -> None:
        self._bot = bot

    @property
    def current(self) -> PolicyBot:
        return self._bot

    def swap(self, bot: PolicyBot) -> PolicyBot:
        """Serve `bot` from now on; returns the bot it replaces."""
        old, self._bot = self._bot, bot
        return old


def as_holder(bot: PolicyBot | BotHolder) -> BotHolder:
    """The holder itself, or a new one around a plain bot (callers may pass either)."""
    return bot if isinstance(bot, BotHolder) else BotHolder(bot)
