"""Read step of the coverage stage: the address register, operators' fixed coverage and Nkom's
consultation lists, into validated frames in EPSG:25833 (mobile rasters are sampled by
:mod:`dekning.coverage.classify.mobile`)."""
