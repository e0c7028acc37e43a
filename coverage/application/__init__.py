"""The county application package of one build-out area: address lists (``addresses``), the
funding workbook with live formulas (``workbook``, cells written by ``cells``), a one-page
summary with a map (``summary``), all written by ``package.write_application``."""
