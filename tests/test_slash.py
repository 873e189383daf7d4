"""The one slash-command parser: every command of the family, and a usage line for mistakes."""

from __future__ import annotations

import pytest

from ml_engineer.slash import COMMANDS, SlashCommand, SlashError, parse, usage


def test_the_main_command_takes_a_folder_goal_words_and_options():
    assert parse("/ml_engineer output/acme/data predict churn --framework sklearn") == SlashCommand(
        "ml_engineer", "output/acme/data", goal="predict churn", framework="sklearn"
    )
    assert parse(" /ml_engineer 'my folder/data' --tracker=mlflow\n") == SlashCommand(
        "ml_engineer", "my folder/data", tracker="mlflow"
    )


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_sub_skill_parses_with_its_path(name):
    assert parse(f"/{name} output/a/x").path == "output/a/x"
    assert usage(name).startswith(f"Usage: /{name} <")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("/nope a", "Unknown command /nope. Commands: /ml_engineer"),
        ("/ml_engineer", "/ml_engineer needs a path. Usage: /ml_engineer <data-dir>"),
        ("/mlops a b", "/mlops takes one path. Usage: /mlops <ml-dir>"),
        ("/mlops a --tracker mlflow", "/mlops takes no --tracker."),
        ("/ml_engineer a --framework jax", "--framework 'jax' is not one of sklearn"),
        ("/ml_engineer 'a", "A quote is not closed. Usage: /ml_engineer"),
        ("hello", "Not a command."),
    ],
)
def test_a_mistake_gets_a_usage_line(text, says):
    with pytest.raises(SlashError) as refused:
        parse(text)
    assert says in str(refused.value)
