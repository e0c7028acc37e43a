"""Operators' coverage, from reading to the application package.

- :mod:`dekning.coverage.read`: the address register, fixed coverage and consultation lists;
- :mod:`dekning.coverage.classify`: best offer, speed class, eligibility, mobile classes;
- :mod:`dekning.coverage.planning`: build-out areas, routes, cost, funding, selection;
- :mod:`dekning.coverage.application`: the county application package of an area.

The steps live in the top-level folder ``coverage/`` (linked in here). That folder has no
``__init__.py`` of its own, so a Python started in the repository root still imports coverage.py,
never this code, as ``coverage``.
"""
