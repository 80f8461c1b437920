"""``desktop-cnn exercises``: the chapter's exercises 1-3 worked, for a teacher to hand out."""

from __future__ import annotations

import argparse
import json


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
        print(json.dumps(handout_data(), indent=1))
    else:
        print(handout_text(args.answers), end="")
    return 0
