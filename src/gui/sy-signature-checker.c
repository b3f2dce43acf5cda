/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-signature-checker-private.h"

struct _SySignatureChecker
{
  AdwWindow           parent_instance;

  GtkWidget          *verdict_box;
  GtkImage           *verdict_icon;
  GtkLabel           *verdict_title;
  GtkLabel           *verdict_reason;
  AdwComboRow        *scheme_row;
  AdwEntryRow        *signature_row;
  AdwPasswordEntryRow *secret_row;
  GtkTextView        *body_view;
  GtkTextTag         *raw_tag;
  gboolean            tagging;

  SySignatureVerdict  verdict;
  /* Bumped by every change, so that only the latest check is shown. */
  guint               generation;
  guint               checks_running;
  GCancellable       *cancellable;
};

G_DEFINE_FINAL_TYPE (SySignatureChecker, sy_signature_checker, ADW_TYPE_WINDOW)

/* --- the check, in a worker thread ------------------------------------ */

/* Verifying a body of up to 1 MiB (and, for Apideck, parsing it) takes
 * long enough to stutter typing: it runs off the main thread. */

typedef struct
{
  SyWebhookScheme  scheme;
  GBytes          *body;
  char            *signature;
  char            *secret;
  guint            generation;
} CheckData;

typedef struct
{
  GError   *error;        /* NULL: it matches */
  gboolean  matches_without_final_newline;
} CheckOutcome;

static void
check_data_free (CheckData *data)
{
  g_bytes_unref (data->body);
  g_free (data->signature);
  if (data->secret != NULL)
    {
      explicit_bzero (data->secret, strlen (data->secret));
      g_free (data->secret);
    }
  g_free (data);
}

static void
check_outcome_free (CheckOutcome *outcome)
{
  g_clear_error (&outcome->error);
  g_free (outcome);
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CheckData *data = task_data;
  CheckOutcome *outcome = g_new0 (CheckOutcome, 1);
  gsize size;
  const char *bytes = g_bytes_get_data (data->body, &size);

  sy_webhook_verify (data->scheme, data->secret, data->body, data->signature,
                     NULL, 0, 0, &outcome->error);

  /* A pasted body often gains a line break at its end, which the sender
   * did not sign: worth saying so, as it is invisible. */
  if (g_error_matches (outcome->error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MISMATCH) &&
      size > 0 && bytes[size - 1] == '\n')
    {
      gsize trimmed = size - 1;
      g_autoptr(GBytes) shorter = NULL;

      if (trimmed > 0 && bytes[trimmed - 1] == '\r')
        trimmed--;
      shorter = g_bytes_new_from_bytes (data->body, 0, trimmed);
      outcome->matches_without_final_newline =
        sy_webhook_verify (data->scheme, data->secret, shorter, data->signature, NULL, 0, 0, NULL);
    }

  g_task_return_pointer (task, outcome, (GDestroyNotify) check_outcome_free);
}

/* --- showing the verdict ------------------------------------------------ */

static void
show_verdict (SySignatureChecker *self,
              SySignatureVerdict  verdict,
              const char         *title,
              const char         *reason)
{
  const char *icon = "dialog-information-symbolic";
  const char *style = NULL;

  self->verdict = verdict;
  switch (verdict)
    {
    case SY_SIGNATURE_VERDICT_MATCHES:
      icon = "emblem-ok-symbolic";
      style = "success";
      break;
    case SY_SIGNATURE_VERDICT_DOES_NOT_MATCH:
    case SY_SIGNATURE_VERDICT_TOO_LARGE:
      icon = "dialog-error-symbolic";
      style = "error";
      break;
    case SY_SIGNATURE_VERDICT_INCOMPLETE:
    default:
      break;
    }

  gtk_image_set_from_icon_name (self->verdict_icon, icon);
  for (guint i = 0; i < 2; i++)
    {
      GtkWidget *coloured = i == 0 ? GTK_WIDGET (self->verdict_icon) : GTK_WIDGET (self->verdict_title);

      gtk_widget_remove_css_class (coloured, "success");
      gtk_widget_remove_css_class (coloured, "error");
      if (style != NULL)
        gtk_widget_add_css_class (coloured, style);
    }
  gtk_label_set_text (self->verdict_title, title);
  gtk_label_set_text (self->verdict_reason, reason);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->verdict_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, reason,
                                  -1);
}

static void
check_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  SySignatureChecker *self = SY_SIGNATURE_CHECKER (source);
  CheckData *data = g_task_get_task_data (G_TASK (result));
  CheckOutcome *outcome = g_task_propagate_pointer (G_TASK (result), NULL);

  self->checks_running--;
  if (outcome == NULL || data->generation != self->generation)
    {
      g_clear_pointer (&outcome, check_outcome_free);
      return;
    }

  if (outcome->error == NULL)
    show_verdict (self, SY_SIGNATURE_VERDICT_MATCHES, _("Signature matches"),
                  _("The signature is the body’s HMAC-SHA256 with this secret."));
  else if (g_error_matches (outcome->error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_TOO_LARGE))
    show_verdict (self, SY_SIGNATURE_VERDICT_TOO_LARGE, _("Body too large"), outcome->error->message);
  else if (outcome->matches_without_final_newline)
    {
      g_autofree char *reason =
        g_strdup_printf (_("%s. It would match without the line break at the end of the body: check that the body was pasted exactly."),
                         outcome->error->message);

      show_verdict (self, SY_SIGNATURE_VERDICT_DOES_NOT_MATCH, _("Signature does not match"), reason);
    }
  else
    show_verdict (self, SY_SIGNATURE_VERDICT_DOES_NOT_MATCH, _("Signature does not match"),
                  outcome->error->message);

  check_outcome_free (outcome);
}

static char *
body_text (SySignatureChecker *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  /* A hyphen drawn where a long line wraps would look like part of the
   * body, whose every byte counts. */
  self->tagging = TRUE;
  gtk_text_buffer_apply_tag (buffer, self->raw_tag, &start, &end);
  self->tagging = FALSE;
  return gtk_text_buffer_get_text (buffer, &start, &end, TRUE);
}

static void
inputs_changed_cb (SySignatureChecker *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) missing = NULL;
  g_autofree char *body = NULL;
  g_autofree char *signature = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->signature_row))));
  const char *secret = gtk_editable_get_text (GTK_EDITABLE (self->secret_row));
  guint selected = adw_combo_row_get_selected (self->scheme_row);
  gsize body_length;
  CheckData *data;

  if (self->tagging)
    return;
  self->generation++;
  missing = g_ptr_array_new ();
  body = body_text (self);

  if (*body == '\0')
    g_ptr_array_add (missing, _("Paste the delivery’s body."));
  if (*signature == '\0')
    g_ptr_array_add (missing, _("Paste the value of the delivery’s signature header."));
  if (*secret == '\0')
    g_ptr_array_add (missing, _("Enter the webhook secret the sender signs with."));
  if (selected > SY_WEBHOOK_SCHEME_LAST)
    g_ptr_array_add (missing, _("Pick the sender’s signature scheme."));
  if (missing->len > 0)
    {
      g_autofree char *reason = NULL;

      g_ptr_array_add (missing, NULL);
      reason = g_strjoinv ("\n", (char **) missing->pdata);
      show_verdict (self, SY_SIGNATURE_VERDICT_INCOMPLETE, _("Not checked yet"), reason);
      return;
    }

  data = g_new0 (CheckData, 1);
  data->scheme = (SyWebhookScheme) selected;
  body_length = strlen (body);
  data->body = g_bytes_new_take (g_steal_pointer (&body), body_length);
  data->signature = g_steal_pointer (&signature);
  data->secret = g_strdup (secret);
  data->generation = self->generation;

  task = g_task_new (self, self->cancellable, check_done, NULL);
  g_task_set_source_tag (task, inputs_changed_cb);
  g_task_set_task_data (task, data, (GDestroyNotify) check_data_free);
  self->checks_running++;
  g_task_run_in_thread (task, check_thread);
}

/* --- GObject ------------------------------------------------------------ */

static void
sy_signature_checker_dispose (GObject *object)
{
  SySignatureChecker *self = SY_SIGNATURE_CHECKER (object);

  g_cancellable_cancel (self->cancellable);
  /* The secret leaves with the window. */
  if (self->secret_row != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->secret_row), "");
  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_SIGNATURE_CHECKER);

  G_OBJECT_CLASS (sy_signature_checker_parent_class)->dispose (object);
}

static void
sy_signature_checker_finalize (GObject *object)
{
  SySignatureChecker *self = SY_SIGNATURE_CHECKER (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (sy_signature_checker_parent_class)->finalize (object);
}

static void
sy_signature_checker_class_init (SySignatureCheckerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_signature_checker_dispose;
  object_class->finalize = sy_signature_checker_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-signature-checker.ui");
  gtk_widget_class_bind_template_child (widget_class, SySignatureChecker, verdict_box);
  gtk_widget_class_bind_template_child (widget_class, SySignatureChecker, verdict_icon);
  gtk_widget_class_bind_template_child (widget_class, SySignatureChecker, verdict_title);
  gtk_widget_class_bind_template_child (widget_class, SySignatureChecker, verdict_reason);
  gtk_widget_class_bind_template_child (widget_class, SySignatureChecker, scheme_row);
  gtk_widget_class_bind_template_child (widget_class, SySignatureChecker, signature_row);
  gtk_widget_class_bind_template_child (widget_class, SySignatureChecker, secret_row);
  gtk_widget_class_bind_template_child (widget_class, SySignatureChecker, body_view);
  gtk_widget_class_bind_template_callback (widget_class, inputs_changed_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sy_signature_checker_init (SySignatureChecker *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  self->raw_tag = gtk_text_buffer_create_tag (gtk_text_view_get_buffer (self->body_view), NULL,
                                              "insert-hyphens", FALSE, NULL);
  g_signal_connect_object (gtk_text_view_get_buffer (self->body_view), "changed",
                           G_CALLBACK (inputs_changed_cb), self, G_CONNECT_SWAPPED);
  inputs_changed_cb (self);
}

SySignatureChecker *
sy_signature_checker_new (GtkWindow *parent)
{
  return g_object_new (SY_TYPE_SIGNATURE_CHECKER,
                       "transient-for", parent,
                       NULL);
}

/* --- for the tests ------------------------------------------------------ */

SySignatureVerdict
sy_signature_checker_get_verdict (SySignatureChecker *self)
{
  g_return_val_if_fail (SY_IS_SIGNATURE_CHECKER (self), SY_SIGNATURE_VERDICT_INCOMPLETE);

  return self->verdict;
}

const char *
sy_signature_checker_get_title (SySignatureChecker *self)
{
  g_return_val_if_fail (SY_IS_SIGNATURE_CHECKER (self), NULL);

  return gtk_label_get_text (self->verdict_title);
}

const char *
sy_signature_checker_get_reason (SySignatureChecker *self)
{
  g_return_val_if_fail (SY_IS_SIGNATURE_CHECKER (self), NULL);

  return gtk_label_get_text (self->verdict_reason);
}

gboolean
sy_signature_checker_is_checking (SySignatureChecker *self)
{
  g_return_val_if_fail (SY_IS_SIGNATURE_CHECKER (self), FALSE);

  return self->checks_running > 0;
}

void
sy_signature_checker_set_inputs (SySignatureChecker *self,
                                 SyWebhookScheme     scheme,
                                 const char         *body,
                                 const char         *signature,
                                 const char         *secret)
{
  g_return_if_fail (SY_IS_SIGNATURE_CHECKER (self));

  adw_combo_row_set_selected (self->scheme_row, scheme);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), body, -1);
  gtk_editable_set_text (GTK_EDITABLE (self->signature_row), signature);
  gtk_editable_set_text (GTK_EDITABLE (self->secret_row), secret);
}

GtkWidget *
sy_signature_checker_get_control (SySignatureChecker *self,
                                  const char         *name)
{
  g_return_val_if_fail (SY_IS_SIGNATURE_CHECKER (self), NULL);

  if (g_strcmp0 (name, "scheme") == 0)
    return GTK_WIDGET (self->scheme_row);
  if (g_strcmp0 (name, "signature") == 0)
    return GTK_WIDGET (self->signature_row);
  if (g_strcmp0 (name, "secret") == 0)
    return GTK_WIDGET (self->secret_row);
  if (g_strcmp0 (name, "body") == 0)
    return GTK_WIDGET (self->body_view);
  return NULL;
}
