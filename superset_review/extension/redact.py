"""What must never be printed, logged or answered: passwords and salts, a URL's credentials, API keys.

Every message that may carry a configuration value or a third party's error text (a provider's answer, a driver's
exception) passes through here before a person reads it. The patterns are linear (RE2, through the registry).
"""

from __future__ import annotations

from collections.abc import Iterable

from superset_review.extension.linear_regex import compile_linear

HIDDEN = "***"
# scheme://user:password@host -> scheme://***@host (the user name goes too: it says who to attack).
_URL_CREDENTIALS = compile_linear(r"([A-Za-z][A-Za-z0-9+.\-]{0,30}://)[^/@\s'\"]{1,512}@")
# Provider keys and bearer tokens as the common providers write them (sk-..., sk-ant-..., Bearer ..., key=...).
_TOKENS = compile_linear(
    r"(sk-[A-Za-z0-9_\-]{6,}|(?:bearer|token|api[_-]?key|x-api-key|authorization)[\"']?\s*[:=]?\s*[\"']?"
    r"[A-Za-z0-9_\-\.]{8,})",
    case_insensitive=True,
)
# Secrets shorter than this are not searched for in text: replacing "a" everywhere would say more than it hides.
MIN_SECRET_LENGTH = 6


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without URL credentials, API keys and tokens, nor any of ``secrets`` (exact values)."""
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    text = _URL_CREDENTIALS.sub(lambda match: f"{match.group(1)}{HIDDEN}@", text)
    redacted: str = _TOKENS.sub(HIDDEN, text)
    return redacted
