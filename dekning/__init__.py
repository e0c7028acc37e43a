"""dekning: broadband and mobile coverage planner for Norwegian municipalities.

Data flow one way: read → classify → plan → publish.

- :mod:`dekning.coverage`: read and classify operator coverage (fixed and mobile);
  :mod:`dekning.coverage.planning` build-out areas, routes, cost, funding and selection;
  :mod:`dekning.coverage.application` the county application package.
- :mod:`dekning.surveys`: residents' survey answers (read, geocode, evidence).
- :mod:`dekning.maps` (Folium maps) and :mod:`dekning.api` (FastAPI) publish a run's results.
- The modules at this level are shared by every stage: configuration, errors, CRS, column
  schema, money, I/O, rules, run report, the pipeline and the CLI.
"""

from dekning.errors import ConfigError, DekningError, InputError

__version__ = "0.1.0"

__all__ = ["ConfigError", "DekningError", "InputError", "__version__"]
