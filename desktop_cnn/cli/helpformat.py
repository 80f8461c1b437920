"""``--help`` that shows each default once, and the exit codes every command shares."""

from __future__ import annotations

import argparse

EXIT_CODES = """exit status:
  0    success (also when a pipe's reader leaves early, as with | head)
  1    an error you can fix: a missing or unreadable file, a bad value, a failed run
       (one line on stderr says what happened and what to do)
  2    wrong usage: an unknown option or a missing argument (argparse's message)
  130  interrupted (Ctrl+C)

output: results (epoch lines, answers, --json) on stdout; progress and messages on stderr.
Progress bars only on a terminal; one line per epoch when piped; --quiet for none."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Adds "(default: X)" where there is a default worth showing and the help lacks one.

    ``ArgumentDefaultsHelpFormatter`` adds it everywhere: "(default: None)" for
    optional values, "(default: True)" for ``--no-...`` switches and a second
    "(default: ...)" after help that already explains it.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "%(default)" in text or "default" in text.lower() or not shows_default(action):
            return text
        return f"{text} (default: %(default)s)" if text else "default: %(default)s"


def shows_default(action: argparse.Action) -> bool:
    if not action.option_strings or action.nargs == 0:  # positionals, switches
        return False
    return action.default not in (None, "", [], argparse.SUPPRESS)


def apply(parser: argparse.ArgumentParser) -> None:
    """This formatter and the exit codes on a parser and all its subcommands."""
    parser.formatter_class = HelpFormatter
    parser.epilog = EXIT_CODES
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                apply(sub)
