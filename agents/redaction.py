"""Secrets out of every line an agent writes: provider keys by their shape, and the configured
key by its value, whatever its shape. Error messages from providers may echo part of a key."""

from __future__ import annotations

import re
from collections.abc import Iterable

KEEP = 4  # characters of a secret left visible, so a reader can tell which key it was
MIN_SECRET_CHARS = 8  # a configured value shorter than this is too common a string to mask
# Token shapes of the usual providers; each match is masked to its first KEEP characters.
_TOKEN = re.compile(
    r"(?<![\w-])(?:"
    r"sk-[A-Za-z0-9_\-]{8,}"  # OpenAI (sk-..., sk-proj-...), Anthropic (sk-ant-...)
    r"|sk_[A-Za-z0-9_]{12,}"  # Stripe-style secret keys (sk_live_..., sk_test_...)
    r"|gsk_[A-Za-z0-9]{12,}"  # Groq
    r"|hf_[A-Za-z0-9]{12,}"  # Hugging Face
    r"|AIza[0-9A-Za-z_\-]{20,}"  # Google API keys
    r"|xox[bp]-[A-Za-z0-9\-]{8,}"  # Slack bot and user tokens
    r"|ghp_[A-Za-z0-9]{20,}"  # GitHub classic tokens
    r"|github_pat_[A-Za-z0-9_]{20,}"  # GitHub fine-grained tokens
    r"|AKIA[0-9A-Z]{16}(?![0-9A-Za-z])"  # AWS access key ids
    r")"
)
# A bearer token, whatever its shape (a JWT, an opaque key): "Bearer " stays, the token goes.
_BEARER = re.compile(r"\b(Bearer\s+)([A-Za-z0-9._~+/=\-]{8,})", re.IGNORECASE)


def _masked(secret: str) -> str:
    return secret[:KEEP] + "***"


def redact_keys(text: str) -> str:
    """Error messages from providers may echo part of a key; none reaches a log or state.

    Masks the token shapes of the usual providers (OpenAI, Anthropic, Stripe, Groq, Hugging
    Face, Google, Slack, GitHub, AWS) and any `Bearer <token>`, keeping the first characters.
    """
    text = _BEARER.sub(lambda m: m.group(1) + _masked(m.group(2)), text)
    return _TOKEN.sub(lambda m: _masked(m.group()), text)


def redact_secrets(text: str, secrets: Iterable[str | None]) -> str:
    """`redact_keys`, and every exact occurrence of the given values (the configured API key,
    whatever its shape) masked the same way. Values shorter than MIN_SECRET_CHARS are ignored:
    masking "abc" everywhere would garble the text and protect nothing."""
    literal = sorted(
        {s for s in secrets if s and len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True
    )
    for secret in literal:  # the longest first, so a key that contains another is whole
        text = text.replace(secret, _masked(secret))
    return redact_keys(text)
