#!/usr/bin/env python
"""
Check the plugin's message catalogs (``mandatory_assignments/conf/locale``) without GNU gettext:

- every translated language (all but ``en``, the English source catalog) translates every message, none
  fuzzy, every plural form;
- a translation uses the placeholders of its message (``%(name)s`` and ``{name}``), so that formatting it
  cannot fail and nothing the English names goes missing;
- each ``django.mo`` holds exactly what its ``django.po`` says (it was compiled after the last change);
- the English and the translated catalogs list the same messages (they were extracted together).

Prints each problem and exits 1 when there is any; ``make translations`` extracts and compiles first.
"""

import argparse
import os
import re
import sys

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

HERE = os.path.dirname(os.path.abspath(__file__))
LOCALE_DIR = os.path.join(os.path.dirname(HERE), "mandatory_assignments", "conf", "locale")
SOURCE_LANGUAGE = "en"
DOMAINS = ("django", "djangojs")

# %(name)s-style (python-format) and {name}-style (python-brace-format) placeholders; "%%" and "{{" are not.
_PERCENT = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
_BRACE = re.compile(r"(?<!\{)\{(\w*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


def placeholders(text):
    """The named placeholders of ``text``: ``{"%(name)s", "{name}", ...}``."""
    return {f"%({name})" for name in _PERCENT.findall(text)} | {f"{{{name}}}" for name in _BRACE.findall(text)}


def _read_po(path):
    with open(path, "rb") as po_file:
        return read_po(po_file, abort_invalid=True)


def _forms(message):
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _ids(message):
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def _short(message):
    return repr(_ids(message)[0][:70])


def catalog_problems(po_path):
    """What is wrong with one translated catalog: missing, fuzzy, or placeholders that do not match."""
    catalog = _read_po(po_path)
    problems = []
    if catalog.fuzzy:
        problems.append(f"{po_path}: the header is marked fuzzy")
    for message in catalog:
        if not message.id:
            continue
        forms = _forms(message)
        if not all(forms):
            problems.append(f"{po_path}: not translated: {_short(message)}")
            continue
        if message.fuzzy:
            problems.append(f"{po_path}: fuzzy: {_short(message)}")
        ids = _ids(message)
        expected = set().union(*(placeholders(text) for text in ids))
        for index, form in enumerate(forms):
            found = placeholders(form)
            if found - expected:
                problems.append(
                    f"{po_path}: {_short(message)} translated with unknown placeholders {sorted(found - expected)}"
                )
            # A plural's singular form may leave the number out ("jede Woche"); every other form keeps all.
            may_omit = len(forms) > 1 and index < len(forms) - 1
            if not may_omit and expected - found:
                problems.append(f"{po_path}: {_short(message)} translated without {sorted(expected - found)}")
    return problems


def compiled_problems(po_path):
    """Whether the ``.mo`` beside ``po_path`` exists and holds the ``.po``'s translations."""
    mo_path = po_path[: -len(".po")] + ".mo"
    if not os.path.exists(mo_path):
        return [f"{mo_path}: missing (run make translations)"]
    with open(mo_path, "rb") as mo_file:
        compiled = {tuple(_ids(message)): tuple(_forms(message)) for message in read_mo(mo_file) if message.id}
    written = {
        tuple(_ids(message)): tuple(_forms(message))
        for message in _read_po(po_path)
        if message.id and not message.fuzzy and all(_forms(message))
    }
    if compiled != written:
        return [f"{mo_path}: differs from {os.path.basename(po_path)} (run make translations)"]
    return []


def _message_ids(po_path):
    return {message.id for message in _read_po(po_path) if message.id}


def problems(locale_dir=LOCALE_DIR):
    """Every problem of the catalogs under ``locale_dir``, as lines of text."""
    found = []
    languages = sorted(
        name for name in os.listdir(locale_dir) if os.path.isdir(os.path.join(locale_dir, name, "LC_MESSAGES"))
    )
    if SOURCE_LANGUAGE not in languages:
        found.append(f"{locale_dir}: no English source catalog ({SOURCE_LANGUAGE}/LC_MESSAGES)")
    for domain in DOMAINS:
        source = os.path.join(locale_dir, SOURCE_LANGUAGE, "LC_MESSAGES", f"{domain}.po")
        source_ids = _message_ids(source) if os.path.exists(source) else None
        if domain == "django" and source_ids is None:
            found.append(f"{source}: missing")
        for language in languages:
            po_path = os.path.join(locale_dir, language, "LC_MESSAGES", f"{domain}.po")
            if not os.path.exists(po_path):
                if source_ids:
                    found.append(f"{po_path}: missing")
                continue
            found.extend(compiled_problems(po_path))
            if language == SOURCE_LANGUAGE:
                continue
            found.extend(catalog_problems(po_path))
            if source_ids is not None and _message_ids(po_path) != source_ids:
                found.append(f"{po_path}: lists other messages than {SOURCE_LANGUAGE}/LC_MESSAGES/{domain}.po")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--locale-dir", default=LOCALE_DIR)
    args = parser.parse_args(argv)
    found = problems(args.locale_dir)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print(f"{len(found)} translation problem(s).", file=sys.stderr)
        return 1
    print(f"Translations complete ({os.path.relpath(args.locale_dir)}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
