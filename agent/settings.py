"""One Settings object, built once at the edge: CLI flag > env POSTMORTEM_* > default."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_LIBRARY = Path.home() / ".postmortem" / "library"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    llm: str = Field(default="offline", description="'offline', 'openai:MODEL' or 'MODEL' on an OpenAI-compatible base URL")
    llm_base_url: str | None = None
    llm_api_key: str | None = Field(default=None, repr=False)
    llm_timeout_s: float = 60.0
    llm_max_retries: int = 3
    llm_concurrency: int = 4
    llm_structured: str = Field(default="auto", description="auto, json_schema, json_mode, function_calling or prompt (schema in the prompt text)")
    llm_max_tries: int = Field(default=3, description="validation attempts per prompt before falling back")
    llm_max_calls: int = Field(default=8, description="HTTP requests to the model per draft, retries included")
    llm_max_prompt_tokens: int = Field(default=40000, description="prompt tokens per draft")
    llm_backoff_s: float = Field(default=0.5, description="first retry wait; doubles per retry")
    library: Path | None = None
    chroma_url: str | None = None
    embeddings: str = "hashing"
    token_budget: int = 8000
    quiet: bool = False

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "Settings":
        """Build settings from the environment, then apply non-None overrides (CLI flags)."""
        env = dict(os.environ if env is None else env)
        values: dict = {}
        if env.get("POSTMORTEM_LLM"):
            values["llm"] = env["POSTMORTEM_LLM"]
        base = env.get("POSTMORTEM_LLM_BASE_URL") or env.get("OPENAI_BASE_URL")
        if base:
            values["llm_base_url"] = base
        if env.get("OPENAI_API_KEY"):
            values["llm_api_key"] = env["OPENAI_API_KEY"]
        if env.get("POSTMORTEM_LLM_TIMEOUT"):
            values["llm_timeout_s"] = float(env["POSTMORTEM_LLM_TIMEOUT"])
        if env.get("POSTMORTEM_LIBRARY"):
            values["library"] = Path(env["POSTMORTEM_LIBRARY"])
        if env.get("POSTMORTEM_CHROMA_URL"):
            values["chroma_url"] = env["POSTMORTEM_CHROMA_URL"]
        if env.get("POSTMORTEM_EMBEDDINGS"):
            values["embeddings"] = env["POSTMORTEM_EMBEDDINGS"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
