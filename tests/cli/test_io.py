"""Reading and writing files: bad input exits 2 with one paragraph naming the
file, column, series and row (line numbers of a CSV file)."""

import importlib.util

import pytest

from tests.cli.helpers import (
    TRAIN,
    assert_usage_error,
    call,
    run_all,
    usage_files,
)

# case: (arguments, fragments of the message); {tmp} is a scratch folder
# with the files of helpers.usage_files
BAD_INPUT = {
    "missing file": (
        [*TRAIN, "--data", "{tmp}/nope.csv", "--out", "{tmp}/m"],
        ["forecaster train: error: --data '{tmp}/nope.csv': no such file."],
    ),
    "missing column": (
        [*TRAIN, "--data", "{tmp}/good.csv", "--target-col", "sales", "--out", "{tmp}/m"],
        ["--data '{tmp}/good.csv': ", "missing required columns: ['sales']"],
    ),
    "NaN in y": (
        [*TRAIN, "--data", "{tmp}/nan.csv", "--out", "{tmp}/m"],
        [
            "--data '{tmp}/nan.csv' (row numbers are line numbers of the file): ",
            "Column 'y'", "row 26", "series 'b'", "2020-01-05", "--fill-missing",
        ],
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def bad_input_runs(tmp_path_factory):
    """Every BAD_INPUT case, run at once; none of them imports TensorFlow."""
    tmp = usage_files(tmp_path_factory.mktemp("bad"))
    return tmp, run_all(BAD_INPUT, tmp)


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_exits_2_with_one_paragraph(bad_input_runs, case):
    tmp, runs = bad_input_runs
    assert_usage_error(runs[case], *(f.format(tmp=tmp) for f in BAD_INPUT[case][1]))
    assert not (tmp / "m").exists()


@pytest.mark.parametrize(
    "args,fragments",
    [
        (["--data", "nope"], ["'nope': no such file, and not a bundled data set", "air_passengers"]),
        (["--data", "{tmp}/good.csv", "--static", "{tmp}/none.csv"], ["--static '{tmp}/none.csv': no such file."]),
        (["--data", "{tmp}/good.txt"], ["--data '{tmp}/good.txt': unsupported file type"]),
        (["--data", "{tmp}/empty.csv"], ["--data '{tmp}/empty.csv' could not be read"]),
        (["--data", "{tmp}/dates.csv"], ["--data '{tmp}/dates.csv' (row numbers are line numbers of the file)", "could not be parsed", "row 3"]),
    ],
)  # fmt: skip
def test_train_usage_errors(tmp_path, capsys, args, fragments):
    usage_files(tmp_path)
    args = [a.format(tmp=tmp_path) for a in args]
    out = call(capsys, *TRAIN, *args, "--out", tmp_path / "m")
    assert_usage_error(out, *(f.format(tmp=tmp_path) for f in fragments))


def test_output_file_types(tmp_path, capsys):
    out = call(capsys, "predict", "--model", tmp_path, "--out", tmp_path / "f.xlsx")
    assert_usage_error(
        out,
        "--out '",
        "f.xlsx': unsupported file type; expected a name ending in .csv, .parquet",
    )
    if any(importlib.util.find_spec(m) for m in ("pyarrow", "fastparquet")):
        return
    out = call(capsys, "predict", "--model", tmp_path, "--out", tmp_path / "f.parquet")
    assert_usage_error(
        out, "f.parquet': parquet files need pyarrow, which is not installed"
    )


def test_a_repeated_header_column_is_rejected(tmp_path, capsys):
    # pandas would read the second 'y' as 'y.1', and train on the first
    path = tmp_path / "dup.csv"
    path.write_text("unique_id,ds,y,y\na,2020-01-01,1,2\na,2020-01-02,2,3\n")
    out = call(capsys, *TRAIN, "--data", path, "--out", tmp_path / "m")
    assert_usage_error(
        out, f"--data '{path}': columns ['y'] appear more than once in the header"
    )
    assert not (tmp_path / "m").exists()
