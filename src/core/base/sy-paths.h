/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* $SWITCHYARD_CONFIG_DIR, or $XDG_CONFIG_HOME/switchyard. */
char *sy_paths_get_default_config_dir (void);
/* $SWITCHYARD_STATE_DIR, or $XDG_STATE_HOME/switchyard
 * ($HOME/.local/state/switchyard where XDG_STATE_HOME is unset). */
char *sy_paths_get_default_state_dir  (void);
/* The switchyard-sandbox executable: $SWITCHYARD_SANDBOX, a sibling of the
 * running program (build tree), then BINDIR, then $PATH. NULL if none. */
char *sy_paths_find_sandbox           (void);

G_END_DECLS
