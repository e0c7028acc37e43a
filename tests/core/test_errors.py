"""The error hierarchy: messages name file, line and field, in bokmål."""

from __future__ import annotations

from dekning.errors import (
    ConfigError,
    DekningError,
    InputError,
    ReconciliationError,
    data_line,
)


def test_input_error_names_file_row_field():
    e = InputError("not a number: 'x'", file="a.csv", line=4, field="Nord")
    assert str(e) == "a.csv, linje 4, felt 'Nord': not a number: 'x'"
    assert isinstance(e, DekningError)
    assert issubclass(ConfigError, DekningError)
    assert str(InputError("plain")) == "plain"
    assert str(InputError("no CRS", file="a.gpkg")) == "a.gpkg: no CRS"
    assert str(InputError("bad", field="tek")) == "felt 'tek': bad"
    assert e.row == e.line == 4


def test_lines_are_numbered_as_a_spreadsheet_shows_them():
    assert data_line(0) == 2  # the header is line 1
    e = InputError("ikke et polygon", file="a.gpkg", line=3, field="geometry", feature=True)
    assert str(e) == "a.gpkg, objekt 3, felt 'geometry': ikke et polygon"


def test_reconciliation_error_is_a_dekning_error():
    assert issubclass(ReconciliationError, DekningError)
    assert not issubclass(ReconciliationError, InputError)
