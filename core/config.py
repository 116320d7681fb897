"""All configuration in one frozen dataclass, read from POLICYBOT_* environment variables."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, fields
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Defaults run the offline path on the bundled corpus; see the README for each variable."""

    data_dir: Path = _ROOT / "data"
    index_dir: Path = _ROOT / ".policybot" / "index"
    embed_model: str = "BAAI/bge-m3"  # "none" = lexical only
    embed_batch_size: int = 16
    reranker_model: str = ""  # empty = no reranker
    hnsw_threshold: int = 50_000  # clauses; above it the dense index is HNSW, below flat
    top_k: int = 5
    candidates: int = 30  # per retriever, before fusion
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 30.0
    llm_temperature: float = 0.1
    llm_retries: int = 1  # retries after a time-out, connection error, 429 or 5xx, then the extractive answer
    llm_max_context_chars: int = 12_000  # clause text given to the LLM; the best-ranked clauses come first
    service_contact_zh: str = "北京市12345市民服务热线，或园区企业服务窗口工作人员"
    service_contact_en: str = "the Beijing 12345 citizen service hotline, or the park's enterprise service staff"
    today: str = ""  # YYYY-MM-DD; empty = the real date (used for expiry warnings)
    # Web app (app.py): the staff console is off unless a password is set; there is no default password.
    staff_user: str = "staff"
    staff_password: str = ""
    query_log_path: Path = _ROOT / ".policybot" / "queries.sqlite3"
    log_retention_days: int = 90  # 0 = keep the query log forever
    cors_origins: str = ""  # comma-separated origins allowed to call /api from a browser; empty = same origin only
    rate_limit_per_minute: int = 60  # questions per client IP per minute (API and chat); 0 = no limit
    production: bool = False  # refuse to start the console with an empty or weak (< 12 chars) staff password
    max_upload_mb: int = 50  # `add` / upload: larger files are refused
    # Shared state of all workers (query log, feedback, rate limits, login lockout); empty = the SQLite file
    # at query_log_path. postgresql://user:password@host/db for several workers or replicas.
    database_url: str = ""
    frame_ancestors: str = ""  # origins (space or comma separated) whose pages may frame the public chat at "/"
    login_max_failures: int = 5  # failed staff logins per client address before a lockout (per user name: 4x)
    login_lockout_minutes: int = 15  # how long failures count, and how long a lockout lasts
    index_poll_seconds: float = 5.0  # how often each worker checks whether `current` points at a new build

    @property
    def dense_enabled(self) -> bool:
        return self.embed_model.strip().lower() not in ("", "none", "off")

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    def today_date(self) -> dt.date:
        return dt.date.fromisoformat(self.today) if self.today else dt.date.today()


def env_name(field_name: str) -> str:
    return "POLICYBOT_" + field_name.upper()


def load_settings(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from the environment (POLICYBOT_<FIELD>), then explicit overrides."""
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, object] = {}
    for f in fields(Settings):
        raw = environ.get(env_name(f.name))
        if raw is None:
            continue
        values[f.name] = _convert(f.name, raw, Settings.__dataclass_fields__[f.name].default)
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def _convert(name: str, raw: str, default: object) -> object:
    if isinstance(default, Path):
        return Path(raw).expanduser()
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    try:
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError as exc:
        raise ValueError(f"{env_name(name)}={raw!r} is not a valid number") from exc
    return raw
