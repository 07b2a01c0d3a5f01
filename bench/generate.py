"""Generated IATI data at N times the real volume: the real U.S. files rewritten with new
iati-identifiers, streaming, one activity in memory at a time.

Copy 0 is the real files themselves; copy k (k ≥ 1) is every real file again, each activity's
identifier suffixed `-GENk`, written under `<folder>/<k>/` with the same relative path. N× data
is copy 0 plus copies 1 … N-1, so the 10× data is part of the 100× data and is written once.

    .venv/bin/python bench/generate.py 10 /tmp/generated     # copies 1..9 of the shared files
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lxml import etree

from stratmon.config import shared_data_dir

ACTIVITY = "iati-activity"


def real_folder() -> Path:
    """The real U.S. IATI files."""
    return shared_data_dir() / "usg-iati" / "data"


def real_files(folder: Path) -> list[Path]:
    """The real files, in the order `stratmon import iati` reads a folder."""
    return sorted(p for p in folder.rglob("*.xml") if p.is_file() and not p.name.startswith("."))


def _root_tags(root: etree._Element) -> tuple[bytes, bytes]:
    """The opening and closing tags of the root, with its attributes and namespaces."""
    shell = etree.Element(root.tag, dict(root.attrib), nsmap=root.nsmap)
    shell.text = "\n"
    opening, closing = etree.tostring(shell).split(b"\n", 1)
    return opening + b"\n", closing + b"\n"


def rewrite_file(source: Path, target: Path, suffix: str) -> None:
    """`source` with every activity's iati-identifier suffixed, and everything else as it was."""
    target.parent.mkdir(parents=True, exist_ok=True)
    closing = b""
    with target.open("wb") as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        for event, element in etree.iterparse(str(source), events=("start", "end")):
            if event == "start":
                if element.getparent() is None:
                    opening, closing = _root_tags(element)
                    out.write(opening)
                continue
            if element.tag != ACTIVITY or element.getparent() is None:
                continue
            identifier = element.find("iati-identifier")
            if identifier is not None and identifier.text:
                identifier.text = identifier.text.strip() + suffix
            out.write(etree.tostring(element))
            out.write(b"\n")
            # Free the activity and the ones before it: the root would otherwise keep them all.
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
        out.write(closing)


def write_large_file(source_folder: Path, target: Path, megabytes: int) -> int:
    """One IATI file of at least `megabytes` MiB: the real activities again and again, copy k's
    identifiers suffixed `-ONEk`, under one root. Returns the activities written."""
    activities, copy = 0, 0
    with target.open("wb") as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n')
        while out.tell() < megabytes * 2**20:
            copy += 1
            for source in real_files(source_folder):
                for _event, element in etree.iterparse(str(source), events=("end",), tag=ACTIVITY):
                    if element.getparent() is None or element.getparent().getparent() is not None:
                        continue
                    identifier = element.find("iati-identifier")
                    if identifier is not None and identifier.text:
                        identifier.text = identifier.text.strip() + f"-ONE{copy}"
                    # Serialised alone, an activity carries the namespace declarations its extensions use.
                    out.write(etree.tostring(element))
                    out.write(b"\n")
                    activities += 1
                    element.clear()
                    while element.getprevious() is not None:
                        del element.getparent()[0]
        out.write(b"</iati-activities>\n")
    return activities


def ensure_copies(source_folder: Path, folder: Path, copies: int) -> list[Path]:
    """Folders of copies 1 … copies-1 under `folder` (writing the missing ones), after `source_folder`:
    the paths to import for `copies`× data."""
    files = real_files(source_folder)
    paths = [source_folder]
    for copy in range(1, copies):
        copy_folder = folder / str(copy)
        done = copy_folder / ".complete"
        if not done.exists():
            for source in files:
                rewrite_file(source, copy_folder / source.relative_to(source_folder), f"-GEN{copy}")
            done.touch()
        paths.append(copy_folder)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scale", type=int, help="N: write copies 1 … N-1")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--source", type=Path, default=real_folder())
    args = parser.parse_args()
    for path in ensure_copies(args.source, args.folder, args.scale):
        print(path)


if __name__ == "__main__":
    main()
