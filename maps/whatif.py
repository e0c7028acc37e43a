"""The planner map's budget what-if: the exact selection of areas for another municipal budget,
computed in the browser.

The run chooses its areas with an exact 0-1 integer programme
(:func:`dekning.coverage.planning.prioritise.select_areas`): the largest total value (eligible
units, or the sum of the priority scores) whose municipal co-funding fits the budget. For one
budget year and no state-money limit that is a 0-1 knapsack, and :data:`KNAPSACK_JS` solves it
exactly with a dynamic programme over the Pareto list of (municipal money, value) pairs: after
each area, only the sets that no other set beats on both money and value are kept. Values are
integers (units; scores in tenths, as the run rounds them), so the answer is exact, not a
greedy guess.

Ties: among sets of the same value, the one with the least municipal money (as the run's
programme prefers); among sets of the same value and money, the one without the later area
(table order). The run's solver may pick another set of the same value; the test allows only
that.

With several budget years or a limit on state money the problem is a multiple knapsack (or has
two budgets); the what-if then says that it only covers one year without a state limit, and
computes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from dekning.config import Config

KNAPSACK_JS = """
function dekningSelect(items, budget) {
  // items: [[weight, value], ...] (whole kroner, integer value); returns the chosen indexes.
  var front = [{c: 0, v: 0, item: -1, prev: null}];
  for (var i = 0; i < items.length; i++) {
    var w = items[i][0], val = items[i][1];
    if (w > budget || val <= 0) continue;
    var shifted = [];
    for (var k = 0; k < front.length; k++) {
      var c = front[k].c + w;
      if (c <= budget) shifted.push({c: c, v: front[k].v + val, item: i, prev: front[k]});
    }
    var merged = [], a = 0, b = 0;
    while (a < front.length || b < shifted.length) {
      var s;
      if (b >= shifted.length || (a < front.length && (front[a].c < shifted[b].c ||
          (front[a].c === shifted[b].c && front[a].v >= shifted[b].v)))) { s = front[a++]; }
      else { s = shifted[b++]; }
      if (!merged.length || s.v > merged[merged.length - 1].v) merged.push(s);
    }
    front = merged;
  }
  var chosen = [];
  for (var at = front[front.length - 1]; at.prev !== null; at = at.prev) chosen.push(at.item);
  return chosen.reverse();
}
"""
"""``dekningSelect(items, budget)``: the exact 0-1 knapsack (see the module)."""


@dataclass(frozen=True)
class Budget:
    """How the run chose its areas, as far as the what-if needs it.

    Attributes
    ----------
    objective
        What the selection maximised: ``enheter`` (eligible units) or ``poeng`` (scores).
    municipal_budget_nok
        Municipal money per year (None: no limit, every area chosen).
    years
        Budget years.
    state_budget_nok
        State money for all years (None: no limit).
    """

    objective: Literal["enheter", "poeng"] = "enheter"
    municipal_budget_nok: float | None = None
    years: int = 1
    state_budget_nok: float | None = None

    @classmethod
    def from_config(cls, cfg: Config) -> Budget:
        """The budget settings of a run's configuration."""
        p = cfg.prioritise
        return cls(
            p.objective, p.municipal_budget_nok, p.budget_years, cfg.funding.state_budget_nok
        )

    @property
    def exact_in_browser(self) -> bool:
        """Whether :data:`KNAPSACK_JS` solves the run's problem (one year, no state limit)."""
        return self.years == 1 and self.state_budget_nok is None


def units(areas: pd.DataFrame) -> pd.Series:
    """Eligible units per area: ``enheter``, or households plus businesses for areas without."""
    if "enheter" in areas.columns:
        return areas["enheter"].astype("int64")
    return (areas["hus"] + areas["naering"]).astype("int64")


def whatif_values(areas: pd.DataFrame, objective: str) -> np.ndarray:
    """The integer value the what-if maximises per area: units, or the score in tenths."""
    if objective == "poeng" and "poeng" in areas.columns:
        return np.round(areas["poeng"].fillna(0).to_numpy(dtype="float64") * 10).astype("int64")
    return units(areas).to_numpy()
