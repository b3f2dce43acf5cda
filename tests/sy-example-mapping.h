/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* docs/architecture.md §5's example mapping file, byte for byte: one element a line,
 * so that tests can name the line of each part. */
extern const char sy_example_mapping[];

G_END_DECLS
