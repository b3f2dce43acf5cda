/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-run-panel.h"

/* Placeholder until the run panel lands: shows nothing, runs nothing. */

struct _SyRunPanel
{
  AdwBin  parent_instance;
  GFile  *mapping_file;
};

G_DEFINE_FINAL_TYPE (SyRunPanel, sy_run_panel, ADW_TYPE_BIN)
G_DEFINE_ENUM_TYPE (SyRunPanelActivity, sy_run_panel_activity,
                    G_DEFINE_ENUM_VALUE (SY_RUN_PANEL_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (SY_RUN_PANEL_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (SY_RUN_PANEL_PAUSED, "paused"),
                    G_DEFINE_ENUM_VALUE (SY_RUN_PANEL_STOPPING, "stopping"))

enum { PROP_0, PROP_ACTIVITY, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
sy_run_panel_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_ACTIVITY:
      g_value_set_enum (value, SY_RUN_PANEL_IDLE);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_run_panel_finalize (GObject *object)
{
  g_clear_object (&SY_RUN_PANEL (object)->mapping_file);
  G_OBJECT_CLASS (sy_run_panel_parent_class)->finalize (object);
}

static void
sy_run_panel_class_init (SyRunPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = sy_run_panel_get_property;
  object_class->finalize = sy_run_panel_finalize;
  properties[PROP_ACTIVITY] = g_param_spec_enum ("activity", NULL, NULL, SY_TYPE_RUN_PANEL_ACTIVITY, SY_RUN_PANEL_IDLE,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_run_panel_init (SyRunPanel *self)
{
  adw_bin_set_child (ADW_BIN (self), adw_status_page_new ());
}

SyRunPanel *
sy_run_panel_new (SyApplication *application, GFile *mapping_file)
{
  SyRunPanel *self = g_object_new (SY_TYPE_RUN_PANEL, NULL);

  self->mapping_file = g_object_ref (mapping_file);
  return self;
}

GFile *
sy_run_panel_get_mapping_file (SyRunPanel *self)
{
  return self->mapping_file;
}

void
sy_run_panel_reveal_run (SyRunPanel *self, gint64 run_id)
{
}
