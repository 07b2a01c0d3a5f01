"""`stratmon framework show`: the results framework as a tree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.tree import Tree

from stratmon.cli.common import console, handles_errors
from stratmon.i18n import SUPPORTED, N_, _, format_money, language, set_language

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.
if TYPE_CHECKING:
    from stratmon.framework.model import Framework, Objective

app = typer.Typer(help=N_("The results framework."), no_args_is_help=True)

FrameworkOption = Annotated[
    str | None,
    typer.Option("--framework", metavar=N_("NAME|FILE"), envvar="STRATMON_FRAMEWORK",
                 help=N_("A shipped framework name or a YAML file (default: central_america).")),
]


@app.command("show", help=N_("Print the framework: lines of action, objectives, countries, agencies, commitments."))
@handles_errors
def show(
    lang: Annotated[str | None, typer.Option("--lang", metavar="en|es", help=N_("Language: en or es."))] = None,
    framework: FrameworkOption = None,
) -> None:
    """Print the framework: lines of action, objectives, countries, agencies, commitments."""
    from stratmon.framework import load_framework

    if lang is not None:
        if lang not in SUPPORTED:
            raise typer.BadParameter(_("choose one of: {choices}").format(choices=", ".join(SUPPORTED)))
        set_language(lang)
    console.print(framework_tree(load_framework(framework), language()))


def _status(status: str) -> str:
    return _("official") if status == "official" else _("proposed")


def _objective(branch: Tree, objective: Objective, lang: str) -> None:
    node = branch.add(f"[bold]{objective.id}[/] {escape(objective.name.get(lang))} [dim]({_status(objective.status)})[/]")
    for child in objective.objectives:
        _objective(node, child, lang)


def _heading(text: str) -> str:
    return f"[bold]{escape(text)}[/]"


def framework_tree(framework: Framework, lang: str) -> Tree:
    """The framework as a Rich tree in `lang`."""
    tree = Tree(f"[bold]{escape(framework.name.get(lang))}[/] [dim]({escape(framework.version)})[/]")
    tree.add(escape(framework.purpose.get(lang)))
    lines = tree.add(_heading(_("Lines of action")))
    for line in framework.lines_of_action:
        node = lines.add(f"[bold]{line.code}[/] {escape(line.name.get(lang))} [dim]({_status(line.status)})[/]")
        node.add(f"[dim]{escape(line.description.get(lang))}[/]")
        for objective in line.objectives:
            _objective(node, objective, lang)
    countries = tree.add(_heading(_("Countries")))
    for country in framework.countries:
        countries.add(escape(f"{country.code} {country.name.get(lang)}"))
    for group in framework.country_groups:
        members = ", ".join(framework.country(code).name.get(lang) for code in group.countries)
        countries.add(f"[bold]{escape(group.name.get(lang))}[/]: {escape(members)}")
    if framework.regions:
        regions = tree.add(_heading(_("Regions")))
        for region in framework.regions:
            regions.add(escape(f"{region.key} {region.name.get(lang)}"))
    agencies = tree.add(_heading(_("Agencies")))
    for agency in framework.agencies:
        agencies.add(escape(f"{agency.iati_ref} {agency.acronym} — {agency.name.get(lang)}"))
    if framework.commitments:
        commitments = tree.add(_heading(_("Partner commitments")))
        for commitment in framework.commitments:
            amount = f" — US$ {format_money(commitment.amount_usd, lang)}" if commitment.amount_usd else ""
            node = commitments.add(escape(f"{commitment.name.get(lang)} ({commitment.period}){amount}"))
            source = _("Source: {source}").format(source=commitment.source)
            node.add(f"[dim]{escape(source)}[/]")
    return tree
