"""Row labels in messages (forecaster/data/messages.py)."""

import numpy as np
import pandas as pd

from forecaster.data.messages import label, where


def test_label_and_where():
    assert label(np.int64(3)) == "3"
    df = pd.DataFrame({"unique_id": ["a"], "ds": ["2020-01-01"]}, index=["r1"])
    assert where(df, 0, "unique_id", "ds") == "row 'r1' (series 'a', ds 2020-01-01)"
