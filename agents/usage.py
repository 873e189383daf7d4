"""Tokens spent per node, and the budget that stops LLM calls when it is spent.

Counts come from each response's `usage_metadata`, as the provider reported them; a call whose
reply could not be read counts as a call with unknown tokens. The budget is checked before
every call: a run that reaches it finishes with the planner.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

# USD per million tokens (input, output). Only for --budget-usd; --price overrides it.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
    "o4-mini": (1.10, 4.40),
}


class NodeUsage(BaseModel):
    """One node's LLM calls: what was spent, and how the node ended."""

    node: str = ""
    model: str = ""
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    refusals: int = 0
    outcome: str = "not run"

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def add(self, usage_metadata: dict | None) -> None:
        self.calls += 1
        if usage_metadata:
            self.input_tokens += int(usage_metadata.get("input_tokens") or 0)
            self.output_tokens += int(usage_metadata.get("output_tokens") or 0)


def price_for(
    model: str, override: tuple[float, float] | None = None
) -> tuple[float, float] | None:
    if override is not None:
        return override
    name = model.lower().split("/")[-1]
    # The longest known prefix: "gpt-4o-mini-2024-07-18" is priced as gpt-4o-mini, not gpt-4o.
    known = sorted((k for k in PRICES if name.startswith(k)), key=len, reverse=True)
    return PRICES[known[0]] if known else None


@dataclass(frozen=True)
class Budget:
    """Limits for the whole run, across nodes and revisions."""

    max_tokens: int | None = None
    max_usd: float | None = None
    price: tuple[float, float] | None = None  # USD per million input, output tokens

    def cost(self, usages: list[NodeUsage]) -> float | None:
        if self.price is None:
            return None
        tokens_in = sum(u.input_tokens for u in usages)
        tokens_out = sum(u.output_tokens for u in usages)
        return (tokens_in * self.price[0] + tokens_out * self.price[1]) / 1_000_000

    def tokens_left(self, usages: list[NodeUsage]) -> int | None:
        """Tokens that may still be spent, by --max-tokens or by the USD budget; None: no cap."""
        spent = sum(u.total_tokens for u in usages)
        caps = []
        if self.max_tokens is not None:
            caps.append(self.max_tokens - spent)
        cost = self.cost(usages)
        if self.max_usd is not None and cost is not None and self.price and self.price[1] > 0:
            # Priced as output tokens, the dearer kind: the cap errs on the safe side.
            caps.append(int((self.max_usd - cost) * 1_000_000 / self.price[1]))
        return max(0, min(caps)) if caps else None

    def exceeded(self, usages: list[NodeUsage]) -> str | None:
        """Why no further call may be made, or None while there is room."""
        overrun = self._overrun(usages)
        return f"the {overrun[0]} is spent ({overrun[1]})" if overrun else None

    def would_exceed(self, usages: list[NodeUsage], request_tokens: int) -> str | None:
        """Why a request of about this many tokens may not be sent, or None."""
        overrun = self._overrun([*usages, NodeUsage(input_tokens=request_tokens)])
        if overrun is None:
            return None
        return (
            f"the next request (about {request_tokens:,} tokens) would pass the {overrun[0]} "
            f"({overrun[1]})"
        )

    def _overrun(self, usages: list[NodeUsage]) -> tuple[str, str] | None:
        spent = sum(u.total_tokens for u in usages)
        if self.max_tokens is not None and spent >= self.max_tokens:
            return "token budget", f"{spent:,} of --max-tokens {self.max_tokens:,}"
        cost = self.cost(usages)
        if self.max_usd is not None and cost is not None and cost >= self.max_usd:
            return "budget", f"${cost:.4f} of --budget-usd ${self.max_usd:.2f}"
        return None
