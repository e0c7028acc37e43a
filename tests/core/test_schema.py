"""The column schema: mobile layers as data, the speed classes and the frame check."""

from __future__ import annotations

import pandas as pd
import pytest

from dekning.errors import InputError
from dekning.schema import (
    ADDRESS_COLUMNS,
    AREA_COLUMNS,
    SPEED_CLASS_LABELS,
    SPEED_CLASS_LOWER_KBPS,
    SPEED_CLASSES,
    MobileLayer,
    mobile_summary_columns,
    operator_column,
    operators,
    require,
)


def test_operators_are_whatever_the_input_names():
    layers = [
        MobileLayer("Ice-Net", "4g"),
        MobileLayer("telenor", "5g"),
        MobileLayer("Ice-Net", "5g"),
    ]
    assert operators(layers) == ["Ice-Net", "telenor"]
    assert layers[0].column == "mob_Ice-Net_4g"
    assert layers[0].dbm_column == "mob_Ice-Net_4g_dbm"
    assert operator_column("Ice-Net") == "mob_Ice-Net"
    assert mobile_summary_columns(layers) == [
        "mob_Ice-Net",
        "mob_telenor",
        "mob_n_ok",
        "mob_any_ok",
        "mob_all_ok",
    ]


def test_an_operator_name_with_underscores_is_not_confused_with_another():
    a, b = MobileLayer("a", "4g"), MobileLayer("a_b", "4g")
    assert a.column != b.column and operators([a, b]) == ["a", "a_b"]


def test_speed_classes_have_labels_and_bounds():
    assert set(SPEED_CLASS_LABELS) == set(SPEED_CLASSES)
    assert len(SPEED_CLASS_LOWER_KBPS) == len(SPEED_CLASSES) - 1
    assert list(SPEED_CLASS_LOWER_KBPS) == sorted(SPEED_CLASS_LOWER_KBPS, reverse=True)


def test_schema_matches_the_default_run(default_result):
    for col in ADDRESS_COLUMNS:
        assert col.name in default_result.classified.columns, col.name
        assert str(default_result.classified[col.name].dtype) == col.dtype, col.name
    for col in AREA_COLUMNS:
        assert col.name in default_result.areas.columns, col.name
        assert str(default_result.areas[col.name].dtype) == col.dtype, col.name
    for layer in default_result.mobile_layers:
        assert layer.column in default_result.classified.columns


def test_require_names_the_frame_and_the_missing_column():
    with pytest.raises(InputError) as err:
        require(pd.DataFrame({"a": [1]}), ["a", "hus"], "classified addresses")
    assert err.value.field == "hus"
    assert "classified addresses: mangler kolonne(r) hus; tabellen har: a" in str(err.value)
