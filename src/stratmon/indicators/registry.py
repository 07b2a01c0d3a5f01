"""The indicator registry as data: reference sheets (PIRS) and disaggregation schemes in YAML.

    indicators:
      - code: EG.3.2-24
        level: activity            # or objective (then `objective` is required)
        objective: P3
        name: {en: ..., es: ...}
        unit: farmers
        direction: higher          # higher | lower | neutral
        aggregation: sum           # sum | last | percentage
        cumulative: false
        disaggregations: [sex]
        reference: {definition: ..., rationale: ..., data_source: ..., collection_method: ...,
                    frequency: ..., responsible_office: ..., limitations: ...}
    schemes:
      - code: age
        name: {en: Age, es: Edad}
        categories: [{code: "15-24", en: "15–24", es: "15–24"}, ...]
        mapping: {"15-19": "15-24", "20-24": "15-24"}   # from the stored version's categories
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from stratmon.framework.loader import FrameworkError, read_yaml_mapping, validated
from stratmon.framework.model import Framework, Strict, Text
from stratmon.i18n import _
from stratmon.sources.result_records import NOT_AVAILABLE

REFERENCE_FIELDS = ("definition", "rationale", "data_source", "collection_method", "frequency",
                    "responsible_office", "limitations")


class ReferenceSheet(Strict):
    """A performance indicator reference sheet's fields (free text)."""

    definition: str = Field(min_length=1)
    rationale: str | None = None
    data_source: str | None = None
    collection_method: str | None = None
    frequency: str | None = None
    responsible_office: str | None = None
    limitations: str | None = None


class IndicatorSpec(Strict):
    """One performance indicator as a registry file declares it."""

    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$", max_length=100)
    level: Literal["objective", "activity"]
    objective: str | None = None
    name: Text
    unit: str | None = None
    direction: Literal["higher", "lower", "neutral"] = "higher"
    aggregation: Literal["sum", "last", "percentage"] = "sum"
    cumulative: bool = False
    disaggregations: tuple[str, ...] = ()
    reference: ReferenceSheet

    @model_validator(mode="after")
    def _objective_level_names_its_objective(self):
        if self.level == "objective" and not self.objective:
            raise ValueError("an objective-level indicator names its objective")
        return self


class Category(Strict):
    code: str = Field(min_length=1, max_length=100)
    en: str = Field(min_length=1)
    es: str = Field(min_length=1)


class SchemeSpec(Strict):
    """A disaggregation scheme's categories, and how the stored version's categories map onto them."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: Text
    categories: tuple[Category, ...] = Field(min_length=1)
    mapping: dict[str, str] = {}

    @model_validator(mode="after")
    def _categories_are_unique_and_not_dna(self):
        codes = [category.code for category in self.categories]
        if len(set(codes)) != len(codes):
            raise ValueError("a category code appears twice")
        if NOT_AVAILABLE in codes:
            raise ValueError(f"{NOT_AVAILABLE} is reserved for 'not available'")
        unknown = sorted(set(self.mapping.values()) - set(codes))
        if unknown:
            raise ValueError(f"mapping points at categories this version lacks: {', '.join(unknown)}")
        return self


class RegistryFile(Strict):
    indicators: tuple[IndicatorSpec, ...] = ()
    schemes: tuple[SchemeSpec, ...] = ()


def load_registry_file(path: Path, framework: Framework) -> RegistryFile:
    """A registry file, validated, its objectives checked against the framework (its schemes are
    checked against those stored when it is loaded)."""
    registry = validated(RegistryFile, read_yaml_mapping(path), path)
    objectives = {objective.id for _line, objective in framework.objectives()}
    seen: set[str] = set()
    for index, spec in enumerate(registry.indicators):
        if spec.code in seen:
            raise FrameworkError(_("{path}: indicators[{index}].code: {code!r} appears twice").format(
                path=path, index=index, code=spec.code))
        seen.add(spec.code)
        if spec.objective and spec.objective not in objectives:
            raise FrameworkError(_("{path}: indicators[{index}].objective: {value!r} is no objective of the "
                                   "framework").format(path=path, index=index, value=spec.objective))
    return registry
