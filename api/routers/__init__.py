"""Routers per audience: :mod:`.public` (residents, no personal data) and :mod:`.planner`
(staff, token)."""
