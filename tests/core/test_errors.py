"""The error hierarchy: messages name file, row and field."""

from __future__ import annotations

from dekning.errors import ConfigError, DekningError, InputError, ReconciliationError


def test_input_error_names_file_row_field():
    e = InputError("not a number: 'x'", file="a.csv", row=4, field="Nord")
    assert str(e) == "a.csv, row 4, field 'Nord': not a number: 'x'"
    assert isinstance(e, DekningError)
    assert issubclass(ConfigError, DekningError)
    assert str(InputError("plain")) == "plain"
    assert str(InputError("no CRS", file="a.gpkg")) == "a.gpkg: no CRS"
    assert str(InputError("bad", field="tek")) == "field 'tek': bad"


def test_reconciliation_error_is_a_dekning_error():
    assert issubclass(ReconciliationError, DekningError)
    assert not issubclass(ReconciliationError, InputError)
