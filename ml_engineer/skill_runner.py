"""Run one sub-skill alone, as `/feature_spec_writer output/<slug>/data` and the rest do:

    from ml_engineer.skill_runner import run_skill
    result = run_skill("training_script_generator", "output/acme/ml/feature-spec.md")
    result.paths, result.next_slash

The run itself lives with the graphs (`ml_engineer.graphs.skill_run`), so a chat message to
the LangGraph server can run a step too.
"""

from ml_engineer.graphs.skill_run import WRITES, SkillResult, run_skill

__all__ = ["WRITES", "SkillResult", "run_skill"]
