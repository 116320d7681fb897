"""Index updates inside the running app: add a document, edit a catalogue entry or reload from disk, then
swap the bot.

One update at a time runs in a background thread, while the live bot keeps answering. The add and edit
paths are the CLI's (`python -m index add` / `edit`): `apply_add` or `apply_edit`, then `rebuild` beside
the live index (which switches `current` only when the build is complete), and `undo` when the build fails. Only when the new index has
loaded into a bot that can search does the app swap to it; if that fails, the old bot keeps answering.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot import PolicyBot, expand_document
from core.config import Settings
from core.errors import IndexBusyError
from index import (
    GLOSSARY_FILE,
    ClauseIndex,
    Glossary,
    load_embedder,
    load_index,
    questions_file,
    rebuild,
    rollback,
    update_lock,
)
from ingest.add import AddPlan, apply_add
from ingest.edit import EditError, EditPlan, apply_edit
from web.holder import BotHolder, warm_up

log = logging.getLogger(__name__)
SMOKE_QUERY = "政策支持"  # a search the new bot must answer before it goes live (retrieval only, never the LLM)


@dataclass(frozen=True)
class Progress:
    """What the last update did; `state` is idle, building, live or failed."""

    state: str = "idle"
    message: str = ""
    finished_at: float = 0.0


class UpdateFailed(Exception):
    """An update did not go live; the message says why and that the live index is unchanged."""


class Updater:
    """Runs index updates one at a time in a background thread and swaps the holder's bot on success."""

    def __init__(self, holder: BotHolder, settings: Settings) -> None:
        self.holder = holder
        self.settings = settings
        self.progress = Progress()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._lock.locked()

    def start_add(self, plan: AddPlan) -> bool:
        """Add the planned file and rebuild in the background; False when an update is already running."""
        return self._start(lambda: self._add(plan), f"building a new index with {plan.source.name}…")

    def start_edit(self, plan: EditPlan) -> bool:
        """Write the planned catalogue change and rebuild in the background; False when an update is running."""
        return self._start(lambda: self._edit(plan), f"saving the change to {plan.doc_id} and building a new index…")

    def start_reload(self) -> bool:
        """Load whatever `current` points at now (after a CLI add or rollback); False when busy."""
        return self._start(self._reload, "loading the index from disk…")

    def wait(self, timeout: float | None = None) -> Progress:
        """The progress once the running update (if any) has ended or the timeout has passed."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.progress

    def _start(self, job: Callable[[], str], message: str) -> bool:
        if not self._lock.acquire(blocking=False):
            return False
        self.progress = Progress("building", message)
        try:
            self._thread = threading.Thread(target=self._run, args=(job,), name="policybot-update", daemon=True)
            self._thread.start()
        except BaseException:
            self._lock.release()
            raise
        return True

    def _run(self, job: Callable[[], str]) -> None:
        try:
            self.progress = Progress("live", job(), time.time())
        except UpdateFailed as exc:
            log.error("index update failed: %s", exc)
            self.progress = Progress("failed", str(exc), time.time())
        except Exception as exc:  # a thread has nobody to raise to: the console shows the reason
            log.exception("index update failed")
            self.progress = Progress("failed", f"{exc}; the live index is unchanged", time.time())
        finally:
            self._lock.release()

    def _add(self, plan: AddPlan) -> str:
        try:
            with update_lock(self.settings.index_dir):  # a CLI add, build or rollback may be running too
                return self._add_locked(plan)
        except IndexBusyError as exc:
            raise UpdateFailed(f"{exc}; {plan.source.name} was not added, the live index is unchanged") from exc

    def _add_locked(self, plan: AddPlan) -> str:
        if plan.target.exists():  # written since the check (e.g. by the CLI): never overwrite a document
            raise UpdateFailed(f"{plan.target.name} appeared in the data folder meanwhile; check the file again")
        undo_add = apply_add(plan, self.settings.data_dir)
        questions, undo_questions = self._write_questions(plan)

        def undo() -> None:
            undo_questions()
            undo_add()

        index = self._rebuild_live(undo, f"{plan.source.name} was not added")
        superseded = f"; {plan.supersedes} is now marked superseded" if plan.supersedes else ""
        return f"{live_line(index)} · added {plan.document.doc_id}{superseded} · {questions}"

    def _write_questions(self, plan: AddPlan) -> tuple[str, Callable[[], None]]:
        """The questions people would ask of each clause, from the configured LLM (python -m bot expand does the
        same); without one, or when it fails, the document is searched by its own text and the result says so."""
        llm = getattr(self.holder.current, "llm", None)
        if llm is None:
            return NO_LLM_QUESTIONS, lambda: None
        target = questions_file(self.settings.data_dir, plan.document.doc_id)

        def progress(line: str) -> None:
            self.progress = Progress("building", f"writing questions people would ask: {line}")

        try:
            kept, dropped = expand_document(
                llm, list(plan.clauses), plan.document.info.title, self.settings.data_dir, progress
            )
        except Exception as exc:  # the LLM is down or answers nonsense: the document is still added
            log.warning("questions for %s not written: %s", plan.document.doc_id, exc)
            return f"no questions written ({type(exc).__name__}); searched by its own text", lambda: None
        return (
            f"{kept} questions people would ask written by the LLM ({dropped} failed the checks)",
            lambda: target.unlink(missing_ok=True),
        )

    def _edit(self, plan: EditPlan) -> str:
        not_saved = f"the change to {plan.doc_id} was not saved"
        try:
            with update_lock(self.settings.index_dir):  # a CLI edit, add, build or rollback may be running too
                try:
                    undo = apply_edit(plan, self.settings.data_dir)  # refused if catalog.yaml moved since the diff
                except EditError as exc:
                    raise UpdateFailed(f"{exc}; the live index is unchanged") from exc
                index = self._rebuild_live(undo, not_saved)
        except IndexBusyError as exc:
            raise UpdateFailed(f"{exc}; {not_saved}, the live index is unchanged") from exc
        return f"{live_line(index)} · {plan.doc_id}: {plan.summary()}"

    def _rebuild_live(self, undo: Callable[[], None], what: str) -> ClauseIndex:
        """Rebuild from the changed data folder and swap to it; on any failure undo the change and keep the bot."""
        try:
            index = rebuild(self.settings, self.holder.current.index.embedder, reuse_embedder=True)
        except Exception as exc:
            undo()  # `current` was never switched; the data folder is as it was
            raise UpdateFailed(f"the index build failed ({exc}); {what}, the live index is unchanged") from exc
        try:
            self._go_live(index)
        except Exception as exc:
            self._switch_back()
            undo()
            raise UpdateFailed(
                f"the new index was built but could not be loaded ({exc}); {what}, the live index is unchanged"
            ) from exc
        return index

    def _switch_back(self) -> None:
        """Point `current` back at the build that is answering, so the next start does not load a broken one."""
        try:
            rollback(self.settings.index_dir)
        except Exception:
            log.exception("could not switch the index on disk back; run: python -m index rollback")

    def _reload(self) -> str:
        old = self.holder.current
        # The loaded model is reused: loading it again would double the memory for nothing.
        embedder = old.index.embedder or load_embedder(self.settings)[0]
        try:
            index = load_index(self.settings.index_dir, embedder)
            self._go_live(index)
        except Exception as exc:
            raise UpdateFailed(f"the index on disk could not be loaded ({exc}); the live index is unchanged") from exc
        return live_line(index)

    def _go_live(self, index: ClauseIndex) -> None:
        old = self.holder.current
        glossary = Glossary.load(self.settings.data_dir / GLOSSARY_FILE)
        reranker = getattr(getattr(old, "retriever", None), "reranker", None)  # reused: a second copy doubles memory
        bot = PolicyBot(self.settings, index, glossary, getattr(old, "status_notes", ()), reranker)
        bot.hits_for(SMOKE_QUERY)  # a bot that cannot search must not replace one that can
        warm_up(bot)  # the first questions on the new index must not each pay for loading it
        self.holder.swap(bot)
        log.info("now answering from %s", index.folder)


NO_LLM_QUESTIONS = "no LLM configured: searched by its own text (python -m bot expand DOC writes its questions)"


def live_line(index: ClauseIndex) -> str:
    """'N clauses, M documents (build folder)': what now answers (the console shows it after "Live:")."""
    clauses = len({c.clause_id for c in index.clauses})
    return f"{clauses} clauses, {len(index.documents)} documents ({index.folder.name})"


class IndexWatcher:
    """Follows `current` on disk: when another worker, replica or the CLI switches it, this process reloads.

    Several workers each hold their own bot; one of them (or `python -m index add`) builds and switches
    `current`, and every other notices within POLICYBOT_INDEX_POLL_SECONDS. A build that fails to load is
    not retried until `current` changes again (the live bot keeps answering meanwhile).
    """

    def __init__(self, updater: Updater, interval: float) -> None:
        self.updater = updater
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed: Path | None = None

    def start(self) -> None:
        if self.interval > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="policybot-index-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def check(self) -> bool:
        """Start a reload when `current` points elsewhere than the live bot's build; True when one started."""
        link = self.updater.settings.index_dir / "current"
        if not link.is_symlink():
            return False
        target = link.resolve()
        if target == self.updater.holder.current.index.folder.resolve() or target == self._failed:
            return False
        if self.updater.running:
            return False  # our own add or reload is under way; look again next time
        if not (target / "manifest.json").exists():
            return False
        log.info("`current` now points at %s: reloading", target.name)
        started = self.updater.start_reload()
        if started:
            progress = self.updater.wait()
            self._failed = target if progress.state == "failed" else None
        return started

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # the watcher must outlive one bad look at the disk
                log.exception("checking the index folder failed")
