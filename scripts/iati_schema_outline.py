"""Write the outline of the IATI activity schema that stratmon ships (src/stratmon/iati/data/).

The outline says, for every element of an `iati-activity` by its path, which child elements the
schema allows and in what order, which attributes it has and their types, and the type of its text.
It is read from the official schema files (the shared data folder holds those of 2.01–2.03, see
its iati-standard/SOURCE.md) so that the order stratmon writes is the schema's, not a copy of it by
hand; tests/test_iati_conformance.py checks that the shipped outline is still what this script writes.

    .venv/bin/python scripts/iati_schema_outline.py            # writes the 2.03 outline
    .venv/bin/python scripts/iati_schema_outline.py --check    # exit 1 when the shipped one differs
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lxml import etree

XSD = "{http://www.w3.org/2001/XMLSchema}"
XML_NS = "{http://www.w3.org/XML/1998/namespace}"
VERSION = "2.03"
ROOT = "iati-activity"
OUTLINE = Path(__file__).resolve().parents[1] / "src" / "stratmon" / "iati" / "data" / f"activity-schema-{VERSION}.json"


class Schema:
    """The global elements, attributes and named types of one version's activity schema files."""

    def __init__(self, folder: Path) -> None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        self.elements: dict[str, etree._Element] = {}
        self.attributes: dict[str, etree._Element] = {}
        self.types: dict[str, etree._Element] = {}
        for name in ("iati-activities-schema.xsd", "iati-common.xsd"):
            root = etree.parse(str(folder / name), parser).getroot()
            for child in root:
                kind = {f"{XSD}element": self.elements, f"{XSD}attribute": self.attributes,
                        f"{XSD}complexType": self.types, f"{XSD}simpleType": self.types}.get(child.tag)
                if kind is not None and child.get("name"):
                    kind[child.get("name")] = child

    def outline(self) -> dict[str, dict]:
        """Path (from `iati-activity`) → {children (in order), repeatable (children that may occur more
        than once), attributes (name → XML Schema type), text (its type, None for none), extensible
        (whether elements of other namespaces may follow the children)}."""
        found: dict[str, dict] = {}
        self._element(self.elements[ROOT], ROOT, found)
        return found

    def _element(self, declaration: etree._Element, path: str, found: dict[str, dict]) -> None:
        if declaration.get("ref"):
            declaration = self.elements[declaration.get("ref")]
        entry = {"children": [], "repeatable": [], "attributes": {}, "text": None, "extensible": False}
        found[path] = entry
        type_name = declaration.get("type")
        definition = declaration.find(f"{XSD}complexType")
        if type_name is not None:
            if type_name.startswith("xsd:"):
                entry["text"] = type_name
                return
            definition = self.types[type_name]
        if definition is not None:
            self._content(definition, path, entry, found)

    def _content(self, definition: etree._Element, path: str, entry: dict, found: dict[str, dict]) -> None:
        if definition.tag == f"{XSD}simpleType":
            entry["text"] = definition.find(f"{XSD}restriction").get("base")
            return
        for part in definition:
            if part.tag == f"{XSD}sequence":
                self._sequence(part, path, entry, found)
            elif part.tag in (f"{XSD}simpleContent", f"{XSD}complexContent"):
                extension = part.find(f"{XSD}extension")
                base = extension.get("base")
                if base.startswith("xsd:"):
                    entry["text"] = base
                else:
                    self._content(self.types[base], path, entry, found)
                self._content(extension, path, entry, found)
            elif part.tag == f"{XSD}attribute":
                name, kind = self._attribute(part)
                entry["attributes"][name] = kind
        if definition.get("mixed") == "true":
            entry["text"] = entry["text"] or "xsd:string"

    def _sequence(self, sequence: etree._Element, path: str, entry: dict, found: dict[str, dict]) -> None:
        for item in sequence:
            if item.tag == f"{XSD}element":
                name = item.get("ref") or item.get("name")
                entry["children"].append(name)
                if item.get("maxOccurs", "1") != "1":
                    entry["repeatable"].append(name)
                self._element(item, f"{path}/{name}", found)
            elif item.tag == f"{XSD}any":
                entry["extensible"] = True
            elif item.tag == f"{XSD}sequence":
                self._sequence(item, path, entry, found)

    def _attribute(self, attribute: etree._Element) -> tuple[str, str]:
        ref = attribute.get("ref")
        if ref == "xml:lang":
            return "xml:lang", "xsd:language"
        declaration = self.attributes[ref] if ref else attribute
        kind = declaration.get("type") or "xsd:string"
        if not kind.startswith("xsd:"):
            restriction = self.types[kind].find(f"{XSD}restriction")
            kind = restriction.get("base") if restriction is not None else "xsd:string"
        return declaration.get("name"), kind


def written(folder: Path) -> str:
    """The outline as shipped: JSON, keys in schema order."""
    outline = {"source": f"IATI activity schema {VERSION} (github.com/IATI/IATI-Schemas, branch version-{VERSION}), "
                         "written by scripts/iati_schema_outline.py",
               "version": VERSION, "elements": Schema(folder).outline()}
    return json.dumps(outline, indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    from stratmon.config import shared_data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped outline instead of writing")
    args = parser.parse_args()
    text = written(shared_data_dir() / "iati-standard" / "schemas" / VERSION)
    if args.check:
        sys.exit(0 if OUTLINE.read_text(encoding="utf-8") == text else 1)
    OUTLINE.parent.mkdir(exist_ok=True)
    OUTLINE.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
