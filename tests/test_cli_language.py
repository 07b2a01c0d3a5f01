"""The command line speaks one language at a time: `--lang es` (or STRATMON_LANG=es) turns the help, the
option descriptions and Click's and Typer's own words Spanish; English stays English."""

from __future__ import annotations

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from stratmon.cli import app
from stratmon.cli.localised import language_in, translated_click_message
from stratmon.i18n import set_language, translations

# Typer's and Click's words, and the placeholder types Typer shows for options without a metavar.
ENGLISH_WORDS = ("Usage", "Options", "Commands", "Arguments", "Show this message", "default:", "required",
                 "Try '", "Missing", "Error:", "Invalid value", "No such")
PLACEHOLDER_TYPES = ("<str>", "<bool>", "<int>", "<float>", "<path>", "list[", "TEXT", "INTEGER")


def run(*args: str, env: dict | None = None):
    """`stratmon` in-process, on a wide screen so that no phrase is wrapped apart."""
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **(env or {})}, catch_exceptions=False)


def command_paths() -> list[list[str]]:
    """Every command and group, as the words that name it after `stratmon`."""
    found = []

    def walk(command, path):
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(get_command(app), [])
    return found


def test_funding_help_in_spanish_is_spanish_only():
    result = run("--lang", "es", "funding", "--help")
    assert result.exit_code == 0
    for word in ENGLISH_WORDS:
        assert word not in result.stdout, word
    for spanish in ("Uso: stratmon funding [OPCIONES]", "Opciones", "Mostrar este mensaje y salir.",
                    "[obligatorio]", "[predeterminado: disbursement]", "Fondos en dólares estadounidenses"):
        assert spanish in result.stdout, spanish


@pytest.mark.parametrize("args", [("--lang", "es", "--help"), ("--help", "--lang", "es"), ("--lang=es", "--help")])
def test_the_root_help_is_spanish_whichever_order_the_options_come_in(args):
    result = run(*args)
    assert result.exit_code == 0
    assert "Uso: stratmon [OPCIONES] COMANDO [ARGUMENTOS]..." in result.stdout
    assert "Comandos" in result.stdout and "Commands" not in result.stdout


def test_stratmon_lang_in_the_environment_is_the_same_as_the_option():
    result = run("funding", "--help", env={"STRATMON_LANG": "es"})
    assert "Uso: stratmon funding [OPCIONES]" in result.stdout
    assert "Usage" not in result.stdout


def test_a_missing_option_is_said_in_spanish(sqlite_cli):
    result = run("--lang", "es", "users", "add", "ana", "--db", sqlite_cli.db_url)
    assert result.exit_code == 2
    assert "Falta la opción '--role'." in result.stderr
    assert "Uso: stratmon users add [OPCIONES] {NOMBRE}" in result.stderr
    assert "Pruebe 'stratmon users add --help' para ver la ayuda." in result.stderr
    for word in ENGLISH_WORDS:
        assert word not in result.stderr, word


@pytest.mark.parametrize("args, spanish", [
    (("top", "--limit", "x"), "Valor no válido para '--limit': se necesita un número entero"),
    (("top", "--limit", "0"), "Valor no válido para '--limit': el mínimo permitido es 1"),
    (("top", "--lim", "3"), "No existe la opción --lim (¿quiso decir --limit?)"),
    (("fundin",), "No existe el comando 'fundin'. ¿Quiso decir 'funding'?"),
    (("funding", "--by", "country", "extra"), "Argumentos inesperados: extra"),
    (("import", "iati", "--strict=yes", "x.xml"), "La opción '--strict' no admite un valor."),
])
def test_clicks_own_errors_are_said_in_spanish(args, spanish):
    result = run("--lang", "es", *args)
    assert result.exit_code == 2
    assert spanish in result.stderr


def test_english_stays_english_after_a_spanish_run(sqlite_cli):
    assert "Falta la opción" in run("--lang", "es", "users", "add", "ana", "--db", sqlite_cli.db_url).stderr
    result = run("users", "add", "ana", "--db", sqlite_cli.db_url)
    assert "Missing option '--role'." in result.stderr
    assert "Usage: stratmon users add [OPTIONS] {NAME}" in result.stderr
    help_text = run("funding", "--help").stdout
    assert "Usage: stratmon funding [OPTIONS]" in help_text and "Show this message and exit." in help_text
    assert "Uso" not in help_text and "Opciones" not in help_text


def test_an_unknown_language_is_refused_naming_the_option():
    result = run("--lang", "fr", "funding", "--by", "country")
    assert result.exit_code == 2
    assert "Invalid value for '--lang': choose one of: en, es" in result.stderr


# Metavars that read the same in both languages; the others are words (CODE, FILE) and have their Spanish.
SAME_IN_SPANISH = {"URL", "N", "ID", "A:B"}


def test_every_help_text_and_word_metavar_has_its_spanish():
    spanish = translations("es")
    untranslated = []

    def is_word(metavar: str | None) -> bool:
        return bool(metavar) and metavar.replace("|", "").replace("_", "").isupper() and metavar not in SAME_IN_SPANISH

    def walk(command, path):
        texts = [("help", command.help)] + [(param.name, param.help) for param in command.params] + \
            [(param.name, param.metavar) for param in command.params if is_word(param.metavar)]
        untranslated.extend((path, where, text) for where, text in texts if text and spanish.gettext(text) == text)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(get_command(app), ["stratmon"])
    assert untranslated == []


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_help_shows_a_placeholder_type(lang):
    for path in command_paths():
        result = run("--lang", lang, *path, "--help")
        assert result.exit_code == 0, path
        shown = [word for word in PLACEHOLDER_TYPES if word in result.stdout]
        assert shown == [], (path, shown)


def test_options_show_what_they_take():
    help_text = run("funding", "--help").stdout
    for option, metavar in (("--fy", "A:B"), ("--format", "table|csv|json"), ("--by", "KEYS"), ("--db", "URL")):
        assert any(option in line and metavar in line for line in help_text.splitlines()), option


@pytest.mark.parametrize("args, lang", [
    (["--lang", "es", "funding"], "es"), (["--lang=es"], "es"), (["--help", "--lang", "en", "top"], "en"),
    (["report", "--lang", "es"], None), (["framework", "show", "--lang=es"], None), (["--lang", "fr"], None),
    (["--lang"], None), ([], None), (["--", "--lang", "es"], None),
])
def test_only_the_roots_lang_chooses_the_command_lines_language(args, lang):
    assert language_in(args) == lang


def test_a_click_message_it_does_not_know_stays_as_it_is():
    set_language("es")
    assert translated_click_message("Something new from Click.") == "Something new from Click."
    assert translated_click_message("Invalid value for '--x': Something new.") == \
        "Valor no válido para '--x': Something new."


def test_a_typed_password_is_asked_again_until_both_agree_in_the_users_language(sqlite_cli):
    assert sqlite_cli("users", "add", "ana", "--role", "admin").exit_code == 0
    typed = "correct horse battery\nwrong horse battery\ncorrect horse battery\ncorrect horse battery\n"
    result = CliRunner().invoke(app, ["--lang", "es", "users", "password", "ana", "--db", sqlite_cli.db_url],
                                input=typed, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Las dos contraseñas no coinciden" in result.stderr
    assert "Repítala para confirmar" in result.output and "Repeat" not in result.output
