"""Embedded default data set (synthetic). See README.md in this folder."""
