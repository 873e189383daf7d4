"""`ml-engineer chat`: the product as a terminal chat.

    /ml_engineer output/<slug>/data [goal words]     design, check, then ask for approval
      answer in plain words: "looks good" | "drop customer_id and optimise F1" | "no, stop"
                             | "show spec|script|config"
      when the goal's words fit several columns, it first asks which one to predict:
                             a candidate's number ("2") or any column's name
    /feature_spec_writer ..., /mlops ...             one sub-skill (ml_engineer.skill_runner)
    /status [project]   /resume <project>   /help   /quit (or Ctrl-D)

A run started here is an ordinary run: the CLI's checkpointer, thread ids and project lock, so
`ml-engineer resume <slug>` answers a question asked in the chat, and `/resume` answers one
asked by `ml-engineer run`. Leaving the chat while a question waits leaves that run paused.
Replies are read by the rules of plain_answers, or, with a model, by the answer-reader agent
checked by those rules; what neither can read is asked again. A user's mistake is an error
panel and the chat goes on.
"""

from __future__ import annotations

import argparse
import shlex
from enum import Enum
from pathlib import Path

from ml_engineer.llm_flags import add_llm_flags, add_memory_limit_flag, with_memory_limit

IDLE_PROMPT = "[bold cyan]ml-engineer›[/] "
ANSWER_PROMPT = "[bold yellow]your answer›[/] "
TARGET_ANSWER_HELP = (
    'Answer with a candidate\'s number ("2") or the name of any column of the profile · /pause '
    "to answer later."
)
ANSWER_HELP = (
    'Answer in your words: "looks good" · what to change, e.g. "drop customer_id and optimise '
    'F1" · "no, stop" · "show spec|script|config" · /pause to answer later.'
)
START_EXAMPLE = "/ml_engineer output/<slug>/data predict churn"
# What each slash command does, for the greeting and /help (the syntax comes from slash.usage).
WHAT = {
    "ml_engineer": "design, write and check the ML deliverables, then ask you to approve",
    "feature_spec_writer": "the feature spec alone",
    "training_script_generator": "the training script for a feature spec",
    "experiment_config_writer": "the experiment config for a feature spec",
    "mlops": "the MLOps deliverables of an ml/ folder",
    "deployment_config_writer": "the deployment config of an ml/ folder",
    "monitoring_dashboard_spec": "the monitoring spec of an ml/ folder",
    "retrain_pipeline_spec": "the retrain pipeline of an ml/ folder",
}
CHAT_COMMANDS = (
    ("/status [project]", "where a project's latest run stands (all projects without one)"),
    ("/resume <project>", "carry on a paused or interrupted run; its question is asked again"),
    ("/help", "this list"),
    ("/quit", "leave (Ctrl-D too); a waiting question stays paused"),
)
CHAT_USAGE = "Chat: /status [project], /resume <project>, /help, /quit."


class After(Enum):
    """How a conversation about one run ended, for the chat loop."""

    DONE = "done"  # approved or rejected
    PAUSED = "paused"  # the question waits; the chat goes on
    QUIT = "quit"  # the question waits; the chat ends


def add_chat_command(sub) -> None:
    """`ml-engineer chat`, registered on the CLI's subparsers."""
    chat = sub.add_parser(
        "chat", help="a terminal chat: type /ml_engineer <data-dir> and answer in plain words"
    )
    chat.add_argument(
        "--checkpointer",
        metavar="URL",
        help="postgresql://... to keep runs in a shared PostgreSQL (default: SQLite in the "
        "project's .ml_engineer folder)",
    )
    chat.add_argument("--no-validate", action="store_true", help="do not run the script")
    chat.add_argument("--sample-rows", type=int, default=50_000, help="check-run sample size")
    chat.add_argument("--timeout", type=int, default=600, help="check-run time limit (s)")
    add_memory_limit_flag(chat)
    add_llm_flags(chat)
    chat.set_defaults(func=run_chat)


def run_chat(args: argparse.Namespace) -> int:
    try:  # line editing and history at the prompt, where the platform has it
        import readline  # noqa: F401
    except ImportError:
        pass
    return Chat(args).loop()


class Chat:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.url: str | None = args.checkpointer
        self.checks = {
            "validate": not args.no_validate, "sample_rows": args.sample_rows,
            "timeout_s": args.timeout,
        }  # fmt: skip
        with_memory_limit(args, self.checks)  # a bad --memory-limit ends here, before the chat

    # -- the loop -------------------------------------------------------------------------------

    def loop(self) -> int:
        from ml_engineer.errors import MLEngineerError
        from ml_engineer.terminal import out, show_error

        self._greet()  # a bad model flag ends here, as for `run`: one paragraph and its code
        self._announce_waiting()
        while True:
            try:
                text = out.input(IDLE_PROMPT)
            except EOFError:
                out.print("\nBye.")
                return 0
            except KeyboardInterrupt:
                out.print("\n(/quit or Ctrl-D leaves the chat.)")
                continue
            try:
                if not self.handle(text):
                    out.print("Bye.")
                    return 0
            except MLEngineerError as exc:
                show_error(exc.message, exc.exit_code)
            except KeyboardInterrupt:
                out.print(
                    "\nInterrupted. The run's progress is saved: /resume <project> carries on "
                    "from the last finished step."
                )

    def handle(self, text: str) -> bool:
        """Act on one line typed at the chat's prompt; False when the chat should end."""
        from rich.markup import escape

        from ml_engineer import slash
        from ml_engineer.terminal import out

        text = text.strip()
        if not text:
            return True
        if not slash.is_slash(text):
            if text.lower() in ("quit", "exit", "bye"):
                return False
            out.print(
                escape(f"Start with a command, e.g. {START_EXAMPLE} (/help lists them). Plain "
                       "words answer a run's approval question once one is asked.")
            )  # fmt: skip
            return True
        name, _, rest = text.lstrip()[1:].partition(" ")
        name = name.lower()
        if name in ("quit", "exit", "q"):
            return False
        if name == "help":
            self._help()
            return True
        if name == "pause":
            out.print("No question is waiting for an answer.")
            return True
        if name in ("status", "resume"):
            project = _one_word(rest, name)
            if project is None:
                return True
            if name == "status":
                self.status(project)
                return True
            if not project:
                out.print("Usage: /resume <project> (the slug, the project folder or its data "
                          "folder). /status lists the projects.")  # fmt: skip
                return True
            return self.resume(project) is not After.QUIT
        try:
            command = slash.parse(text)
        except slash.SlashError as error:
            out.print(escape(f"{error} {CHAT_USAGE}"))
            return True
        if command.name == "ml_engineer":
            return self.start_run(command) is not After.QUIT
        self.sub_skill(command)
        return True

    # -- runs -----------------------------------------------------------------------------------

    def start_run(self, command) -> After:
        """`/ml_engineer <data-dir> [goal words]`: the same run as `ml-engineer run` starts."""
        from rich.markup import escape

        from ml_engineer import api
        from ml_engineer.llm_flags import start_settings
        from ml_engineer.profile_command import data_dir_for
        from ml_engineer.run_lock import project_lock
        from ml_engineer.terminal import out, show_checkpoint

        # A data file, as `run` takes it: profiled first (or its profile of before reused).
        data_dir = data_dir_for(Path(command.path), target=None, goal=command.goal,
                                say=show_checkpoint)  # fmt: skip
        api.check_data_dir(data_dir, START_EXAMPLE)
        context, kept = start_settings(self.args, self.checks, train=False)
        state = api.initial_state(
            data_dir,
            goal=command.goal,
            tracker=command.tracker or "none",
            framework=command.framework or "sklearn",
        )
        state.update(kept)
        state["auto_approve"] = False  # a chat always asks
        with project_lock(api.state_dir_for(data_dir), state["slug"]):
            with api.open_checkpointer(data_dir, self.url) as saver:
                graph = api.build_graph(checkpointer=saver)
                thread_id = api.new_thread_id(data_dir)
                config = {"configurable": {"thread_id": thread_id}}
                out.print(f"[dim]thread {escape(thread_id)}[/]")
                payload = _stream(graph, state, config, context)
                return self._converse(graph, payload, config, context, data_dir)

    def resume(self, project: str) -> After:
        """`/resume <project>`: carry on the latest run if it was interrupted, or ask its
        waiting question again; a finished run is only reported."""
        from rich.markup import escape

        from ml_engineer import api
        from ml_engineer.errors import InputsError
        from ml_engineer.llm_flags import resume_context
        from ml_engineer.run_lock import project_lock
        from ml_engineer.terminal import out

        data_dir = api.resolve_data_dir(project)
        thread_id = _latest_thread(data_dir)
        with project_lock(api.state_dir_for(data_dir), _slug(data_dir)):
            with api.open_checkpointer(data_dir, self.url) as saver:
                graph = api.build_graph(checkpointer=saver)
                config = {"configurable": {"thread_id": thread_id}}
                snapshot = graph.get_state(config)
                if not snapshot.values:
                    raise InputsError(f"Thread {thread_id} has no saved run to resume.")
                context = resume_context(self.args, snapshot.values, train=False)
                stage = api.run_stage(snapshot)
                if stage in ("approved", "rejected"):
                    out.print(
                        f"Run {escape(thread_id)} was {stage}; there is nothing to resume. "
                        f"Start a new one with /ml_engineer {escape(_shell(data_dir))}."
                    )
                    return After.DONE
                payload = api.pending_question(snapshot)
                if stage == "interrupted":  # stopped mid-run: on from the last finished step
                    where = ", ".join(snapshot.next) or "the step after the last one saved"
                    out.print(f"Resuming {escape(thread_id)} at {escape(where)}...")
                    payload = _stream(graph, None, config, context)
                else:
                    out.print(f"Run {escape(thread_id)} is waiting for your answer.")
                return self._converse(graph, payload, config, context, data_dir)

    def _converse(self, graph, payload, config, context, data_dir: Path) -> After:
        """Ask until the person approves or rejects; each revision runs and asks again."""
        from langgraph.types import Command

        from ml_engineer.graphs.approval_summary import summary_of
        from ml_engineer.graphs.target_question import is_target_question, question_of
        from ml_engineer.terminal import show_summary, show_target_question

        shown_target = False  # after a refused answer, only the reason is said again
        while payload is not None:
            if is_target_question(payload):
                show_target_question(
                    question_of(payload), again=shown_target, hint=TARGET_ANSWER_HELP
                )
                shown_target = True
                answer = self._ask_target()
                if isinstance(answer, After):
                    _say_paused(config["configurable"]["thread_id"], data_dir, self.url, True)
                    return answer
                payload = _stream(graph, Command(resume=answer), config, context)
                continue
            summary = summary_of(payload)
            show_summary(summary)
            answer = self._ask(summary, graph.get_state(config).values, context)
            if isinstance(answer, After):
                _say_paused(config["configurable"]["thread_id"], data_dir, self.url)
                return answer
            payload = _stream(graph, Command(resume=answer), config, context)
        _show_written(graph.get_state(config).values)
        return After.DONE

    def _ask(self, summary: dict, values: dict, context) -> dict | After:
        """The person's answer in plain words, read by the rules or the answer-reader agent."""
        from langgraph.runtime import Runtime
        from rich.markup import escape

        from ml_engineer import plain_answers
        from ml_engineer.agents.answer_reader import read_reply
        from ml_engineer.graphs.agent_session import agent_session
        from ml_engineer.terminal import _show_artifact, out

        session = agent_session(values, Runtime(context=context))
        out.print(escape(ANSWER_HELP))
        while True:
            text = _answer_line(ANSWER_HELP)
            if isinstance(text, After):
                return text
            if text is None:
                continue  # Enter alone never approves; a slash command was answered
            which = plain_answers.show_request(text)
            if which is not None:
                _show_artifact(summary, which)
                continue
            answer, result = read_reply(text, session)
            if result is not None:
                u = result.usage
                out.print(
                    f"[dim]{escape(u.model or 'model')} read the answer: {u.calls} call(s), "
                    f"{u.input_tokens:,} in / {u.output_tokens:,} out tokens; "
                    f"{escape(u.outcome)}[/]"
                )
            if answer is None:
                out.print(f"Not sure what you mean by {escape(repr(text))}. "
                          f"{escape(plain_answers.HINT)}")  # fmt: skip
                continue
            out.print(_understood(answer))
            return answer

    def _ask_target(self) -> str | After:
        """A candidate's number or a column name, as typed; the graph checks it (and asks
        again, saying why, when it is neither)."""
        while True:
            text = _answer_line(TARGET_ANSWER_HELP)
            if text is not None:
                return text

    # -- other commands -------------------------------------------------------------------------

    def status(self, project: str) -> None:
        """`/status <project>`: as `ml-engineer status`; `/status` alone: every project here."""
        from rich.markup import escape

        from ml_engineer import api
        from ml_engineer.terminal import out, show_status

        if not project:
            found = list(_projects(self.url))
            if not found:
                out.print(f"No projects under ./output yet. Start one with {START_EXAMPLE}.")
            for slug, thread_id, stage in found:
                out.print(escape(f"  {slug}: {thread_id} {_STANDS[stage]}"))
            return
        data_dir = api.resolve_data_dir(project)
        thread_id = _latest_thread(data_dir)
        with api.open_checkpointer(data_dir, self.url) as saver:
            snapshot = api.build_graph(checkpointer=saver).get_state(
                {"configurable": {"thread_id": thread_id}}
            )
            resume_cmd = f"/resume {_project_arg(data_dir)} (or {_resume_cmd(data_dir, self.url)})"
            show_status(thread_id, snapshot, api.run_stage(snapshot), resume_command=resume_cmd)

    def sub_skill(self, command) -> None:
        """A sub-skill's slash command, run by the skill runner with the chat's settings."""
        from rich.markup import escape

        from ml_engineer.errors import MLEngineerError
        from ml_engineer.llm_flags import start_settings
        from ml_engineer.terminal import out, show_checkpoint

        try:  # imported here: the chat works without it, only this command needs it
            from ml_engineer.skill_runner import run_skill
        except ModuleNotFoundError as missing:
            if missing.name != "ml_engineer.skill_runner":
                raise
            raise MLEngineerError(
                f"/{command.name} cannot run in this version of the chat; /ml_engineer "
                "<data-dir> runs the whole pipeline, this sub-skill included."
            ) from None
        context, _ = start_settings(self.args, self.checks, train=False)
        result = run_skill(
            command.name, command.path, goal=command.goal, framework=command.framework,
            tracker=command.tracker, context=context,
            on_line=lambda _node, message: show_checkpoint(message),
        )  # fmt: skip
        for name, path in result.paths.items():
            out.print(f"  {escape(name)}: {escape(str(path))}")
        if result.next_slash:
            out.print(f"Next: {escape(result.next_slash)}")

    def _greet(self) -> None:
        from rich.markup import escape

        from ml_engineer import __version__
        from ml_engineer.graphs.agent_session import agent_mode_line_for
        from ml_engineer.llm_flags import start_settings
        from ml_engineer.terminal import out

        context, _ = start_settings(self.args, self.checks, train=False)
        out.print(f"[bold]ml-engineer {__version__}[/] · terminal chat")
        out.print(f"[dim]{escape(agent_mode_line_for(context))}[/]")
        self._help()

    def _help(self) -> None:
        from rich.markup import escape

        from ml_engineer import slash
        from ml_engineer.terminal import out

        rows = [(slash.usage(name).removeprefix("Usage: "), WHAT.get(name, "")) for name in WHAT]
        for syntax, what in [*rows, *CHAT_COMMANDS]:
            out.print(f"  [bold]{escape(syntax)}[/]  [dim]{escape(what)}[/]")
        out.print(
            'At the approval question, answer in your words: "looks good", "drop customer_id '
            'and optimise F1", "no, stop", or "show spec". When the goal fits several columns, '
            "it first asks which one to predict: answer with its number or a column's name."
        )

    def _announce_waiting(self) -> None:
        """Runs in ./output left waiting for an answer (or stopped mid-way): say how to go on."""
        from rich.markup import escape

        from ml_engineer.terminal import out

        for slug, thread_id, stage in _projects(self.url):
            if stage in ("waiting", "choosing", "interrupted"):
                out.print(
                    f"{escape(slug)}: run {escape(thread_id)} {_STANDS[stage]}. "
                    f"Type /resume {escape(slug)} to carry on."
                )


# -- helpers --------------------------------------------------------------------------------------

_STANDS = {
    "waiting": "is waiting for your approval",
    "choosing": "is waiting for you to choose the column to predict",
    "interrupted": "stopped before it finished",
    "approved": "was approved and handed off",
    "rejected": "was rejected",
    "running": "is running in another process",
}


def _answer_line(help_text: str) -> str | After | None:
    """One line typed at a paused question: the text, After when the person leaves, or None
    when there is nothing to act on yet (an empty line, or a slash command answered here)."""
    from rich.markup import escape

    from ml_engineer import slash
    from ml_engineer.terminal import out

    try:
        text = out.input(ANSWER_PROMPT).strip()
    except EOFError:
        out.print()
        return After.QUIT
    except KeyboardInterrupt:
        out.print()
        return After.PAUSED
    if not text:
        return None
    if not slash.is_slash(text):
        return text
    name = text.lstrip()[1:].split(maxsplit=1)[0].lower() if text.strip("/ ") else ""
    if name in ("quit", "exit", "q"):
        return After.QUIT
    if name == "pause":
        return After.PAUSED
    out.print(
        ("" if name == "help" else "The question above is waiting for your answer. ")
        + escape(help_text)
        + " /quit leaves the chat; the question stays paused either way."
    )
    return None


def _stream(graph, value, config, context) -> dict | None:
    from ml_engineer import api
    from ml_engineer.terminal import show_checkpoint

    return api.stream_run(graph, value, config, context, lambda _n, m: show_checkpoint(m))


def _projects(url: str | None):
    """(slug, latest thread, stage) of each project under ./output that has a run.

    A courtesy at startup and for `/status`: a project whose store cannot be read is left out
    here, and reported when the person opens it by name."""
    from ml_engineer import api
    from ml_engineer.deliverables import STATE_DIR
    from ml_engineer.errors import RunInProgressError
    from ml_engineer.run_lock import project_lock

    for state_dir in sorted(Path("output").glob(f"*/{STATE_DIR}")):
        data_dir = state_dir.parent / "data"
        thread_id = api.latest_thread_id(data_dir)
        if thread_id is None:
            continue
        try:
            with project_lock(state_dir, _slug(data_dir)):  # held: a run is going on now
                with api.open_checkpointer(data_dir, url) as saver:
                    snapshot = api.build_graph(checkpointer=saver).get_state(
                        {"configurable": {"thread_id": thread_id}}
                    )
            if snapshot.values:
                stage = api.run_stage(snapshot)
                if stage == "waiting" and snapshot.values.get("target_question"):
                    stage = "choosing"
                yield state_dir.parent.name, thread_id, stage
        except RunInProgressError:
            yield state_dir.parent.name, thread_id, "running"
        except Exception:  # noqa: BLE001 - see the docstring
            continue


def _latest_thread(data_dir: Path) -> str:
    from ml_engineer import api

    start = f"/ml_engineer {_shell(data_dir)}"
    return api.thread_to_use(data_dir, None, named=data_dir, start=start)


def _understood(answer: dict) -> str:
    from rich.markup import escape

    if answer["decision"] == "approve":
        return "Approved."
    if answer["decision"] == "revise":
        return f"Revising: {escape(answer['feedback'])}"
    reason = answer.get("reason")
    return "Rejected." + (f" Reason: {escape(reason)}" if reason else "")


def _say_paused(thread_id: str, data_dir: Path, url: str | None, target: bool = False) -> None:
    from rich.markup import escape

    from ml_engineer.terminal import out

    question = "target question (which column to predict)" if target else "approval question"
    flags = "--target COLUMN" if target else '--approve | --revise "..." | --reject "..."'
    out.print(
        f"Run {escape(thread_id)} is paused at the {question}. Answer it later with "
        f"/resume {escape(_project_arg(data_dir))} in the chat, or "
        f"{escape(_resume_cmd(data_dir, url))} {escape(flags)}."
    )


def _show_written(values: dict) -> None:
    from rich.markup import escape

    from ml_engineer.terminal import out

    written = {**(values.get("written") or {}), **(values.get("mlops_written") or {})}
    for name, path in written.items():
        out.print(f"  {escape(name)}: {escape(str(path))}")


def _resume_cmd(data_dir: Path, url: str | None) -> str:
    from ml_engineer.api import redact_url

    cmd = f"ml-engineer resume {_project_arg(data_dir)}"
    return cmd + (f" --checkpointer {shlex.quote(redact_url(url))}" if url else "")


def _project_arg(data_dir: Path) -> str:
    """The slug when the project is ./output/<slug> (what a person types), else its path."""
    slug = _slug(data_dir)
    here = Path("output") / slug / "data"
    try:
        same = here.is_dir() and here.resolve() == data_dir.resolve()
    except OSError:
        same = False
    return slug if same else _shell(data_dir)


def _slug(data_dir: Path) -> str:
    from ml_engineer.deliverables import slug_for

    return slug_for(data_dir)


def _one_word(rest: str, name: str) -> str | None:
    """The one project name after /status or /resume ("" when none); None, with the usage
    line shown, when the words cannot be one name."""
    from ml_engineer.terminal import out

    try:
        words = shlex.split(rest)
    except ValueError:
        words = None
    if words is None or len(words) > 1:
        out.print(f"Usage: /{name} <project> (the slug, the project folder or its data folder; "
                  "quote a path with spaces).")  # fmt: skip
        return None
    return words[0] if words else ""


def _shell(path: Path) -> str:
    return shlex.quote(str(path))
