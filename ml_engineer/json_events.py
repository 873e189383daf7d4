"""`--json`: the CLI's machine-readable surface, one JSON object per line on stdout.

Any agent can drive the CLI with it: progress as it happens, the approval question with the
exact commands that answer it, the final paths, or an error with its exit code. Everything
meant for a person goes to stderr instead, so stdout stays parseable line by line.

Events (each has "event"; the rest by kind):
  started   thread_id, project, data_dir                 a run began
  resumed   thread_id, project                           a saved run continues
  progress  node, message                                one checkpoint line
  question  kind, thread_id, question, goal, candidates, note, payload, answer
            kind "target": the goal's words fit several columns and the run waits for a person
            to say which (exit 0); candidates best first, each {column, score, reason}; note:
            why the last answer was refused, or null; answer.target: the resume command
  approval  thread_id, question, summary, payload, answer  the run waits for a person
  paused    thread_id, reason, answer                    --yes would not approve: exit 8
  done      thread_id, status, paths, handoff, report_handoff
  status    thread_id, stage, next, revisions, waiting_for ("target" | "approval" | null),
            question, answer                             (ml-engineer status --json)
  error     code, message                                a user's mistake: the exit code
"""

from __future__ import annotations

import json
import sys

ENABLED = False


def enable() -> None:
    """Send stdout's human output to stderr from now on; stdout carries events only."""
    global ENABLED
    ENABLED = True
    from ml_engineer import terminal

    terminal.out = terminal.err


def disable() -> None:
    """Back to human output on stdout: `--json` holds for one command, not for the process
    (the CLI's `main` may be called again in the same process, from Python or a test)."""
    global ENABLED
    ENABLED = False
    from ml_engineer import terminal

    terminal.out = terminal.human_out


def emit(event: str, **fields) -> None:
    if ENABLED:
        sys.stdout.write(json.dumps({"event": event, **fields}, default=str) + "\n")
        sys.stdout.flush()


def answer_commands(resume_cmd: str) -> dict[str, str]:
    """The exact commands that answer the approval question, in --json form."""
    return {
        "approve": f"{resume_cmd} --approve --json",
        "revise": f'{resume_cmd} --revise "<what to change>" --json',
        "reject": f'{resume_cmd} --reject "<reason>" --json',
    }


def target_answer_command(resume_cmd: str) -> dict[str, str]:
    """The exact command that answers the target question, in --json form."""
    return {"target": f"{resume_cmd} --target <column> --json"}
