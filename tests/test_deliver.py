"""Mail delivery against a real SMTP server on loopback (aiosmtpd) and real .eml files."""

from __future__ import annotations

import email
import email.policy
import re
import smtplib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from flows.deliver import (
    InsecureCredentialsError,
    RecipientNotAllowedError,
    build_message,
    deliver,
    recipient_allowed,
)
from flows.report.render import render_pdf
from flows.settings import Settings

ALLOWED = ["trust-safety.example", "oncall@partner.example"]


@dataclass
class Inbox:
    """What the loopback server received."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        # handled=False: let aiosmtpd answer 535 itself on failure (its default is silence).
        return AuthResult(success=auth_data.password == b"s3cret-pw", handled=False)


def _free_port() -> int:
    # aiosmtpd's Controller checks readiness by connecting to its port, so it needs a real one.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=inbox.authenticate,
        auth_require_tls=False,  # loopback test server; production uses ssl/starttls
    )
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real (small) PDF rendered through the report pipeline's renderer."""
    templates = tmp_path_factory.mktemp("templates")
    (templates / "note.html.j2").write_text("<h1>{{ title }}</h1><p>{{ body }}</p>")
    out = tmp_path_factory.mktemp("reports") / "2025-03-14" / "daily-digest.pdf"
    return render_pdf("note.html.j2", {"title": "Digest", "body": "figures"}, out, templates_dir=templates)


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "outbox_dir": tmp_path / "outbox",
        "mail_from": "distillwatch@trust-safety.example",
        "mail_to": ["analysts@trust-safety.example"],
        "mail_allowed": ALLOWED,
        "smtp_host": None,
        "smtp_password": None,
        "smtp_password_block": None,
        "smtp_username": None,
    }
    values.update(overrides)
    return Settings(**values)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def attachments_of(message: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename() or "": part.get_payload(decode=True) for part in message.iter_attachments()}


def test_smtp_delivery_on_loopback_carries_the_pdf(
    tmp_path: Path, report_pdf: Path, smtp_server: tuple[int, Inbox]
) -> None:
    port, inbox = smtp_server
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    message = build_message(
        settings, "distillwatch daily digest 2025-03-14", "Daily digest attached.", [report_pdf]
    )
    receipt = deliver(settings, message, name="2025-03-14-daily-digest")

    assert receipt.method == "smtp" and receipt.refused == {}
    assert receipt.recipients == ("analysts@trust-safety.example",)
    [(mail_from, rcpt, raw)] = inbox.messages
    assert mail_from == "distillwatch@trust-safety.example"
    assert rcpt == ["analysts@trust-safety.example"]
    received = parse(raw)
    assert received["Subject"] == "distillwatch daily digest 2025-03-14"
    assert received["Auto-Submitted"] == "auto-generated"
    assert "Daily digest attached." in received.get_body(("plain",)).get_content()
    assert attachments_of(received) == {"daily-digest.pdf": report_pdf.read_bytes()}
    assert not (tmp_path / "outbox").exists()


def test_smtp_login_uses_the_password_and_never_logs_it(
    tmp_path: Path,
    report_pdf: Path,
    smtp_server: tuple[int, Inbox],
    caplog: pytest.LogCaptureFixture,
) -> None:
    port, inbox = smtp_server
    settings = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_username="mailer",
        smtp_password="s3cret-pw",
    )
    with caplog.at_level("DEBUG"):
        receipt = deliver(settings, build_message(settings, "s", "b", []), name="x")
    assert inbox.logins == [(b"mailer", b"s3cret-pw")]
    assert len(inbox.messages) == 1
    assert "s3cret-pw" not in caplog.text and "s3cret-pw" not in str(receipt)
    assert "s3cret-pw" not in repr(settings)


def test_password_from_prefect_secret_block_is_loaded_lazily(
    tmp_path: Path, smtp_server: tuple[int, Inbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, inbox = smtp_server
    loaded: list[str] = []

    class FakeSecret:
        @classmethod
        def load(cls, name: str) -> FakeSecret:
            loaded.append(name)
            return cls()

        def get(self) -> str:
            return "s3cret-pw"

    import prefect.blocks.system

    monkeypatch.setattr(prefect.blocks.system, "Secret", FakeSecret)
    settings = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_username="mailer",
        smtp_password_block="smtp-password",
    )
    message = build_message(settings, "s", "b", [])
    assert loaded == []  # building a message needs no secret
    deliver(settings, message, name="x")
    assert loaded == ["smtp-password"]
    assert inbox.logins == [(b"mailer", b"s3cret-pw")]


def test_wrong_password_is_an_smtp_error_for_the_retry_policy(
    tmp_path: Path, smtp_server: tuple[int, Inbox]
) -> None:
    port, inbox = smtp_server
    settings = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_username="mailer",
        smtp_password="wrong",
    )
    with pytest.raises(smtplib.SMTPAuthenticationError):
        deliver(settings, build_message(settings, "s", "b", []), name="x")
    assert inbox.messages == []


def test_starttls_is_never_downgraded(tmp_path: Path, smtp_server: tuple[int, Inbox]) -> None:
    """The loopback server offers no STARTTLS: the send fails instead of going out in clear."""
    port, inbox = smtp_server
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_security="starttls")
    with pytest.raises(smtplib.SMTPNotSupportedError):
        deliver(settings, build_message(settings, "s", "b", []), name="x")
    assert inbox.messages == []


def test_cleartext_credentials_to_a_remote_host_are_refused(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        smtp_host="mail.trust-safety.example",
        smtp_port=25,
        smtp_security="none",
        smtp_username="mailer",
        smtp_password="pw",
    )
    with pytest.raises(InsecureCredentialsError):  # before any connection is attempted
        deliver(settings, build_message(settings, "s", "b", []), name="x")


def test_connection_refused_is_an_oserror_for_the_retry_policy(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=_free_port(), smtp_security="none")
    with pytest.raises(OSError):
        deliver(settings, build_message(settings, "s", "b", []), name="x")


def test_outbox_eml_parses_back_with_the_attachment(tmp_path: Path, report_pdf: Path) -> None:
    settings = make_settings(tmp_path)
    message = build_message(
        settings, "distillwatch daily digest 2025-03-14", "Attached.", [report_pdf], html="<p>Attached.</p>"
    )
    receipt = deliver(settings, message, name="2025-03-14-daily-digest")
    assert receipt.method == "outbox"
    assert receipt.path == tmp_path / "outbox" / "2025-03-14-daily-digest.eml"
    parsed = parse(receipt.path.read_bytes())
    assert parsed["To"] == "analysts@trust-safety.example"
    assert parsed.get_body(("html",)).get_content().strip() == "<p>Attached.</p>"
    assert attachments_of(parsed) == {"daily-digest.pdf": report_pdf.read_bytes()}
    # A re-run of the date replaces the file; no stray temporary files.
    deliver(settings, build_message(settings, "again", "b", []), name="2025-03-14-daily-digest")
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == ["2025-03-14-daily-digest.eml"]
    assert parse(receipt.path.read_bytes())["Subject"] == "again"


def test_outbox_name_cannot_escape_the_outbox(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    receipt = deliver(settings, build_message(settings, "s", "b", []), name="../../etc/cron.d/x")
    assert receipt.path is not None and receipt.path.parent == tmp_path / "outbox"


@pytest.mark.parametrize(
    "address",
    [
        "someone@attacker.example",
        "analysts@trust-safety.example.attacker.net",
        "analysts@sub.trust-safety.example",
        "other@partner.example",  # only oncall@ is allowed at that domain
        "evil@attacker.example@trust-safety.example",
        "trust-safety.example",
    ],
)
def test_recipient_not_on_the_allow_list_is_refused(tmp_path: Path, address: str) -> None:
    settings = make_settings(tmp_path, mail_to=["analysts@trust-safety.example", address])
    with pytest.raises(RecipientNotAllowedError) as error:
        build_message(settings, "s", "b", [])
    message = str(error.value)
    assert address in message and "\n" not in message


def test_refusal_also_applies_to_cc_and_to_messages_built_elsewhere(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with pytest.raises(RecipientNotAllowedError, match=re.escape("x@attacker.example")):
        build_message(settings, "s", "b", [], cc=["x@attacker.example"])
    message = build_message(settings, "s", "b", [])
    message["Bcc"] = "leak@attacker.example"
    with pytest.raises(RecipientNotAllowedError, match=re.escape("leak@attacker.example")):
        deliver(settings, message, name="x")
    assert not (tmp_path / "outbox").exists()


def test_allow_list_matching() -> None:
    assert recipient_allowed("A@Trust-Safety.Example", ALLOWED)
    assert recipient_allowed("oncall@partner.example", ALLOWED)
    assert recipient_allowed("x@partner.example", ["@partner.example"])
    assert not recipient_allowed("x@partner.example", ALLOWED)
    assert not recipient_allowed('"a@b"@trust-safety.example', ALLOWED)


def test_attachments_over_the_limit_are_listed_instead(tmp_path: Path, report_pdf: Path) -> None:
    big = tmp_path / "campaign-C-0001.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * 5_000)
    small = tmp_path / "campaign-C-0002.stix.json"
    small.write_bytes(b"{}")
    limit = report_pdf.stat().st_size + 100
    settings = make_settings(tmp_path, attachment_limit_bytes=limit)
    message = build_message(
        settings, "s", "Reports for 2025-03-14.", [report_pdf, big, small], html="<p>Reports.</p>"
    )
    parsed = parse(deliver(settings, message, name="m").path.read_bytes())  # type: ignore[union-attr]
    assert set(attachments_of(parsed)) == {"daily-digest.pdf", "campaign-C-0002.stix.json"}
    text = parsed.get_body(("plain",)).get_content()
    assert "Reports for 2025-03-14." in text
    assert "Not attached" in text and str(big.resolve()) in text
    assert str(report_pdf.resolve()) not in text
    assert str(big.resolve()) in parsed.get_body(("html",)).get_content()


def test_header_injection_in_subject_is_rejected(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with pytest.raises(ValueError):
        build_message(settings, "digest\r\nBcc: leak@attacker.example", "b", [])


# --- at most once: the ledger, stable Message-IDs, no retry after DATA ---------------------------


class DropAfterData(Inbox):
    """Keeps the message, then drops the connection instead of answering 250."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        server.transport.close()
        return "250 Message accepted"  # never reaches the client


@pytest.fixture
def dropping_server() -> Iterator[tuple[int, Inbox]]:
    inbox = DropAfterData()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


def _ledger_outcomes(settings: Settings) -> list[str]:
    from flows.ledger import DeliveryLedger, ledger_path

    return [entry.outcome for entry in DeliveryLedger(ledger_path(settings)).entries()]


def test_connection_lost_after_data_is_not_retried(
    prefect_server: None, tmp_path: Path, dropping_server: tuple[int, Inbox]
) -> None:
    """The Prefect send task (3 retries on transport errors) sends once: the server has the
    message, the ledger says the outcome is unknown, and a re-run does not send it again."""
    from flows.pipeline import send

    port, inbox = dropping_server
    settings = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        warehouse=tmp_path / "warehouse.duckdb",
    )
    day = date(2026, 11, 10)
    outcome = send(settings, run_date=day, kind="daily-digest", subject="digest", body="body", attachments=[])
    assert len(inbox.messages) == 1
    assert "outcome unknown" in outcome and "not sent again" in outcome
    assert _ledger_outcomes(settings) == ["sending", "unknown"]
    again = send(settings, run_date=day, kind="daily-digest", subject="digest", body="body", attachments=[])
    assert len(inbox.messages) == 1 and "not sent again: unknown" in again


def test_rerun_does_not_resend_and_resend_sends_the_same_message_id(
    tmp_path: Path, smtp_server: tuple[int, Inbox], report_pdf: Path
) -> None:
    from flows.deliver import deliver_once

    port, inbox = smtp_server
    settings = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        warehouse=tmp_path / "warehouse.duckdb",
    )
    day = date(2026, 11, 10)
    mail = {
        "run_date": day,
        "kind": "daily-digest",
        "subject": "Digest",
        "body": "figures",
        "attachments": [report_pdf],
    }
    deliver_once(settings, **mail)
    skipped = deliver_once(settings, **mail)
    assert len(inbox.messages) == 1
    assert skipped.startswith("daily-digest 2026-11-10 not sent again: delivered <2026-11-10.daily-digest.")
    deliver_once(settings, **mail, resend=True)
    assert len(inbox.messages) == 2
    first, second = (parse(raw) for _, _, raw in inbox.messages)
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].startswith("<2026-11-10.daily-digest.")
    # Other content of the same day and kind: another Message-ID (still not sent without asking).
    deliver_once(settings, **{**mail, "body": "other figures"}, resend=True)
    assert parse(inbox.messages[2][2])["Message-ID"] != first["Message-ID"]
    assert _ledger_outcomes(settings) == ["sending", "delivered"] * 3


def _settings_refused(tmp_path: Path) -> Settings:
    """SMTP on a local port nothing listens on: every connection is refused."""
    return make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=_free_port(),
        smtp_security="none",
        warehouse=tmp_path / "warehouse.duckdb",
    )


def test_refused_before_data_is_retryable_and_recorded_as_failed(tmp_path: Path) -> None:
    from flows.deliver import deliver_once

    settings = _settings_refused(tmp_path)
    with pytest.raises(OSError):
        deliver_once(
            settings, run_date=date(2026, 11, 10), kind="daily-digest", subject="s", body="b", attachments=[]
        )
    assert _ledger_outcomes(settings) == ["sending", "failed"]


def test_the_send_task_retries_a_refused_connection(prefect_server: None, tmp_path: Path) -> None:
    """Refused before DATA, nothing left: the Prefect send task tries again (3 retries), each
    attempt is in the ledger, and the transport error ends the task once the retries are spent."""
    from flows.pipeline import send

    settings = _settings_refused(tmp_path)
    with pytest.raises(OSError):
        send.with_options(retry_delay_seconds=0)(
            settings, run_date=date(2026, 11, 10), kind="daily-digest", subject="s", body="b", attachments=[]
        )
    assert _ledger_outcomes(settings) == ["sending", "failed"] * 4
