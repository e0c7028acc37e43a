"""The run report: counted warnings that let a run go on, and figures of each stage."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Warning_:
    stage: str
    code: str
    message: str
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class RunReport:
    """Collects counted warnings and summary figures; written as ``rapport.json``."""

    warnings: list[Warning_] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def warn(
        self, stage: str, code: str, message: str, count: int, examples: list[Any] | None = None
    ) -> None:
        if count <= 0:
            return
        ex = [str(e) for e in (examples or [])][:10]
        self.warnings.append(Warning_(stage, code, message, int(count), ex))

    def codes(self) -> set[str]:
        return {w.code for w in self.warnings}

    def to_json(self) -> str:
        return json.dumps(
            {"warnings": [asdict(w) for w in self.warnings], "figures": self.figures},
            ensure_ascii=False,
            indent=2,
            default=str,
        )
