"""E-mail delivery: reports as attachments, to allow-listed recipients only.

Two ways out, chosen by `Settings.smtp_host`:

- unset: the message is written to ``<outbox_dir>/<name>.eml`` (a deterministic name such as
  ``2025-03-14-daily-digest``), so a re-run replaces the file instead of adding a copy;
- set: SMTP with implicit TLS (``ssl``), STARTTLS (``starttls``, never silently downgraded), or
  plain (``none``, meant for a relay on loopback; credentials are refused elsewhere).

Every To/Cc/Bcc address must be allowed by `Settings.mail_allowed` (exact addresses or whole
domains): threat reports name customers and must not leave the team by a typo in a config.
Transport failures (`OSError`, `smtplib.SMTPException`) before the message body was sent
propagate unchanged so the flow's task retries handle them; a failure after the body was sent
(the server may have accepted it) is `DeliveryOutcomeUnknownError`, never retried: a retry would
send the mail twice. Configuration problems raise `ValueError` subclasses, which are final.
`deliver_once` adds the delivery ledger (`flows.ledger`): a stable Message-ID per (date, kind,
content) and no second send of a (date, kind) unless asked.
The SMTP password is read at send time and never logged or stored on the receipt.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import date
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape as html_escape
from pathlib import Path
from typing import Any, Literal

from flows.atomic import write_atomic
from flows.ledger import DeliveryLedger, content_hash, ledger_path, stable_message_id
from flows.report.fmt import safe_filename
from flows.settings import Settings

log = logging.getLogger("distillwatch.deliver")

SMTP_TIMEOUT_S = 60
RECIPIENT_HEADERS = ("To", "Cc", "Bcc")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# One "@", a non-empty local part, a plain DNS domain: anything fancier (quoted local parts,
# source routes, IP literals, a second "@") is not an address we ever need to send to.
_PLAIN_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class RecipientNotAllowedError(ValueError):
    """A recipient is not on the allow-list (`Settings.mail_allowed`)."""


class InsecureCredentialsError(ValueError):
    """Credentials would be sent in clear text to a host that is not loopback."""


class DeliveryOutcomeUnknownError(RuntimeError):
    """The connection failed after the message body was sent: the server may have accepted it.

    Not an `OSError` / `SMTPException` on purpose: the task's retry policy must not send again.
    """


@dataclass(frozen=True)
class DeliveryReceipt:
    """What happened to one message (no secrets)."""

    method: Literal["outbox", "smtp"]
    message_id: str
    recipients: tuple[str, ...]
    path: Path | None = None  # the .eml written (outbox)
    server: str | None = None  # host:port (smtp)
    refused: dict[str, str] = field(default_factory=dict)  # recipient -> SMTP reply, if any

    def __str__(self) -> str:
        where = str(self.path) if self.method == "outbox" else f"smtp://{self.server}"
        text = f"{self.message_id} to {', '.join(self.recipients)} via {where}"
        if self.refused:
            text += f" (refused: {', '.join(sorted(self.refused))})"
        return text


# --- recipients ----------------------------------------------------------------------------------


def recipient_allowed(address: str, allowed: list[str]) -> bool:
    """Whether `address` is an allowed exact address or belongs to an allowed domain.

    Matching is case-insensitive and exact: ``example.org`` allows ``a@example.org`` but not
    ``a@sub.example.org`` or ``a@example.org.attacker.net``.
    """
    if not _PLAIN_ADDRESS.match(address):
        return False
    lowered = address.lower()
    domain = lowered.rsplit("@", 1)[1]
    for entry in allowed:
        item = entry.strip().lower()
        if "@" in item.lstrip("@"):
            if lowered == item:
                return True
        elif domain == item.lstrip("@"):
            return True
    return False


def message_recipients(message: EmailMessage) -> tuple[str, ...]:
    """Every To/Cc/Bcc address as a bare ``user@domain``, in header order."""
    found: list[str] = []
    for header in RECIPIENT_HEADERS:
        for value in message.get_all(header, []):
            addresses = getattr(value, "addresses", None)
            if addresses is None:  # message not built with the modern policy: refuse
                raise RecipientNotAllowedError(f"cannot parse {header} header {str(value)[:200]!r}")
            found += [a.addr_spec for a in addresses]
    return tuple(found)


def check_recipients(message: EmailMessage, allowed: list[str]) -> tuple[str, ...]:
    """The message's recipients, or `RecipientNotAllowedError` naming the first bad one."""
    recipients = message_recipients(message)
    if not recipients:
        raise RecipientNotAllowedError("message has no recipients")
    for address in recipients:
        if not recipient_allowed(address, allowed):
            raise RecipientNotAllowedError(
                f"recipient {address!r} is not allowed by mail_allowed {allowed!r}"
            )
    return recipients


# --- building ------------------------------------------------------------------------------------


def _parse_address(address: str, role: str = "recipient") -> Address:
    """A bare address as an `Address`, refusing anything with a display name or odd syntax."""
    if not _PLAIN_ADDRESS.match(address.strip()):
        error = RecipientNotAllowedError if role == "recipient" else ValueError
        raise error(f"{role} {address!r} is not a plain e-mail address")
    username, domain = address.strip().rsplit("@", 1)
    return Address(username=username, domain=domain)


def build_message(
    settings: Settings,
    subject: str,
    body_text: str,
    attachments: list[Path],
    *,
    html: str | None = None,
    to: list[str] | None = None,
    cc: list[str] | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """A multipart message from `settings.mail_from` to `to` (default `settings.mail_to`).

    Recipients are checked against the allow-list here already, so a bad config fails before
    any report is attached. Attachments are added in order while their total size stays within
    `settings.attachment_limit_bytes` (raw file bytes; base64 adds about a third on the wire);
    files that do not fit are not attached but listed with their path in the body, so a large
    report is still found. `html`, if given, must already be safe HTML (we add only escaped text).
    `message_id` (e.g. from `flows.ledger.stable_message_id`) replaces the random one.
    """
    to_addresses = [_parse_address(a) for a in (to if to is not None else settings.mail_to)]
    cc_addresses = [_parse_address(a) for a in (cc or [])]
    attach, listed = _split_by_size(attachments, settings.attachment_limit_bytes)

    message = EmailMessage()
    message["From"] = _parse_address(settings.mail_from, "sender (mail_from)")
    message["To"] = to_addresses
    if cc_addresses:
        message["Cc"] = cc_addresses
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id or make_msgid(domain=sender_domain(settings))
    # RFC 3834: tells mail systems not to send vacation auto-replies to this robot.
    message["Auto-Submitted"] = "auto-generated"

    message.set_content(body_text + _not_attached_text(listed, settings.attachment_limit_bytes))
    if html is not None:
        message.add_alternative(
            html + _not_attached_html(listed, settings.attachment_limit_bytes), subtype="html"
        )
    for path in attach:
        mime, _ = mimetypes.guess_type(path.name)
        maintype, subtype = (mime or "application/octet-stream").split("/", 1)
        message.add_attachment(
            path.read_bytes(),
            maintype=maintype,
            subtype=subtype,
            filename=safe_filename(path.name),
        )
    check_recipients(message, settings.mail_allowed)
    return message


def sender_domain(settings: Settings) -> str:
    return settings.mail_from.rsplit("@", 1)[-1]


def _split_by_size(paths: list[Path], limit: int) -> tuple[list[Path], list[tuple[Path, int]]]:
    attach: list[Path] = []
    listed: list[tuple[Path, int]] = []
    total = 0
    for path in paths:
        size = path.stat().st_size
        if total + size <= limit:
            attach.append(path)
            total += size
        else:
            listed.append((path, size))
    return attach, listed


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _not_attached_text(listed: list[tuple[Path, int]], limit: int) -> str:
    if not listed:
        return ""
    lines = [
        "",
        "",
        f"Not attached (attachments are limited to {_mb(limit)} per message); the files are at:",
        *[f"- {path.resolve()} ({_mb(size)})" for path, size in listed],
    ]
    return "\n".join(lines) + "\n"


def _not_attached_html(listed: list[tuple[Path, int]], limit: int) -> str:
    if not listed:
        return ""
    items = "".join(f"<li>{html_escape(str(path.resolve()))} ({_mb(size)})</li>" for path, size in listed)
    return (
        f"<p>Not attached (attachments are limited to {_mb(limit)} per message); "
        f"the files are at:</p><ul>{items}</ul>"
    )


# --- delivering ----------------------------------------------------------------------------------


def deliver(settings: Settings, message: EmailMessage, *, name: str) -> DeliveryReceipt:
    """Send `message` by SMTP, or write it to ``outbox_dir/<name>.eml`` when no host is set."""
    recipients = check_recipients(message, settings.mail_allowed)
    message_id = str(message.get("Message-ID", ""))
    if not settings.smtp_host:
        path = _write_outbox(settings.outbox_dir, name, message)
        log.info("wrote %s for %d recipient(s) to %s", message_id, len(recipients), path)
        return DeliveryReceipt("outbox", message_id, recipients, path=path)
    refused = _send_smtp(settings, message)
    if refused:
        # Partly delivered: retrying would duplicate mail to the accepted recipients.
        log.warning("%s refused by the server for: %s", message_id, ", ".join(sorted(refused)))
    return DeliveryReceipt(
        "smtp",
        message_id,
        recipients,
        server=f"{settings.smtp_host}:{settings.smtp_port}",
        refused={r: f"{code} {reply.decode('utf-8', 'replace')}" for r, (code, reply) in refused.items()},
    )


def _write_outbox(outbox_dir: Path, name: str, message: EmailMessage) -> Path:
    # whole file or nothing, also on re-runs
    return write_atomic(outbox_dir / f"{safe_filename(name)}.eml", message.as_bytes())


def smtp_password(settings: Settings) -> str | None:
    """The password from settings/env, else from the Prefect Secret block, loaded only now."""
    if settings.smtp_password:
        return settings.smtp_password.get_secret_value()
    if settings.smtp_password_block:
        from prefect.blocks.system import Secret  # lazy: no Prefect API needed otherwise

        from flows.prefect_sync import resolved

        value = resolved(Secret.load(settings.smtp_password_block)).get()
        return str(value)
    return None


def _send_smtp(settings: Settings, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
    host, port, security = settings.smtp_host or "", settings.smtp_port, settings.smtp_security
    if settings.smtp_username and security == "none" and host.lower() not in LOOPBACK_HOSTS:
        raise InsecureCredentialsError(
            f"smtp_security 'none' would send the password for {settings.smtp_username!r} "
            f"in clear text to {host}; use 'starttls' or 'ssl'"
        )
    log.info("sending %s via %s:%s (%s)", message.get("Message-ID"), host, port, security)
    context = ssl.create_default_context()
    client: _TrackedSMTP | _TrackedSMTPSSL
    if security == "ssl":
        client = _TrackedSMTPSSL(host, port, timeout=SMTP_TIMEOUT_S, context=context)
    else:
        client = _TrackedSMTP(host, port, timeout=SMTP_TIMEOUT_S)
    try:
        with client:
            if security == "starttls":
                # Raises SMTPNotSupportedError when the server does not offer STARTTLS: we never
                # fall back to sending the report in clear text.
                client.starttls(context=context)
            if settings.smtp_username:
                client.login(settings.smtp_username, smtp_password(settings) or "")
            return client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        if client.body_sent and not isinstance(exc, smtplib.SMTPDataError):
            # SMTPDataError is the server's explicit refusal of the body (not delivered); any
            # other failure from here on leaves the outcome open.
            raise DeliveryOutcomeUnknownError(
                f"{message.get('Message-ID')}: connection to {host}:{port} lost after the message "
                f"was sent ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                "the server may have accepted it, so it is not sent again"
            ) from exc
        raise


class _BodySentTracking:
    """Records when DATA starts, so a failure can be told apart from a possible delivery."""

    body_sent = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.body_sent = True
        # a mixin: super() is smtplib.SMTP(_SSL) in the classes below, which mypy cannot see here
        return super().data(msg)  # type: ignore[misc]


class _TrackedSMTP(_BodySentTracking, smtplib.SMTP):
    pass


class _TrackedSMTPSSL(_BodySentTracking, smtplib.SMTP_SSL):
    pass


def deliver_once(
    settings: Settings,
    *,
    run_date: date,
    kind: str,
    subject: str,
    body: str,
    attachments: list[Path],
    resend: bool = False,
) -> str:
    """Build and deliver the (run_date, kind) message unless the ledger says it already went.

    The Message-ID is derived from the date, the kind and the content, so a resend of the same
    content carries the same ID. Returns a one-line account of what happened (for the run
    summary). Retryable transport errors are recorded as ``failed`` and re-raised.
    """
    ledger = DeliveryLedger(ledger_path(settings))
    if not resend:
        settled = ledger.settled(run_date, kind)
        if settled is not None:
            line = (
                f"{kind} {run_date.isoformat()} not sent again: {settled.outcome} "
                f"{settled.message_id} at {settled.at} (resend to send it again)"
            )
            log.info(line)
            return line
    message_id = stable_message_id(
        run_date, kind, content_hash(subject, body, attachments), sender_domain(settings)
    )
    message = build_message(settings, subject, body, attachments, message_id=message_id)
    name = f"{run_date.isoformat()}-{kind}"
    ledger.record(run_date, kind, "sending", message_id)
    try:
        receipt = deliver(settings, message, name=name)
    except DeliveryOutcomeUnknownError as exc:
        ledger.record(run_date, kind, "unknown", message_id, str(exc))
        log.warning("%s", exc)
        return f"{kind} {run_date.isoformat()}: outcome unknown: {exc}"
    except Exception as exc:
        ledger.record(run_date, kind, "failed", message_id, f"{type(exc).__name__}: {exc}")
        raise
    ledger.record(run_date, kind, "delivered", message_id)
    return str(receipt)
