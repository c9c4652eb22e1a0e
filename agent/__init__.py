"""postmortem-agent: first drafts of blameless incident postmortems, cited and offline-first.

Public API::

    from agent import run_postmortem, Settings
    pm = run_postmortem("fixtures/conn-pool-exhaustion", out_dir="out/")
"""

from agent.errors import (
    BundleError,
    CheckFailed,
    LibraryError,
    LLMError,
    PostmortemError,
    UsageError,
)
from agent.models import PositionCard, Postmortem
from agent.settings import Settings

__all__ = [
    "run_postmortem", "Settings", "Postmortem", "PositionCard",
    "PostmortemError", "BundleError", "UsageError", "LLMError", "LibraryError", "CheckFailed",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    # run_postmortem pulls in every stage; import it on first use so `import agent` stays cheap.
    if name == "run_postmortem":
        from agent.api import run_postmortem

        return run_postmortem
    raise AttributeError(name)
