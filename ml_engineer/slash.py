"""One parser for the pipeline's slash commands, wherever they are typed.

    /ml_engineer <data-dir> [goal words] [--framework X] [--tracker Y]
    /feature_spec_writer <data-dir or profile>
    /training_script_generator <feature-spec.md> [--framework X]
    /experiment_config_writer <feature-spec.md> [--tracker Y]
    /mlops <ml-dir>   (and /deployment_config_writer, /monitoring_dashboard_spec,
                       /retrain_pipeline_spec <ml-dir>)

A bad command gets a usage line, never a crash: `SlashError` carries it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

FRAMEWORKS = ("sklearn", "lightgbm", "xgboost", "pytorch", "spark")
TRACKERS = ("none", "mlflow", "wandb")

# command -> (what its one path names, the options it takes)
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ml_engineer": ("data-dir", ("framework", "tracker")),
    "feature_spec_writer": ("data-dir or profile", ()),
    "training_script_generator": ("feature-spec.md", ("framework",)),
    "experiment_config_writer": ("feature-spec.md", ("tracker",)),
    "mlops": ("ml-dir", ()),
    "deployment_config_writer": ("ml-dir", ()),
    "monitoring_dashboard_spec": ("ml-dir", ()),
    "retrain_pipeline_spec": ("ml-dir", ()),
}
_CHOICES = {"framework": FRAMEWORKS, "tracker": TRACKERS}


class SlashError(ValueError):
    """Not a command this product runs; the message is the usage line to show."""


@dataclass(frozen=True)
class SlashCommand:
    name: str
    path: str
    goal: str | None = None  # only /ml_engineer takes goal words
    framework: str | None = None
    tracker: str | None = None


def usage(name: str | None = None) -> str:
    if name in COMMANDS:
        what, options = COMMANDS[name]
        goal = " [goal words]" if name == "ml_engineer" else ""
        flags = "".join(f" [--{o} {'|'.join(_CHOICES[o])}]" for o in options)
        return f"Usage: /{name} <{what}>{goal}{flags}"
    return "Commands: " + ", ".join(f"/{c}" for c in COMMANDS)


def is_slash(text: str) -> bool:
    return text.lstrip().startswith("/")


def parse(text: str) -> SlashCommand:
    """The command typed, or SlashError with the usage line that says what is wrong."""
    try:
        words = shlex.split(text.strip())
    except ValueError:  # an unclosed quote
        raise SlashError(f"A quote is not closed. {usage(_name(text))}") from None
    if not words or not words[0].startswith("/"):
        raise SlashError(f"Not a command. {usage()}")
    name = words[0][1:]
    if name not in COMMANDS:
        raise SlashError(f"Unknown command /{name}. {usage()}")
    options: dict[str, str] = {}
    rest: list[str] = []
    allowed = COMMANDS[name][1]
    words = words[1:]
    while words:
        word = words.pop(0)
        if word.startswith("--"):
            key, _, value = word[2:].partition("=")
            if key not in allowed:
                raise SlashError(f"/{name} takes no --{key}. {usage(name)}")
            value = value or (words.pop(0) if words else "")
            if value not in _CHOICES[key]:
                raise SlashError(
                    f"--{key} {value!r} is not one of {', '.join(_CHOICES[key])}. {usage(name)}"
                )
            options[key] = value
        else:
            rest.append(word)
    if not rest:
        raise SlashError(f"/{name} needs a path. {usage(name)}")
    if len(rest) > 1 and name != "ml_engineer":
        raise SlashError(f"/{name} takes one path. {usage(name)}")
    goal = " ".join(rest[1:]) or None
    return SlashCommand(name=name, path=rest[0], goal=goal, **options)


def _name(text: str) -> str | None:
    head = text.strip().split(maxsplit=1)
    return head[0][1:] if head and head[0].startswith("/") else None
