"""Build-out planning: areas, fibre routes, cost, funding and the selection under a budget.

Every function takes and returns frames in EPSG:25833 (metres) and whole kroner."""
