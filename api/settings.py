"""Settings of the service, and the configuration of the run it serves."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dekning.config import Config, load_config, load_default_config
from dekning.errors import ConfigError


class Settings(BaseModel):
    """What ``dekning serve`` is started with."""

    model_config = ConfigDict(frozen=True)
    config_path: Path | None = None
    """Configuration of the analysis; None: the embedded synthetic data set."""
    out_dir: Path = Path("dekning-ut")
    """Output folder of a run (``dekning run``); the service reads its results only."""
    history_dir: Path | None = None
    """Folder holding earlier runs' output folders, which ``GET /v1/planlegger/endringer``
    compares by name. None: the folder that holds ``out_dir``."""
    planner_token: str | None = None
    """Bearer token of planner/staff endpoints. None: those endpoints answer 403."""
    database_url: str | None = None
    """Survey store: SQLite file or ``postgresql://...``. Default: the configuration's
    ``input.survey_db``, else ``dekning-svar.sqlite`` next to ``out_dir``."""
    max_body_bytes: Annotated[int, Field(gt=0)] = 16_384
    """Longest request body accepted (413 above)."""
    submissions_per_minute: Annotated[int, Field(gt=0)] = 10
    """Survey submissions accepted per client address and minute (429 above)."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses of the reverse proxies whose ``X-Forwarded-For`` names the client (for the
    submission limit). Default none: the client is the address that connected, whatever
    headers it sends."""
    max_header_bytes: Annotated[int, Field(ge=1024)] = 16_384
    """Longest request headers accepted (431 above; ``dekning serve``'s parser refuses a
    head much longer than that, 400, before reading it whole)."""
    keep_alive_s: Annotated[int, Field(gt=0)] = 5
    """How long ``dekning serve`` keeps an idle connection open after an answer."""
    first_request_s: Annotated[float, Field(gt=0)] = 10.0
    """How long ``dekning serve`` waits for a new connection's first request head before it
    closes the connection."""
    max_connections: Annotated[int, Field(gt=0)] = 1_000
    """Open connections and requests ``dekning serve`` handles at once; above, 503."""


TOKEN_ENV = "DEKNING_PLANNER_TOKEN"
"""Environment variable with the planner token (kept off the command line, where ``ps``
shows it)."""


def read_token(path: Path | None, environ: Mapping[str, str]) -> str | None:
    """The planner token: the first line of the file ``path`` when given, else the
    environment variable :data:`TOKEN_ENV`, else None (planner access off).

    Raises
    ------
    ConfigError
        The file cannot be read, or holds no token.
    """
    if path is None:
        return environ.get(TOKEN_ENV) or None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: tokenfila kan ikke leses ({e.__class__.__name__})") from None
    token = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not token:
        raise ConfigError(f"{path}: tokenfila er tom")
    return token


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
