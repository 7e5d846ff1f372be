"""The delivery ledger: which message went out for which (date, kind), so mail goes out at most once.

A JSON-lines file (`Settings.delivery_ledger`, default `<warehouse>.deliveries.jsonl` beside the
warehouse, like its writer lock): one line per event, appended and fsynced, never rewritten.

- ``sending`` is written before the message leaves, ``delivered`` when the server accepted it
  (or the .eml was written), ``failed`` when it provably did not leave (no connection, refused
  before DATA: another attempt is safe), ``unknown`` when the connection was lost after the
  message body was sent (the server may have it: never retried automatically).
- A (date, kind) whose last event is ``delivered``, ``unknown`` or ``sending`` (the process died
  while sending) is not sent again by a re-run; ``--resend`` (flow parameter ``resend``) sends
  it anyway. The Message-ID is stable for the same content (`stable_message_id`), so a
  receiving system can still tell a duplicate.

Writers of one warehouse hold its writer lock (`flows.locking`), so two runs never race on a
(date, kind).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from flows.settings import Settings

Outcome = Literal["sending", "delivered", "failed", "unknown"]
# Last events after which a re-run does not send again.
SETTLED: frozenset[str] = frozenset({"sending", "delivered", "unknown"})


def ledger_path(settings: Settings) -> Path:
    if settings.delivery_ledger is not None:
        return settings.delivery_ledger.resolve()
    warehouse = settings.warehouse.resolve()
    return warehouse.with_name(warehouse.name + ".deliveries.jsonl")


def content_hash(subject: str, body: str, attachments: list[Path]) -> str:
    """sha256 of what the reader gets: subject, body, attachment names and bytes (not the Date)."""
    digest = hashlib.sha256()
    for part in (subject, body):
        digest.update(part.encode("utf-8") + b"\0")
    for path in attachments:
        digest.update(path.name.encode("utf-8") + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def stable_message_id(run_date: date, kind: str, content_sha256: str, domain: str) -> str:
    """``<YYYY-MM-DD.kind.hash16@domain>``: the same day, kind and content give the same ID."""
    return f"<{run_date.isoformat()}.{kind}.{content_sha256[:16]}@{domain}>"


@dataclass(frozen=True)
class LedgerEntry:
    run_date: str
    kind: str
    outcome: str
    message_id: str
    at: str
    detail: str = ""


class DeliveryLedger:
    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self) -> list[LedgerEntry]:
        try:
            lines = self.path.read_text("utf-8").splitlines()
        except FileNotFoundError:
            return []
        found = []
        for line in lines:
            try:
                found.append(LedgerEntry(**json.loads(line)))
            except (ValueError, TypeError):
                continue  # a line cut short by a crash mid-append: the event did not complete
        return found

    def last(self, run_date: date, kind: str) -> LedgerEntry | None:
        day = run_date.isoformat()
        matching = [e for e in self.entries() if e.run_date == day and e.kind == kind]
        return matching[-1] if matching else None

    def settled(self, run_date: date, kind: str) -> LedgerEntry | None:
        """The last event if it means "do not send again", else None."""
        entry = self.last(run_date, kind)
        return entry if entry is not None and entry.outcome in SETTLED else None

    def record(self, run_date: date, kind: str, outcome: Outcome, message_id: str, detail: str = "") -> None:
        entry = LedgerEntry(
            run_date=run_date.isoformat(),
            kind=kind,
            outcome=outcome,
            message_id=message_id,
            at=datetime.now(UTC).isoformat(timespec="seconds"),
            detail=detail.splitlines()[0][:300] if detail else "",
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(entry.__dict__, sort_keys=True) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
