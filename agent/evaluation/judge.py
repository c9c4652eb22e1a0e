"""The optional LLM judge: a rubric score for a draft, kept apart from the deterministic metrics.

Only used with ``postmortem eval --llm SPEC``. The prompt is ``prompts/eval_judge.v1.yaml``; the client is
anything implementing ``agent.llm.ChatClient`` (tests pass a fake).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import LLMError
from agent.evaluation.gold import Gold
from agent.models import Postmortem

REPORT_CHARS = 24000  # keep the judged report within a small model's context


class JudgeScore(BaseModel):
    """Each score is 1 (poor) to 5 (excellent)."""

    model_config = ConfigDict(extra="forbid")

    accuracy: int = Field(ge=1, le=5, description="facts, times and cause agree with the reference answer")
    root_cause_depth: int = Field(ge=1, le=5, description="the 5-Whys reach a systemic cause, not a person")
    actionability: int = Field(ge=1, le=5, description="action items are specific, owned, and would prevent recurrence")
    blamelessness: int = Field(ge=1, le=5, description="no blame or judgement of individuals")
    clarity: int = Field(ge=1, le=5, description="a reader outside the team understands what happened")
    rationale: str = Field(description="two or three sentences")


class LLMJudge:
    """Callable as ``judge(pm, gold, markdown) -> {rubric: score in 0..1}``."""

    def __init__(self, client=None, *, settings=None, max_tries: int = 2):
        self.client = client
        self.settings = settings
        self.max_tries = max_tries

    def __getstate__(self) -> dict:
        # Worker processes rebuild the client from settings; SDK clients do not pickle.
        return {**self.__dict__, "client": None if self.settings is not None else self.client}

    def _client(self):
        if self.client is None:
            from agent.llm import make_client

            self.client = make_client(self.settings)
        return self.client

    def __call__(self, pm: Postmortem, gold: Gold, markdown: str) -> dict[str, float]:
        from agent.llm.prompts import load_prompt

        prompt = load_prompt("eval_judge")
        messages = prompt.render(reference=gold.model_dump_json(indent=1, exclude={"secrets"}),
                                 report=(markdown or pm.model_dump_json())[:REPORT_CHARS])
        schema = JudgeScore.model_json_schema()
        last = ""
        for _ in range(self.max_tries):
            answer = self._client().complete(messages, schema, schema_name="JudgeScore")
            try:
                score = JudgeScore.model_validate(answer.data)
            except ValidationError as exc:
                last = str(exc)
                continue
            return _normalise(score)
        raise LLMError(f"the judge gave no valid score after {self.max_tries} tries: {last[:200]}")


def _normalise(score: JudgeScore) -> dict[str, float]:
    values = {k: (v - 1) / 4 for k, v in score.model_dump().items() if isinstance(v, int)}
    values["judge_mean"] = round(sum(values.values()) / len(values), 4)
    return values


def make_judge(settings) -> LLMJudge | None:
    """The judge for ``settings.llm``, or None when offline."""
    from agent.llm import is_offline, parse_spec

    if is_offline(settings.llm):
        return None
    parse_spec(settings)  # fail fast, before any draft, when the spec or key is wrong
    return LLMJudge(settings=settings)
