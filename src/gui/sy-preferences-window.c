/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-connection.h"
#include "sy-preferences-window-private.h"

struct _SyPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  gboolean              showing_setting;

  GtkSpinButton        *batch_size_spin;
  GtkSpinButton        *delay_spin;
  GtkSpinButton        *concurrency_spin;
  GtkSpinButton        *max_rps_spin;
  GtkSpinButton        *timeout_spin;
  GtkSwitch            *notify_switch;
  GtkSwitch            *background_switch;
  GtkWidget            *login_row;
  GtkSwitch            *login_switch;
  AdwEntryRow          *base_url_row;
  GtkButton            *base_url_reset_button;
  GtkLabel             *base_url_error_label;
};

G_DEFINE_FINAL_TYPE (SyPreferencesWindow, sy_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Spin buttons hold doubles; most of the keys are unsigned. */

static gboolean
number_from_setting (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  if (g_variant_is_of_type (variant, G_VARIANT_TYPE_UINT32))
    g_value_set_double (value, g_variant_get_uint32 (variant));
  else if (g_variant_is_of_type (variant, G_VARIANT_TYPE_DOUBLE))
    g_value_set_double (value, g_variant_get_double (variant));
  else
    return FALSE;
  return TRUE;
}

static GVariant *
number_to_setting (const GValue       *value,
                   const GVariantType *expected_type,
                   gpointer            user_data)
{
  double number = g_value_get_double (value);

  if (g_variant_type_equal (expected_type, G_VARIANT_TYPE_UINT32))
    return g_variant_new_uint32 (number > 0 ? (guint32) (number + 0.5) : 0);
  if (g_variant_type_equal (expected_type, G_VARIANT_TYPE_DOUBLE))
    return g_variant_new_double (number);
  return NULL;
}

static void
bind_number (SyPreferencesWindow *self,
             const char          *key,
             GtkSpinButton       *spin)
{
  g_settings_bind_with_mapping (self->settings, key,
                                gtk_spin_button_get_adjustment (spin), "value",
                                G_SETTINGS_BIND_DEFAULT,
                                number_from_setting, number_to_setting, NULL, NULL);
}

/* The default address: only a valid one is kept, so that new connections
 * never start from an address that would be refused. */

static void
show_base_url_error (SyPreferencesWindow *self,
                     const char          *message)
{
  if (message != NULL)
    {
      gtk_label_set_text (self->base_url_error_label, message);
      gtk_widget_add_css_class (GTK_WIDGET (self->base_url_row), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->base_url_row), "error");
    }
  gtk_widget_set_visible (GTK_WIDGET (self->base_url_error_label), message != NULL);
}

static void
base_url_changed_cb (SyPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->base_url_row));
  g_autofree char *stored = NULL;
  g_autoptr(GError) error = NULL;

  if (self->showing_setting || self->settings == NULL)
    return;

  if (!sy_connection_validate_base_url (text, &error))
    {
      show_base_url_error (self, error->message);
      return;
    }

  show_base_url_error (self, NULL);
  stored = g_settings_get_string (self->settings, "default-base-url");
  if (!g_str_equal (stored, text))
    g_settings_set_string (self->settings, "default-base-url", text);
}

static void
base_url_setting_changed_cb (SyPreferencesWindow *self)
{
  g_autofree char *url = g_settings_get_string (self->settings, "default-base-url");
  gboolean is_default;

  if (!g_str_equal (url, gtk_editable_get_text (GTK_EDITABLE (self->base_url_row))))
    {
      self->showing_setting = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->base_url_row), url);
      self->showing_setting = FALSE;
      show_base_url_error (self, NULL);
    }

  is_default = g_str_equal (url, SY_DEFAULT_BASE_URL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->base_url_reset_button), !is_default);
}

static void
base_url_reset_cb (SyPreferencesWindow *self)
{
  g_settings_reset (self->settings, "default-base-url");
  /* Even when the key held the default already, a typed invalid address
   * goes away. */
  base_url_setting_changed_cb (self);
  show_base_url_error (self, NULL);
}

/* GObject */

static void
sy_preferences_window_constructed (GObject *object)
{
  SyPreferencesWindow *self = SY_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (sy_preferences_window_parent_class)->constructed (object);

  g_return_if_fail (self->settings != NULL);

  bind_number (self, "sync-batch-size", self->batch_size_spin);
  bind_number (self, "sync-delay-ms", self->delay_spin);
  bind_number (self, "sync-concurrency", self->concurrency_spin);
  bind_number (self, "sync-max-rps", self->max_rps_spin);
  bind_number (self, "request-timeout", self->timeout_spin);
  g_settings_bind (self->settings, "notify-on-finish", self->notify_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "run-in-background", self->background_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "start-at-login", self->login_switch, "active", G_SETTINGS_BIND_DEFAULT);
  /* Starting at login means starting in the background. */
  g_settings_bind (self->settings, "run-in-background", self->login_row, "sensitive", G_SETTINGS_BIND_GET);

  g_signal_connect_object (self->settings, "changed::default-base-url",
                           G_CALLBACK (base_url_setting_changed_cb), self, G_CONNECT_SWAPPED);
  base_url_setting_changed_cb (self);
}

static void
sy_preferences_window_dispose (GObject *object)
{
  SyPreferencesWindow *self = SY_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sy_preferences_window_parent_class)->dispose (object);
}

static void
sy_preferences_window_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  SyPreferencesWindow *self = SY_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  SyPreferencesWindow *self = SY_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_preferences_window_class_init (SyPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = sy_preferences_window_constructed;
  object_class->dispose = sy_preferences_window_dispose;
  object_class->get_property = sy_preferences_window_get_property;
  object_class->set_property = sy_preferences_window_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SyPreferencesWindow, batch_size_spin);
  gtk_widget_class_bind_template_child (widget_class, SyPreferencesWindow, delay_spin);
  gtk_widget_class_bind_template_child (widget_class, SyPreferencesWindow, concurrency_spin);
  gtk_widget_class_bind_template_child (widget_class, SyPreferencesWindow, max_rps_spin);
  gtk_widget_class_bind_template_child (widget_class, SyPreferencesWindow, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, SyPreferencesWindow, notify_switch);
  gtk_widget_class_bind_template_child (widget_class, SyPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, SyPreferencesWindow, login_row);
  gtk_widget_class_bind_template_child (widget_class, SyPreferencesWindow, login_switch);
  gtk_widget_class_bind_template_child (widget_class, SyPreferencesWindow, base_url_row);
  gtk_widget_class_bind_template_child (widget_class, SyPreferencesWindow, base_url_reset_button);
  gtk_widget_class_bind_template_child (widget_class, SyPreferencesWindow, base_url_error_label);
  gtk_widget_class_bind_template_callback (widget_class, base_url_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, base_url_reset_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sy_preferences_window_init (SyPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

SyPreferencesWindow *
sy_preferences_window_new (GtkWindow *parent,
                           GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (SY_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "settings", settings,
                       NULL);
}

GtkWidget *
sy_preferences_window_get_control (SyPreferencesWindow *self,
                                   const char          *key)
{
  const struct {
    const char *key;
    gpointer    widget;
  } controls[] = {
    { "sync-batch-size", self->batch_size_spin },
    { "sync-delay-ms", self->delay_spin },
    { "sync-concurrency", self->concurrency_spin },
    { "sync-max-rps", self->max_rps_spin },
    { "request-timeout", self->timeout_spin },
    { "notify-on-finish", self->notify_switch },
    { "run-in-background", self->background_switch },
    { "start-at-login", self->login_switch },
    { "default-base-url", self->base_url_row },
  };

  g_return_val_if_fail (SY_IS_PREFERENCES_WINDOW (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (controls); i++)
    if (g_str_equal (controls[i].key, key))
      return controls[i].widget;
  return NULL;
}

const char *
sy_preferences_window_get_base_url_error (SyPreferencesWindow *self)
{
  g_return_val_if_fail (SY_IS_PREFERENCES_WINDOW (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->base_url_error_label)))
    return NULL;
  return gtk_label_get_text (self->base_url_error_label);
}
