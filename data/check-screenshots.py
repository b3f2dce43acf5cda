#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every screenshot the metainfo points at is a PNG kept in data/screenshots/
(the URLs name that folder in the repository). They are taken by
tests/gui/test-screenshots; copy the chosen ones here."""
import os
import sys
import xml.etree.ElementTree as ET

PREFIX = "https://raw.githubusercontent.com/switchyard/switchyard/main/data/screenshots/"

metainfo, folder = sys.argv[1:]
images = [image.text.strip() for image in ET.parse(metainfo).iter("image")]
if not images:
    sys.exit(f"{metainfo}: no screenshots")
for url in images:
    if not url.startswith(PREFIX):
        sys.exit(f"{url}: not under {PREFIX}")
    path = os.path.join(folder, url[len(PREFIX):])
    try:
        with open(path, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                sys.exit(f"{path}: not a PNG")
    except OSError as e:
        sys.exit(f"{url}: {e}")
print(f"{len(images)} screenshots, all in {folder}")
