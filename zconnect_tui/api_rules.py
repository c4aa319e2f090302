"""What Zoho's answers to an API call mean: a dead token, a rate limit, how long to wait.

Kept apart from the call itself (api.py) so the rules read in one place and test on their own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from zconnect_tui import safejson
from zconnect_tui.wire import MAX_RESPONSE_BYTES

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_RETRY_AFTER = 60.0
"""Longest `Retry-After` waited for; a longer one is reported instead."""
DEFAULT_RETRY_AFTER = 5.0
RATE_LIMIT_RETRIES = 3
RATE_LIMIT_CODES = frozenset({"TOO_MANY_REQUESTS", "RATE_LIMIT_EXCEEDED", "API_LIMIT_EXCEEDED",
                              "CONCURRENCY_LIMIT_EXCEEDED", "44", "45", "4820", "4421"})
"""Codes Zoho products use for "too many requests" (CRM, Desk, Books, CRM v1); which product sends
which is UNCONFIRMED, so any of them in a 4xx body counts, as does HTTP 429 itself."""
SCOPE_CODES = frozenset({"SCOPE_MISMATCH", "OAUTH_SCOPE_MISMATCH", "INVALID_OAUTHSCOPE", "OAUTH_ORG_MISMATCH"})


def token_rejected(body: Any) -> bool:
    """Does a 401 body say the token is invalid or expired (as opposed to a scope it lacks)?

    Desk says INVALID_OAUTH, CRM INVALID_TOKEN / INVALID_OAUTHTOKEN, Books code 57 whose wording
    does not tell token from permission. Unknown bodies count as a dead token: the cost of
    being wrong is one refresh, and the retry happens once.
    """
    if not isinstance(body, dict):
        return True
    code = str(body.get("errorCode") or body.get("code") or body.get("cause") or "").upper()
    return code not in SCOPE_CODES


def rate_limited(status: int, body: Any) -> bool:
    if status == 429:
        return True
    if status not in (400, 403) or not isinstance(body, dict):
        return False
    code = str(body.get("errorCode") or body.get("code") or body.get("error") or "").upper()
    text = str(body.get("message") or body.get("error_description") or "").lower()
    return code in RATE_LIMIT_CODES or "too many requests" in text


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds from `Retry-After` (delta or HTTP date); None when absent or unreadable."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def json_or_none(data: bytes) -> Any:
    try:
        return safejson.loads(data)
    except ValueError:
        return None


def small(raw: httpx.Response) -> bool:
    """A body zconnect may read to classify an error (within the in-memory cap, wire.MAX_RESPONSE_BYTES)."""
    length = raw.headers.get("content-length")
    return length is None or (length.isdigit() and int(length) <= MAX_RESPONSE_BYTES)

