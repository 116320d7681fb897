"""bot: question -> retrieval -> grounded, cited answer."""

from bot.fusion import reciprocal_rank_fusion
from bot.language import detect_language
from bot.service import PolicyBot

__all__ = ["PolicyBot", "detect_language", "reciprocal_rank_fusion"]
