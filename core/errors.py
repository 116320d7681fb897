"""Errors raised by policybot; only the CLIs and the app turn them into messages for people."""


class PolicybotError(Exception):
    """Base class: the message is meant to be shown to a person as it is."""


class IngestError(PolicybotError):
    """A file could not be turned into a document; the message names the file and the reason."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class CatalogError(PolicybotError):
    """The catalogue file is malformed."""


class IndexMismatchError(PolicybotError):
    """The index on disk was built from another corpus, model or schema."""


class IndexMissingError(PolicybotError):
    """No usable index at the configured path."""


class IndexBusyError(PolicybotError):
    """Another process is adding a document, building or rolling back the index right now."""


class ModelUnavailableError(PolicybotError):
    """An embedding / reranker model could not be loaded (offline, not cached, broken)."""


class QuestionError(PolicybotError):
    """The question cannot be answered as given (empty, unsupported language...)."""
