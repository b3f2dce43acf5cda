#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fail when po/POTFILES.in and the sources with translatable strings differ.

A file with marked strings that is missing from POTFILES.in would silently
stay untranslated; a listed file that no longer exists breaks xgettext.
"""

import pathlib
import re
import sys

MARKERS = re.compile(
    r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|ngettext|g_dngettext)\s*\('
    r'|translatable="yes"'
)
# Desktop entries, AppStream metainfo and GSettings schemas are translated
# through their keys and elements, without any marker.
DATA_TRANSLATABLE = re.compile(
    r'^(?:Name|GenericName|Comment|Keywords)=|<summary>|<description>',
    re.M,
)


def strip_c_comments(text: str) -> str:
    # A marker inside a comment ("see _() below") does not need translating.
    return re.sub(r'/\*.*?\*/|//[^\n]*', '', text, flags=re.S)


def candidates(root: pathlib.Path):
    src = root / 'src'
    for pattern in ('**/*.c', '**/*.h', '**/*.ui'):
        yield from src.glob(pattern)
    yield from (root / 'data').glob('*.in')


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else '.').resolve()
    potfiles = root / 'po' / 'POTFILES.in'
    listed = set()
    for line in potfiles.read_text(encoding='utf-8').splitlines():
        line = line.strip()
        if line and not line.startswith('#'):
            listed.add(line)

    marked = set()
    for path in candidates(root):
        text = path.read_text(encoding='utf-8')
        if path.suffix in ('.c', '.h'):
            text = strip_c_comments(text)
        if MARKERS.search(text) or (path.parent.name == 'data'
                                    and DATA_TRANSLATABLE.search(text)):
            marked.add(path.relative_to(root).as_posix())

    missing = sorted(marked - listed)
    stale = sorted(name for name in listed if not (root / name).is_file())
    for name in missing:
        print(f'po/POTFILES.in lacks {name}, which has translatable strings')
    for name in stale:
        print(f'po/POTFILES.in lists {name}, which does not exist')
    if missing or stale:
        return 1
    print(f'po/POTFILES.in lists all {len(marked)} files with translatable strings')
    return 0


if __name__ == '__main__':
    sys.exit(main())
