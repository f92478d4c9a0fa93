"""CLI error text (forecaster/cli/errors.py)."""

from forecaster.cli.errors import one_paragraph


def test_one_paragraph_folds_lines():
    assert one_paragraph("a\n  b\tc ") == "a b c"
