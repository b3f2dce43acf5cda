/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* docs/architecture.md §5's example mapping file, byte for byte: one element a line,
 * so that tests can name the line of each part. */
extern const char sy_example_mapping[];

/* The example plus a rule that copies the shipment addressee, the field
 * switchyard-sandbox's /__sandbox/touch changes: a touched order then
 * maps to a new payload and is written again. */
char *sy_example_mapping_with_addressee (void);

G_END_DECLS
