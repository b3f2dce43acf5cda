/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "sy-application.h"
#include "sy-http-exchange.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SyApplication) app = NULL;
  const char *localedir;

  sy_http_exchange_configure_process ();
  setlocale (LC_ALL, "");
  /* The build tree keeps its catalogues outside LOCALEDIR; tests point
   * here so that a translation can be checked before it is installed. */
  localedir = g_getenv ("SWITCHYARD_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE,
                  localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Switchyard"));

  app = sy_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
