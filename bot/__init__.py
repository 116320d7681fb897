"""bot: question -> retrieval -> grounded, cited answer."""

from bot.contract import answer_json
from bot.expand import expand_document
from bot.fusion import reciprocal_rank_fusion
from bot.language import detect_language
from bot.service import PolicyBot

__all__ = ["PolicyBot", "answer_json", "detect_language", "expand_document", "reciprocal_rank_fusion"]
