"""HTML → PDF with nothing fetched from outside `templates/`.

Reports carry customer-typed text (organization names, SDK strings), so rendering is built to
fail closed:

- Jinja2 autoescapes every HTML template and uses `StrictUndefined`, so data is always text
  and a misspelled variable is an error instead of a silently empty cell.
- WeasyPrint gets `SafeURLFetcher`, which serves only regular files that resolve inside the
  templates folder (the stylesheet). http(s), ftp, data: and any file elsewhere are refused
  and logged, so even markup that slipped through could not make the renderer call out.
- Output is deterministic for the same context: the PDF dates come from the run date
  (``<meta name="dcterms.created">`` in the base template), the PDF identifier is derived
  from the rendered HTML, and with `source_date` the embedded font subsets carry that date
  instead of "now", so re-running a date gives a byte-identical document.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mimetypes
import os
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from flows.atomic import atomic_path
from flows.report import fmt
from flows.settings import TEMPLATES_DIR

log = logging.getLogger("distillwatch.report")


class RefusedURL(ValueError):
    """A resource the report may not load. WeasyPrint logs it and renders without it."""


class SafeURLFetcher(URLFetcher):
    """Serve files below `root` only; refuse and record everything else.

    `calls` and `refused` let tests (and the log) show exactly what the renderer asked for.
    Subclassing `URLFetcher` matters: WeasyPrint 70 reads private attributes of the fetcher
    (``_fail_on_errors``), so a bare function is not accepted.
    """

    def __init__(self, root: Path = TEMPLATES_DIR) -> None:
        # fail_on_errors=False: a refused resource is dropped with a warning, the report still
        # renders (our own templates need nothing but the stylesheet).
        super().__init__(fail_on_errors=False, allowed_protocols=("file",))
        self.root = root.resolve()
        self.calls: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        self.calls.append(url)
        path = self._allowed_path(url)
        if path is None:
            self.refused.append(url)
            # Only the scheme and a bounded prefix: the URL itself may be hostile text.
            log.warning("report renderer refused to fetch %.200r", url)
            raise RefusedURL(f"refused to fetch {url[:200]!r}")
        mime, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            url=path.as_uri(),
            body=path.read_bytes(),
            headers={"Content-Type": mime or "application/octet-stream"},
        )

    def _allowed_path(self, url: str) -> Path | None:
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        try:
            # resolve() follows symlinks, so a link inside templates/ pointing out is refused.
            path = Path(url2pathname(parts.path)).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path


def _autoescape(template_name: str | None) -> bool:
    # Every template we ship is HTML; anything else (a future .txt body) is escaped too unless
    # it is explicitly plain text, so the default fails safe.
    if template_name is None:
        return True
    return not template_name.endswith((".txt", ".txt.j2"))


@lru_cache(maxsize=4)
def template_env(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """The one Jinja2 environment for reports: autoescape on, undefined is an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        num=fmt.num,
        compact=fmt.compact,
        pct=fmt.pct,
        pp=fmt.pp,
        change=fmt.change,
        signed=fmt.signed,
        text=fmt.display_text,
    )
    return env


def render_html(template: str, context: dict[str, Any], templates_dir: Path = TEMPLATES_DIR) -> str:
    return template_env(templates_dir).get_template(template).render(**context)


_EPOCH_LOCK = threading.Lock()


@contextlib.contextmanager
def _source_date_epoch(day: date | None) -> Iterator[None]:
    """Pin the timestamp fontTools writes into each embedded font subset.

    fontTools stamps subset fonts with the current time unless ``SOURCE_DATE_EPOCH`` is set
    (the reproducible-builds convention), which is the only thing that made two renders of the
    same data differ. The variable is process-wide, so it is set only around one write, under
    a lock, and restored.
    """
    if day is None:
        yield
        return
    epoch = str(int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()))
    with _EPOCH_LOCK:
        before = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = epoch
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = before


def render_pdf(
    template: str,
    context: dict[str, Any],
    out_path: Path,
    *,
    source_date: date | None = None,
    templates_dir: Path = TEMPLATES_DIR,
    url_fetcher: SafeURLFetcher | None = None,
) -> Path:
    """Render `template` with `context` to a PDF at `out_path` (written atomically).

    `source_date` (the run date) makes the bytes reproducible, see `_source_date_epoch`.
    Pass `url_fetcher` to inspect what was requested; by default a fresh `SafeURLFetcher`
    rooted at `templates_dir` is used.
    """
    html = render_html(template, context, templates_dir)
    fetcher = url_fetcher or SafeURLFetcher(templates_dir)
    document = HTML(
        string=html,
        base_url=str(templates_dir.resolve()) + os.sep,
        url_fetcher=fetcher,
    )
    # A stable identifier (normally random-ish per write) keeps same-data reruns identical.
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    # Readers (the mailer, an analyst's browser) never see a half-written file.
    with atomic_path(out_path) as partial, _source_date_epoch(source_date):
        document.write_pdf(partial, pdf_identifier=identifier)
    return out_path
