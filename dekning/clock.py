"""Today's date where the users are: Norwegian local time (Europe/Oslo), not the server's
clock (often UTC in a container, a day behind between midnight and 01:00/02:00)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

NORWAY = ZoneInfo("Europe/Oslo")


def today_in_norway() -> date:
    """The date in Norway now."""
    return datetime.now(NORWAY).date()


__all__ = ["NORWAY", "today_in_norway"]
