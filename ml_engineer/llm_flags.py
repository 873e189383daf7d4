"""The CLI's model flags, shared by `run` and `resume`, and the context they make (with the
check run's settings, among them --memory-limit).

The MCP server starts and resumes runs with the same functions, with no flags given (None).
"""

from __future__ import annotations

import argparse
import math

from ml_engineer.errors import ModelConfigError


def add_llm_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "LLM agents (optional; without a model the offline planner decides)"
    )
    group.add_argument(
        "--model",
        help="chat model name, e.g. gpt-4o-mini or a local server's model (env ML_ENGINEER_MODEL;"
        " key in OPENAI_API_KEY, server in OPENAI_BASE_URL)",
    )
    group.add_argument("--base-url", help="an OpenAI-compatible server (env OPENAI_BASE_URL)")
    group.add_argument(
        "--max-tokens", type=int, help="stop LLM calls after this many tokens in the whole run"
    )
    group.add_argument(
        "--budget-usd", type=float, help="stop LLM calls once they cost this much (USD)"
    )
    group.add_argument(
        "--price",
        metavar="IN,OUT",
        help="USD per million input and output tokens, for a model not in the price table",
    )
    group.add_argument("--llm-timeout", type=float, help="seconds per LLM request (default 60)")


FLAGS = ("model", "base_url", "max_tokens", "budget_usd", "price", "llm_timeout")


def add_memory_limit_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="stop the check run when the script and the processes it starts hold more "
        "memory than this, e.g. 4GB or 512MB (default: half of this machine's memory)",
    )


def with_memory_limit(args: argparse.Namespace | None, checks: dict) -> dict:
    """The check settings, with --memory-limit in megabytes when it was given."""
    from ml_engineer.script_process import parse_memory_limit

    limit = parse_memory_limit(getattr(args, "memory_limit", None))
    return checks if limit is None else {**checks, "memory_limit_mb": limit}


def saved_flags(args: argparse.Namespace | None, saved: dict | None = None) -> dict:
    """The model flags to keep in the run's state (never a key), so `resume` goes on with the
    same model and budget; flags given to `resume` win over the saved ones."""
    given = {name: getattr(args, name, None) for name in FLAGS}
    if "@" in (given["base_url"] or ""):  # a URL with credentials in it is not kept
        given["base_url"] = None
    saved = dict(saved or {})
    if (given["model"] or "").lower() in ("offline", "none"):  # going on offline: no budget
        saved = {}
    return {**saved, **{k: v for k, v in given.items() if v is not None}}


def llm_context(flags: dict) -> dict:
    """Context fields for the model flags: llm, model_name, budget (all None offline)."""
    from ml_engineer.agents.chat_model import make_chat_model, model_settings
    from ml_engineer.agents.usage import Budget, price_for

    max_tokens = _max_tokens(flags.get("max_tokens"))
    max_usd = _budget_usd(flags.get("budget_usd"))
    price = _price(flags.get("price"))
    settings = model_settings(
        flags.get("model"), base_url=flags.get("base_url"), timeout_s=flags.get("llm_timeout")
    )
    if settings is None:
        limits = {"--max-tokens": max_tokens, "--budget-usd": max_usd, "--price": price}
        given = [flag for flag, value in limits.items() if value is not None]
        if given:
            named = " and ".join(given)
            one = len(given) == 1
            raise ModelConfigError(
                f"{named} {'has' if one else 'have'} no effect without a model: "
                f"{'it limits' if one else 'they limit'} the LLM agents, and no model is "
                "configured. Set one with --model NAME or ML_ENGINEER_MODEL (with OPENAI_API_KEY, "
                f"or OPENAI_BASE_URL for a local server), or leave {named} out to use the offline "
                "planner.",
                field=given[0],
            )
        return {"llm": None, "model_name": None, "budget": None}
    budget = Budget(max_tokens=max_tokens, max_usd=max_usd, price=price_for(settings.model, price))
    if budget.max_usd is not None and budget.price is None:
        raise ModelConfigError(
            f"--budget-usd needs the price of {settings.model}, which is not in the price "
            "table: add --price IN,OUT (USD per million input and output tokens), or use "
            "--max-tokens instead.",
            field="--budget-usd",
        )
    return {"llm": make_chat_model(settings), "model_name": settings.model, "budget": budget}


def _max_tokens(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ModelConfigError(
            f"--max-tokens {value} is not a valid budget: it takes a whole number of tokens, 1 "
            "or more, for the whole run, e.g. --max-tokens 200000.",
            field="--max-tokens",
        )
    return value


def _budget_usd(value: float | None) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and value > 0)
    ):
        raise ModelConfigError(
            f"--budget-usd {value} is not a valid budget: it takes a positive amount of US "
            "dollars for the whole run, e.g. --budget-usd 0.50.",
            field="--budget-usd",
        )
    return float(value)


def _price(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        low = high = math.nan  # said below, with the finite and negative cases
    if not all(math.isfinite(p) and p >= 0 for p in (low, high)):
        raise ModelConfigError(
            f"--price {text!r} is not a valid price: it takes two finite numbers of 0 or more, "
            "IN,OUT: USD per million input and output tokens, e.g. --price 0.15,0.60.",
            field="--price",
        )
    return low, high


def start_settings(args: argparse.Namespace | None, checks: dict, *, train: bool):
    """The context a run starts with, and what its state keeps so that `resume` goes on the
    same way: the model as resolved (from the flag or ML_ENGINEER_MODEL) and its budget, never
    a key; and how the script is checked."""
    from ml_engineer.graphs.state import Context

    checks = with_memory_limit(args, checks)
    flags = saved_flags(args)
    model = llm_context(flags)
    if model["model_name"]:
        flags["model"] = model["model_name"]
    context = Context(**checks, train=train, **model)
    return context, {"llm_flags": flags, "check_settings": checks}


def resume_context(args: argparse.Namespace | None, values: dict, *, train: bool):
    """The context a saved run goes on with: its own settings, under any flags given now."""
    from ml_engineer.graphs.state import Context

    flags = saved_flags(args, values.get("llm_flags"))
    # The run's own check settings; a --memory-limit given now (say, after a run was stopped
    # for memory) replaces the saved one.
    checks = with_memory_limit(args, values.get("check_settings") or {})
    return Context(**checks, train=train, **llm_context(flags))
