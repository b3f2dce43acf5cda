/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-certificate-page-internal.h"

/* The certificate as GNOME's certificate viewer shows one: identity,
 * issuer, expiry countdown, details, fingerprint, and NetSuite's
 * objections to it. */

/* One attribute of an RFC 4514 DN ("CN=Acme\, Inc.,O=Acme"), unescaped. */
static char *
dn_get_attribute (const char *dn,
                  const char *name)
{
  gsize name_length = strlen (name);
  const char *p = dn;

  while (p != NULL && *p != '\0')
    {
      while (*p == ' ' || *p == ',' || *p == '+')
        p++;
      if (g_ascii_strncasecmp (p, name, name_length) == 0 && p[name_length] == '=')
        {
          GString *value = g_string_new (NULL);

          for (p += name_length + 1; *p != '\0' && *p != ',' && *p != '+'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (value, *p);
            }
          return g_string_free (value, FALSE);
        }
      /* Skip to the next unescaped separator. */
      for (; *p != '\0' && *p != ',' && *p != '+'; p++)
        if (*p == '\\' && p[1] != '\0')
          p++;
    }
  return NULL;
}

static char *
format_date (GDateTime *date_time)
{
  g_autoptr(GDateTime) local = NULL;

  if (date_time == NULL)
    return g_strdup (_("Unknown"));
  local = g_date_time_to_local (date_time);
  /* A month's name rather than the locale's all-digit date, which reads
   * differently in different countries. */
  return g_date_time_format (local, _("%-d %b %Y, %H:%M"));
}

/* ---------------------------------------------------------------------
 * Showing a certificate
 * ------------------------------------------------------------------ */

static void
clear_problems (SyCertificatePage *self)
{
  for (guint i = 0; i < self->problem_rows->len; i++)
    adw_preferences_group_remove (self->problems_group, g_ptr_array_index (self->problem_rows, i));
  g_ptr_array_set_size (self->problem_rows, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->problems_group), FALSE);
}

static void
add_problem (SyCertificatePage *self,
             const char        *text,
             const char        *style)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Problem"),
                                  -1);
  gtk_widget_add_css_class (icon, style);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  adw_preferences_group_add (self->problems_group, row);
  g_ptr_array_add (self->problem_rows, row);
  gtk_widget_set_visible (GTK_WIDGET (self->problems_group), TRUE);
}

static void
update_expiry (SyCertificatePage *self,
               GDateTime         *now)
{
  SyCertificate *certificate = self->certificate;
  GDateTime *not_before = sy_certificate_get_not_before (certificate);
  gint64 days = sy_certificate_get_days_left (certificate, now);
  g_autofree char *text = NULL;
  const char *style = NULL;

  if (not_before != NULL && g_date_time_compare (now, not_before) < 0)
    {
      g_autofree char *date = format_date (not_before);
      text = g_strdup_printf (_("Not valid before %s"), date);
      style = "error";
    }
  else if (days < 0)
    {
      text = g_strdup_printf (ngettext ("Expired %d day ago", "Expired %d days ago", (gulong) -days),
                              (int) -days);
      style = "error";
    }
  else if (days == 0)
    {
      text = g_strdup (_("Expires today"));
      style = "error";
    }
  else
    {
      text = g_strdup_printf (ngettext ("Expires in %d day", "Expires in %d days", (gulong) days),
                              (int) days);
      if (days <= SY_CERTIFICATE_WARNING_DAYS)
        style = "warning";
    }

  gtk_label_set_text (self->expiry_label, text);
  set_style (GTK_WIDGET (self->expiry_label), style);
  set_style (GTK_WIDGET (self->expiry_icon), style);
  gtk_image_set_from_icon_name (self->expiry_icon,
                                g_strcmp0 (style, "error") == 0 ? "dialog-error-symbolic" : "dialog-warning-symbolic");
  gtk_widget_set_visible (GTK_WIDGET (self->expiry_icon), style != NULL);
}

void
sy_certificate_page_show_certificate (SyCertificatePage *self)
{
  SyCertificate *certificate = self->certificate;
  const char *subject, *issuer;
  g_autofree char *common_name = NULL;
  g_autofree char *organisation = NULL;
  g_autofree char *issuer_name = NULL;
  g_autofree char *issuer_text = NULL;
  g_autofree char *not_before = NULL;
  g_autofree char *not_after = NULL;
  g_autofree char *key = NULL;
  g_auto(GStrv) problems = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  gint64 days;

  clear_problems (self);
  if (certificate == NULL)
    {
      const char *description;

      if (self->connection == NULL)
        description = _("Choose a connection to see its certificate.");
      else if (self->state == NULL)
        description = _("Certificates are kept in the state database, which could not be opened. Everything else keeps working.");
      else
        description = _("NetSuite’s machine-to-machine login needs a certificate. Generate a new key pair, or import a certificate you were given.");
      adw_status_page_set_description (self->empty_page, description);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  subject = sy_certificate_get_subject (certificate);
  issuer = sy_certificate_get_issuer (certificate);
  common_name = dn_get_attribute (subject, "CN");
  organisation = dn_get_attribute (subject, "O");
  issuer_name = dn_get_attribute (issuer, "CN");

  gtk_label_set_text (self->subject_label, common_name != NULL ? common_name : subject);
  gtk_label_set_text (self->organisation_label, organisation != NULL ? organisation : "");
  gtk_widget_set_visible (GTK_WIDGET (self->organisation_label), organisation != NULL);

  if (g_strcmp0 (subject, issuer) == 0)
    issuer_text = g_strdup (_("Self-signed"));
  else
    issuer_text = g_strdup_printf (_("Issued by %s"), issuer_name != NULL ? issuer_name : issuer);
  gtk_label_set_text (self->issuer_label, issuer_text);

  update_expiry (self, now);

  not_before = format_date (sy_certificate_get_not_before (certificate));
  not_after = format_date (sy_certificate_get_not_after (certificate));
  key = sy_certificate_describe_key (certificate);
  adw_action_row_set_subtitle (self->subject_row, subject);
  adw_action_row_set_subtitle (self->issuer_row, issuer);
  adw_action_row_set_subtitle (self->serial_row, sy_certificate_get_serial (certificate));
  adw_action_row_set_subtitle (self->not_before_row, not_before);
  adw_action_row_set_subtitle (self->not_after_row, not_after);
  adw_action_row_set_subtitle (self->key_row, key);
  adw_action_row_set_subtitle (self->signature_row, sy_certificate_get_signature_algorithm (certificate));
  adw_action_row_set_subtitle (self->fingerprint_row, sy_certificate_get_sha256_fingerprint (certificate));

  problems = sy_certificate_check_netsuite (certificate, now);
  for (guint i = 0; problems != NULL && problems[i] != NULL; i++)
    add_problem (self, problems[i], "error");
  adw_preferences_group_set_title (self->problems_group,
                                   problems != NULL && problems[0] != NULL
                                   ? _("NetSuite Will Refuse This Certificate")
                                   : _("Renew Soon"));

  /* Not a refusal yet, but logins stop on the day it runs out. */
  days = sy_certificate_get_days_left (certificate, now);
  if (days >= 0 && days <= SY_CERTIFICATE_WARNING_DAYS)
    {
      g_autofree char *warning =
        g_strdup_printf (ngettext ("The certificate expires in %d day: generate or import a new one and upload it to NetSuite before then.",
                                   "The certificate expires in %d days: generate or import a new one and upload it to NetSuite before then.",
                                   (gulong) days),
                         (int) days);
      add_problem (self, warning, "warning");
    }

  gtk_stack_set_visible_child_name (self->stack, "certificate");
}

/* ---------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------ */

void
sy_certificate_page_certificate_loaded_cb (GObject      *source,
                                           GAsyncResult *result,
                                           gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  SyCertificatePage *self = op->self;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  certificate = sy_state_store_load_certificate_finish (SY_STATE_STORE (source), result, &error);
  if (operation_is_stale (op))
    return;

  sy_certificate_page_set_flag (self, &self->loading, FALSE);
  gtk_spinner_set_spinning (self->loading_spinner, FALSE);
  sy_certificate_page_set_certificate (self, certificate);
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The saved certificate could not be read: %s"), error->message);

      set_error_text (self, text);
      adw_status_page_set_description (self->empty_page, text);
    }
}
