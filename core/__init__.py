"""Shared vocabulary of policybot: frozen types, settings and errors."""

from core.config import Settings, load_settings
from core.errors import (
    CatalogError,
    IndexMismatchError,
    IndexMissingError,
    IngestError,
    ModelUnavailableError,
    PolicybotError,
    QuestionError,
)
from core.schema import Answer, Citation, Clause, Document, DocumentInfo, Footnote, Hit

__all__ = [
    "Answer",
    "CatalogError",
    "Citation",
    "Clause",
    "Document",
    "DocumentInfo",
    "Footnote",
    "Hit",
    "IndexMismatchError",
    "IndexMissingError",
    "IngestError",
    "ModelUnavailableError",
    "PolicybotError",
    "QuestionError",
    "Settings",
    "load_settings",
]
