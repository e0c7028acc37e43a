"""Settings of the service, and the configuration of the run it serves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dekning.config import Config, load_config, load_default_config


class Settings(BaseModel):
    """What ``dekning serve`` is started with."""

    model_config = ConfigDict(frozen=True)
    config_path: Path | None = None
    """Configuration of the analysis; None: the embedded synthetic data set."""
    out_dir: Path = Path("dekning-ut")
    """Output folder of a run (``dekning run``); the service reads its results only."""
    planner_token: str | None = None
    """Bearer token of planner/staff endpoints. None: those endpoints answer 403."""
    database_url: str | None = None
    """Survey store: SQLite file or ``postgresql://...``. Default: the configuration's
    ``input.survey_db``, else ``dekning-svar.sqlite`` next to ``out_dir``."""
    max_body_bytes: Annotated[int, Field(gt=0)] = 16_384
    """Longest request body accepted (413 above)."""
    submissions_per_minute: Annotated[int, Field(gt=0)] = 10
    """Survey submissions accepted per client address and minute (429 above)."""


def survey_db(settings: Settings, cfg: Config) -> str:
    """The survey store the service writes to and the next run reads."""
    return (
        settings.database_url
        or cfg.input.survey_db
        or str(settings.out_dir.resolve().parent / "dekning-svar.sqlite")
    )


def service_config(settings: Settings) -> Config:
    """The configuration of the served run, with ``input.survey_db`` set to the store the
    service writes to (so that a re-run reads the answers submitted since).

    Raises
    ------
    ConfigError
        The configuration file is missing or invalid.
    """
    cfg = load_config(settings.config_path) if settings.config_path else load_default_config()
    db = survey_db(settings, cfg)
    if cfg.input.survey_db == db:
        return cfg
    return cfg.model_copy(update={"input": cfg.input.model_copy(update={"survey_db": db})})
