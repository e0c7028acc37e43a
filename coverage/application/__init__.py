"""The county application package of one build-out area: address lists, geometry, the
funding workbook with live formulas and a one-page summary."""
