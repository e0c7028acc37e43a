"""dekning: broadband and mobile coverage planner for Norwegian municipalities.

The stages live in sub-packages: :mod:`dekning.coverage` (read and classify operator data,
build-out areas, cost and funding), :mod:`dekning.surveys` (resident survey exports),
:mod:`dekning.maps` (Folium maps) and :mod:`dekning.api` (FastAPI service).
Work CRS is EPSG:25833 (metres); EPSG:4326 is used only at the web edge.
"""

from dekning.errors import ConfigError, DekningError, InputError

__version__ = "0.1.0"

WORK_CRS = "EPSG:25833"
WEB_CRS = "EPSG:4326"

__all__ = ["WEB_CRS", "WORK_CRS", "ConfigError", "DekningError", "InputError", "__version__"]
