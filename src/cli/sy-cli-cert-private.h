/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "sy-certificate.h"
#include "sy-cli-cert.h"

G_BEGIN_DECLS

/* What the files of the `cert` group share. */

/* sy-cli-cert.c */
SyCertificate *sy_cli_cert_load_certificate_file (const char          *path,
                                                  GError             **error);
/* Says so and returns TRUE when path exists and force is not set. */
gboolean       sy_cli_cert_refuse_existing_file  (const char          *path,
                                                  gboolean             force);

/* sy-cli-cert-show.c */
JsonObject    *sy_cli_cert_to_json               (SyCertificate       *certificate,
                                                  GDateTime           *now,
                                                  const char * const  *problems);
void           sy_cli_cert_print_json_object     (JsonObject          *object);
void           sy_cli_cert_print_certificate     (SyCertificate       *certificate,
                                                  GDateTime           *now,
                                                  const char * const  *problems);
void           sy_cli_cert_warn_about_problems   (const char * const  *problems);

int            sy_cli_cert_show                  (SyCliContext        *context,
                                                  char              ***args);
int            sy_cli_cert_export_key            (SyCliContext        *context,
                                                  char              ***args);

G_END_DECLS
