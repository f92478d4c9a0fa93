"""``forecaster export``: a saved model -> a TensorFlow SavedModel."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from forecaster.cli import flags
from forecaster.cli.io import check_target_dir, load_model
from forecaster.cli.runtime import load_tensorflow, say

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    """Register the command on the sub-parsers ``sub``."""
    p = sub.add_parser("export", help="export a saved model as a TF SavedModel")
    p.add_argument(
        "--model", required=True, metavar="DIR", help="directory written by train"
    )
    p.add_argument(
        "--out", required=True, metavar="DIR", help="SavedModel directory to write"
    )
    flags.runtime_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Load ``--model`` and export it to ``--out``; its signature on stdout."""
    check_target_dir(args.out, "saved_model.pb", "SavedModel")
    load_tensorflow(args)
    est = load_model(args.model)
    say(args, f"exporting {type(est).__name__} from {args.model}")
    est.export_saved_model(args.out)
    if not args.quiet:
        meta = Path(args.out) / "assets" / "metadata.json"
        info = json.loads(meta.read_text()) if meta.is_file() else {}
        inputs = ", ".join(
            f"{k} {v['dtype']} {v['shape']}" for k, v in info.get("inputs", {}).items()
        )
        print(
            f"exported SavedModel to {args.out} (signature serving_default; inputs: "
            f"{inputs or '?'}; output: yhat (batch, {est.horizon}))"
        )
    return 0
