"""The one place a chat model is made: `ChatOpenAI` for OpenAI and every compatible server.

Configured by `--model` / ML_ENGINEER_MODEL, OPENAI_API_KEY and OPENAI_BASE_URL, so OpenAI,
vLLM, Ollama, llama.cpp and LM Studio all work. From Python, any langchain chat model that
supports tool calling can be passed instead (`Context(llm=...)`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from ml_engineer.errors import ModelConfigError

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_RETRIES = 3  # the openai client backs off exponentially on 408/409/429/5xx/timeouts
TIMEOUT_ENV = "ML_ENGINEER_LLM_TIMEOUT_S"
RETRIES_ENV = "ML_ENGINEER_LLM_RETRIES"
LOCAL_KEY = "not-needed"  # local servers ignore the key, but the client insists on one

OFFLINE_NOTICE = (
    "No model configured: the offline planner decides (set --model or ML_ENGINEER_MODEL, with "
    "OPENAI_API_KEY or OPENAI_BASE_URL for a local server, to have an LLM agent propose)."
)


@dataclass(frozen=True)
class ModelSettings:
    model: str
    base_url: str | None
    api_key: str | None
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_retries: int = DEFAULT_RETRIES


def model_settings(
    model: str | None = None,
    *,
    base_url: str | None = None,
    timeout_s: float | None = None,
    max_retries: int | None = None,
    env: Mapping[str, str] | None = None,
) -> ModelSettings | None:
    """The configured model, or None for the offline planner. Flags win over the environment."""
    env = os.environ if env is None else env
    name = (model or env.get("ML_ENGINEER_MODEL") or "").strip()
    if not name or name.lower() in ("none", "offline"):
        return None
    base_url = (base_url or env.get("OPENAI_BASE_URL") or "").strip() or None
    key = (env.get("OPENAI_API_KEY") or "").strip() or None
    if key is None and base_url is None:
        raise ModelConfigError(
            f"--model {name} needs OPENAI_API_KEY in the environment for OpenAI, or "
            "OPENAI_BASE_URL for a local OpenAI-compatible server (e.g. "
            "http://127.0.0.1:11434/v1 for Ollama). Set one, or leave --model out to use the "
            "offline planner.",
            field="OPENAI_API_KEY",
        )
    return ModelSettings(
        model=name,
        base_url=base_url,
        api_key=key,
        timeout_s=_timeout(timeout_s, env.get(TIMEOUT_ENV)),
        max_retries=_retries(max_retries, env.get(RETRIES_ENV)),
    )


def make_chat_model(settings: ModelSettings):
    """ChatOpenAI on chat completions: the Responses API is OpenAI's alone."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.model,
        base_url=settings.base_url,
        api_key=settings.api_key or LOCAL_KEY,
        timeout=settings.timeout_s,
        max_retries=settings.max_retries,
        use_responses_api=False,
    )


def _timeout(flag: float | None, env_value: str | None) -> float:
    """Seconds per request: --llm-timeout, else ML_ENGINEER_LLM_TIMEOUT_S, else the default."""
    if flag is not None:
        if _seconds(flag) is None:
            raise ModelConfigError(
                f"--llm-timeout {_shown(flag)} is not a valid timeout: it takes a positive "
                "number of seconds per LLM request, e.g. --llm-timeout 60.",
                field="--llm-timeout",
            )
        return float(flag)
    if env_value is None or not env_value.strip():
        return DEFAULT_TIMEOUT_S
    seconds = _seconds(env_value)
    if seconds is None:
        raise ModelConfigError(
            f"{TIMEOUT_ENV}={env_value!r} is not a valid timeout: it takes a positive number of "
            f"seconds per LLM request, e.g. {TIMEOUT_ENV}=60. Fix it or unset it (default "
            f"{DEFAULT_TIMEOUT_S:g}).",
            field=TIMEOUT_ENV,
        )
    return seconds


def _shown(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _seconds(value: object) -> float | None:
    """A positive, finite number of seconds, or None when `value` is not one."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _retries(given: int | None, env_value: str | None) -> int:
    """Retries per request: the argument, else ML_ENGINEER_LLM_RETRIES, else the default."""
    if given is not None:
        if isinstance(given, bool) or not isinstance(given, int) or given < 0:
            raise ModelConfigError(
                f"max_retries={given!r} is not a valid retry count: it takes a whole number "
                "of 0 or more.",
                field="max_retries",
            )
        return given
    if env_value is None or not env_value.strip():
        return DEFAULT_RETRIES
    text = env_value.strip()
    if not text.isascii() or not text.isdigit():  # "2.7", "-1", "abc", "³" are not counts
        raise ModelConfigError(
            f"{RETRIES_ENV}={env_value!r} is not a valid retry count: it takes a whole number "
            f"of 0 or more, e.g. {RETRIES_ENV}=3. Fix it or unset it (default "
            f"{DEFAULT_RETRIES}).",
            field=RETRIES_ENV,
        )
    return int(text)
