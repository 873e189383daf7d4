"""The one place a chat model is made: `ChatOpenAI` for OpenAI and every compatible server.

Configured by `--model` / ML_ENGINEER_MODEL, OPENAI_API_KEY and OPENAI_BASE_URL, so OpenAI,
vLLM, Ollama, llama.cpp and LM Studio all work. From Python, any langchain chat model that
supports tool calling can be passed instead (`Context(llm=...)`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ml_engineer.errors import ModelConfigError

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_RETRIES = 3  # the openai client backs off exponentially on 408/409/429/5xx/timeouts
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

    def describe(self) -> str:
        where = self.base_url or "api.openai.com"
        return f"{self.model} at {where}"


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
        timeout_s=_positive(timeout_s, env.get("ML_ENGINEER_LLM_TIMEOUT_S"), DEFAULT_TIMEOUT_S),
        max_retries=int(
            _positive(max_retries, env.get("ML_ENGINEER_LLM_RETRIES"), DEFAULT_RETRIES, zero=True)
        ),
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


def _positive(value, env_value: str | None, default: float, *, zero: bool = False) -> float:
    for candidate in (value, env_value):
        if candidate is None or candidate == "":
            continue
        try:
            number = float(candidate)
        except ValueError:
            raise ModelConfigError(
                f"{candidate!r} is not a number (ML_ENGINEER_LLM_TIMEOUT_S / "
                "ML_ENGINEER_LLM_RETRIES take numbers)."
            ) from None
        if number > 0 or (zero and number == 0):
            return number
        raise ModelConfigError(f"{candidate!r} must be a positive number of seconds or retries.")
    return default
