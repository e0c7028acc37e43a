"""Publish: the planner map and the public map, drawn from a run's results only.

:mod:`~dekning.maps.layers` holds what both share (cells under the small-group rule, colours and
words from the schema, the class-grid overlay, legends); :mod:`~dekning.maps.planner` and
:mod:`~dekning.maps.public` build one map each; :mod:`~dekning.maps.offline` inlines Leaflet.
"""
