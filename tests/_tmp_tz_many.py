import tests.test_reliability as R
def test_many():
    stats = R._tz_fuzz(3000)
    R._report(stats)
