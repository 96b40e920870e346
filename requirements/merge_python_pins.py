"""
Merge two pip-compile outputs of the same ``.in`` file — one made on Python 3.12, one on 3.11 — into
one requirements file that installs on both.

Why: several Open edX packages dropped Python 3.11 in their newest releases (openedx-events 11,
code-annotations 3, ...), while this plugin supports 3.11 and 3.12. A pin that both resolutions
agree on is written as it is; a pin on which they differ is written twice with an environment
marker, so that each Python gets exactly the set that pip-compile resolved for it.

Usage: python merge_python_pins.py PY312_FILE PY311_FILE OUTPUT_FILE
       python merge_python_pins.py --split MERGED_FILE PY312_FILE PY311_FILE
(--split undoes a merge, so that pip-compile can start from the current pins of each Python.)
"""

import re
import sys

PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)\s*$")
NEW = '; python_version >= "3.12"'
OLD = '; python_version < "3.12"'


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def split_blocks(text):
    """Return (header lines, [(name, pin line, comment lines, section)])."""
    header, blocks, section = [], [], "main"
    current = None
    for line in text.splitlines():
        match = PIN.match(line)
        if match:
            current = [normalize(match["name"]), line, [], section]
            blocks.append(current)
        elif current is None:
            header.append(line)
        elif line.startswith("# The following packages are considered to be unsafe"):
            section = "unsafe"
            current = None
        else:
            current[2].append(line)
    return header, blocks


def merge(new_text, old_text):
    header, new_blocks = split_blocks(new_text)
    _, old_blocks = split_blocks(old_text)
    old_by_name = {block[0]: block for block in old_blocks}
    new_names = {block[0] for block in new_blocks}

    header = [
        line.replace("with Python 3.12", "with Python 3.12 and 3.11 (merged by requirements/merge_python_pins.py)")
        for line in header
    ]
    out = {"main": [], "unsafe": []}
    for name, line, comments, section in new_blocks:
        old = old_by_name.get(name)
        if old is not None and old[1] == line:
            out[section].append((name, [line, *comments]))
            continue
        lines = [f"{line} {NEW}"]
        if old is not None:
            lines.append(f"{old[1]} {OLD}")
        out[section].append((name, [*lines, *comments]))
    for name, line, comments, section in old_blocks:
        if name not in new_names:
            out[section].append((name, [f"{line} {OLD}", *comments]))

    result = list(header)
    for section in ("main", "unsafe"):
        if section == "unsafe" and out["unsafe"]:
            result += ["", "# The following packages are considered to be unsafe in a requirements file:"]
        for _, lines in sorted(out[section], key=lambda item: item[0]):
            while lines and not lines[-1].strip():
                lines = lines[:-1]
            result += lines
    return "\n".join(result).rstrip("\n") + "\n"


def split(merged_text, keep, drop):
    """The pins of one Python: lines with its marker lose the marker, the other Python's lines go."""
    lines = []
    for line in merged_text.splitlines():
        if line.endswith(drop):
            continue
        lines.append(line[: -len(keep)].rstrip() if line.endswith(keep) else line)
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) == 5 and argv[1] == "--split":
        with open(argv[2], encoding="utf-8") as merged_file:
            merged = merged_file.read()
        for path, keep, drop in ((argv[3], NEW, OLD), (argv[4], OLD, NEW)):
            with open(path, "w", encoding="utf-8") as out_file:
                out_file.write(split(merged, keep, drop))
        return
    if len(argv) != 4:
        sys.exit(__doc__)
    with open(argv[1], encoding="utf-8") as new_file, open(argv[2], encoding="utf-8") as old_file:
        merged = merge(new_file.read(), old_file.read())
    with open(argv[3], "w", encoding="utf-8") as out_file:
        out_file.write(merged)


if __name__ == "__main__":
    main(sys.argv)
