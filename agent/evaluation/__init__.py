"""The offline eval harness behind `postmortem eval`: gold files, scorers, runner and scorecards.

A case is a bundle directory holding a ``gold.yaml``. The runner copies the bundle without the gold file,
drafts it through ``agent.run_postmortem`` and scores the draft with small deterministic functions.
"""

from agent.evaluation.gold import Gold, load_gold

__all__ = ["Gold", "load_gold"]
