#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fail when a translation in po/LINGUAS is broken, fuzzy or incomplete.

msgfmt --check catches broken placeholders and mnemonics; its statistics
catch fuzzy and untranslated messages. With --against-sources the catalogue
is first merged with a template made from the current sources, so a string
added to the code without a translation fails here rather than showing up
in English in a German window.
"""

import argparse
import pathlib
import re
import subprocess
import sys
import tempfile

# The keywords of meson's i18n "glib" preset, plus gettext's own defaults.
XGETTEXT_KEYWORDS = [
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3',
    '--keyword=g_dpgettext2:2c,3',
]


def statistics(po: pathlib.Path) -> tuple[int, int, int, str]:
    result = subprocess.run(
        ['msgfmt', '--check', '--statistics', '-o', '/dev/null', str(po)],
        capture_output=True, text=True, env={'LC_ALL': 'C'})
    report = result.stderr.strip()
    if result.returncode != 0:
        return -1, 0, 0, report

    def count(pattern: str) -> int:
        match = re.search(r'(\d+) ' + pattern, report)
        return int(match.group(1)) if match else 0

    return (count('translated message'), count('fuzzy translation'),
            count('untranslated message'), report)


def untranslated_ids(po: pathlib.Path) -> list[str]:
    result = subprocess.run(
        ['msgattrib', '--untranslated', '--no-obsolete', '--no-wrap', str(po)],
        capture_output=True, text=True, check=True)
    return re.findall(r'^msgid "(.+)"$', result.stdout, flags=re.M)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('srcdir', type=pathlib.Path)
    parser.add_argument('--against-sources', action='store_true')
    args = parser.parse_args()
    root = args.srcdir.resolve()
    podir = root / 'po'

    languages = [line.strip() for line in
                 (podir / 'LINGUAS').read_text(encoding='utf-8').splitlines()
                 if line.strip() and not line.startswith('#')]
    if not languages:
        print('po/LINGUAS lists no translation')
        return 1

    failed = False
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        if args.against_sources:
            template = scratch / 'template.pot'
            subprocess.run(
                ['xgettext', '--from-code=UTF-8', '--add-comments',
                 *XGETTEXT_KEYWORDS, '--directory', str(root),
                 '--files-from', str(podir / 'POTFILES.in'),
                 '--output', str(template)],
                check=True, stderr=subprocess.DEVNULL)

        for language in languages:
            po = podir / f'{language}.po'
            if args.against_sources:
                merged = scratch / f'{language}.po'
                subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching',
                                '--output-file', str(merged), str(po),
                                str(template)], check=True)
                po = merged
            translated, fuzzy, untranslated, report = statistics(po)
            if translated < 0:
                print(f'{language}.po does not compile:\n{report}')
                failed = True
            elif fuzzy or untranslated or translated == 0:
                print(f'{language}.po is incomplete: {report}')
                for msgid in untranslated_ids(po)[:20]:
                    print(f'  untranslated: {msgid}')
                failed = True
            else:
                print(f'{language}.po: {report}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
