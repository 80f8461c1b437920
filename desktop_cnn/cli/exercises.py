"""``desktop-cnn exercises``: the chapter's exercises 1-3 worked, for a teacher to hand out."""

from __future__ import annotations

import argparse
import json
from typing import Any

# What a learner works out: left out of --no-answers (text and JSON alike).
ANSWER_KEYS = {"Y0", "Y1", "Y2", "book_answers", "output", "worked", "pytorch", "params", "total"}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("exercises", help="print the chapter's exercises 1-3 with worked answers")
    p.add_argument(
        "--no-answers",
        dest="answers",
        action="store_false",
        help="the questions only (a sheet for the learners)",
    )
    p.add_argument("--json", action="store_true", help="the data and answers as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.conv.handout import handout_data, handout_text  # torch: only when asked

    if args.json:
        data = handout_data()
        print(json.dumps(data if args.answers else without_answers(data), indent=1))
    else:
        print(handout_text(args.answers), end="")
    return 0


def without_answers(data: Any) -> Any:
    """The handout's data with every answer field removed (the questions and inputs kept)."""
    if isinstance(data, dict):
        return {k: without_answers(v) for k, v in data.items() if k not in ANSWER_KEYS}
    if isinstance(data, list):
        return [without_answers(v) for v in data]
    return data
