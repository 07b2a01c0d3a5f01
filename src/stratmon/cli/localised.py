"""The command line in the chosen language: our help texts, and the words Typer and Click print themselves.

Three things stood between `--lang es` and a Spanish screen, and each has its answer here:
- Help texts are made when the modules load, before `--lang` is read. They are written `help=N_("...")`
  (English message ids) and `LocalisedGroup` translates the whole command tree once the language is known.
- `stratmon --lang es --help` prints help while Click parses the root's options, before the root's callback
  runs: the root group reads `--lang` from its own arguments before it parses them.
- Typer carries its own copy of Click (`typer._click`), whose words are English literals, not gettext calls.
  The ones users meet (the usage line, the help option, the panel titles, the error messages) are put into
  our catalogue: an error message matched by `CLICK_MESSAGES` is translated, any other stays English.

Typer's help panels also show each option's type (`<str>`, `<bool>`, `<int>`): an option shows its metavar
(`--fy A:B`, `--format table|csv|json`) or nothing, a flag or an argument nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from typer import _click as click
from typer import rich_utils
from typer.core import TyperArgument, TyperGroup, TyperOption

from stratmon.i18n import SUPPORTED, N_, _, set_language

# Click's placeholders in usage lines; here so that `make messages` keeps them in the catalogue.
USAGE_WORDS = (N_("[OPTIONS]"), N_("COMMAND [ARGS]..."))

# Click's error messages, each matched whole, and their message ids. A part named `reason` is a message of
# its own (a value Click or Pydantic refused) and is translated in turn.
CLICK_MESSAGES = tuple((re.compile(pattern, re.DOTALL), message) for pattern, message in (
    (r"Missing option (?P<name>.+)\.", N_("Missing option {name}.")),
    (r"Missing argument (?P<name>.+)\.", N_("Missing argument {name}.")),
    (r"Missing parameter: (?P<name>.+)", N_("Missing parameter: {name}")),
    (r"Missing command\.", N_("Missing command.")),
    (r"No such command (?P<name>'.+?')\. Did you mean (?P<choices>.+)\?",
     N_("No such command {name}. Did you mean {choices}?")),
    (r"No such command (?P<name>.+)\.", N_("No such command {name}.")),
    (r"No such option: (?P<name>\S+) \(Possible options: (?P<choices>.+)\)",
     N_("No such option: {name} (did you mean {choices}?)")),
    (r"No such option: (?P<name>.+)", N_("No such option: {name}")),
    (r"Option (?P<name>'.+') requires an argument\.", N_("Option {name} requires a value.")),
    (r"Option (?P<name>'.+') requires (?P<count>\d+) arguments\.", N_("Option {name} requires {count} values.")),
    (r"Option (?P<name>'.+') does not take a value\.", N_("Option {name} does not take a value.")),
    (r"Got unexpected extra argument\(s\) \((?P<arguments>.+)\)",
     N_("Unexpected arguments: {arguments}")),
    (r"Argument (?P<name>'.+') takes (?P<count>\d+) values\.", N_("Argument {name} takes {count} values.")),
    (r"Invalid value for (?P<name>'[^']+'(?: / '[^']+')*): (?P<reason>.+)", N_("Invalid value for {name}: {reason}")),
    (r"Invalid value: (?P<reason>.+)", N_("Invalid value: {reason}")),
    (r"(?P<value>'.*') is not one of (?P<choices>.+)\.", N_("{value} is not one of {choices}.")),
    (r"Input should be a valid integer\b.*", N_("a whole number is needed")),
    (r"Input should be a valid number\b.*", N_("a number is needed")),
    (r"Input should be greater than or equal to (?P<least>\S+)", N_("the least allowed is {least}")),
    (r"Input should be less than or equal to (?P<most>\S+)", N_("the most allowed is {most}")),
    (r"(?:File|Directory|Path) (?P<path>'.*') does not exist\.", N_("{path} does not exist.")),
))


def translated_click_message(message: str) -> str:
    """A message of Click's (or of Pydantic's, for a value Typer refused) in the current language."""
    for pattern, message_id in CLICK_MESSAGES:
        found = pattern.fullmatch(message)
        if found:
            parts = found.groupdict()
            if "reason" in parts:
                parts["reason"] = translated_click_message(parts["reason"])
            return _(message_id).format(**parts)
    return message


def language_in(args: Sequence[str]) -> str | None:
    """The `--lang` given to `stratmon` itself, if it is one we speak. Only the options before the command's
    name count: `stratmon report --lang es` asks for a Spanish report, not a Spanish command line."""
    for position, arg in enumerate(args):
        if arg == "--lang":
            value = args[position + 1] if position + 1 < len(args) else None
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        elif arg.startswith("-") and arg != "--":
            continue  # the root's flags: --help, --version
        else:
            return None  # the command's name, or `--`: what follows is the command's
        return value if value in SUPPORTED else None
    return None


class LocalisedGroup(TyperGroup):
    """The root `stratmon` group: it chooses the language from its arguments (else the environment's), then
    translates every command's help before Click parses or shows anything."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        if parent is None:
            set_language(language_in(args))
            translate_commands(self)
            _translate_typer_words()
        return super().make_context(info_name, args, parent=parent, **extra)


def translate_commands(command: click.Command) -> None:
    """The help texts and metavars of `command` and of everything under it, in the current language. The
    English is kept at the first translation, so that a tree can be translated again into another."""
    for attribute in ("help", "short_help", "options_metavar", "subcommand_metavar"):
        _translate(command, attribute)
    for param in command.params:
        _translate(param, "help")
        _translate(param, "metavar")
    for subcommand in getattr(command, "commands", {}).values():
        translate_commands(subcommand)


def _translate(thing: object, attribute: str) -> None:
    english = thing.__dict__.setdefault(f"_english_{attribute}", getattr(thing, attribute, None))
    if isinstance(english, str) and english:
        setattr(thing, attribute, _(english))


def _translate_typer_words() -> None:
    """Typer's help panels and error box: their titles and fixed words are module constants it reads when
    it draws them."""
    rich_utils.ARGUMENTS_PANEL_TITLE = _("Arguments")
    rich_utils.OPTIONS_PANEL_TITLE = _("Options")
    rich_utils.COMMANDS_PANEL_TITLE = _("Commands")
    rich_utils.ERRORS_PANEL_TITLE = _("Error")
    rich_utils.ABORTED_TEXT = _("Aborted.")
    rich_utils.RICH_HELP = _("Try [blue]'{command_path} {help_option}'[/] for help.")
    rich_utils.DEFAULT_STRING = _("[default: {}]")
    rich_utils.ENVVAR_STRING = _("[env var: {}]")
    rich_utils.REQUIRED_LONG_STRING = _("[required]")
    rich_utils.DEPRECATED_STRING = _("(deprecated) ")


def _write_usage(write_usage):
    def translated(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, _("Usage: ") if prefix is None else prefix)

    return translated


def _get_help_option(get_help_option):
    def translated(self, ctx: click.Context):
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option

    return translated


def _format_error(format_error):
    def translated(error: click.ClickException) -> None:
        message = translated_click_message(error.format_message())
        error.format_message = lambda: message  # the original draws the box around this message
        format_error(error)

    return translated


def _value_shape(param, ctx: click.Context) -> str | None:
    """What an option takes, as its metavar says; nothing for a flag or an argument (its name says it)."""
    if isinstance(param, TyperOption) and not param.is_flag:
        return param.metavar
    return None


_installed = False


def install() -> None:
    """Route Typer's and Click's own words through our catalogue (once per process)."""
    global _installed
    if _installed:
        return
    click.HelpFormatter.write_usage = _write_usage(click.HelpFormatter.write_usage)
    click.Command.get_help_option = _get_help_option(click.Command.get_help_option)
    rich_utils.rich_format_error = _format_error(rich_utils.rich_format_error)
    TyperOption.display_type_rich = TyperArgument.display_type_rich = _value_shape
    _installed = True
