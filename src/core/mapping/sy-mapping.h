/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-catalogue.h"
#include "sy-mapping-rule.h"

G_BEGIN_DECLS

#define SY_MAPPING_ERROR (sy_mapping_error_quark ())

typedef enum
{
  SY_MAPPING_ERROR_PARSE,        /* not JSON */
  SY_MAPPING_ERROR_INVALID,      /* JSON that breaks docs/architecture.md §5 */
  SY_MAPPING_ERROR_UNKNOWN_ENTITY,
  SY_MAPPING_ERROR_UNKNOWN_CONNECTION,
} SyMappingError;

GQuark sy_mapping_error_quark (void);
/* The 1-based line (and column) a SY_MAPPING_ERROR points at, or 0. The
 * message already reads "FILE:LINE: reason". */
guint  sy_mapping_error_get_line   (const GError *error);
guint  sy_mapping_error_get_column (const GError *error);

/* A problem found while applying a mapping to one record: the target field
 * (e.g. "orderNumber", "lines[2].quantity") and a sentence for the user.
 * blocking: the payload is wrong or incomplete (a required value missing,
 * a transform that failed, "each" on something else than a list, a type
 * the catalogue disagrees with), so a sync must not send it; a missing
 * optional field is not blocking. */
typedef struct
{
  char     *field;
  char     *message;
  gboolean  blocking;
} SyMappingProblem;

GType             sy_mapping_problem_get_type (void) G_GNUC_CONST;
SyMappingProblem *sy_mapping_problem_new      (const char             *field,
                                               const char             *message);
SyMappingProblem *sy_mapping_problem_new_full (const char             *field,
                                               const char             *message,
                                               gboolean                blocking);
SyMappingProblem *sy_mapping_problem_copy     (const SyMappingProblem *problem);
void              sy_mapping_problem_free     (SyMappingProblem       *problem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyMappingProblem, sy_mapping_problem_free)

/* What a mapping leaves out, against the catalogue and sample records. */
typedef struct
{
  GStrv required_unmapped;   /* target fields the catalogue requires, no rule */
  GStrv common_unmapped;     /* target fields usually needed (e.g. lines), no rule */
  GStrv source_unused;       /* source fields present in samples, read by no rule */
} SyMappingCoverage;

GType              sy_mapping_coverage_get_type (void) G_GNUC_CONST;
void               sy_mapping_coverage_free     (SyMappingCoverage *coverage);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyMappingCoverage, sy_mapping_coverage_free)

#define SY_TYPE_MAPPING (sy_mapping_get_type ())
G_DECLARE_FINAL_TYPE (SyMapping, sy_mapping, SY, MAPPING, GObject)

/* A field mapping (docs/architecture.md §5 and §6): a source (connection + entity), a
 * target, a match rule and a list of SyMappingRule. Properties: "name",
 * "source-connection", "source-entity", "target-connection",
 * "target-entity", "match-source", "match-target", "rules" (GListModel of
 * SyMappingRule; edit it through the functions below so "changed" fires).
 * Signal "changed" (no arguments): a property, a rule or a rule's child
 * changed, or a rule was inserted or removed; for "unsaved changes".
 *
 * Problems when applying: the source field is absent ("the source field
 * “x” is missing", also for rules that are not required), a required value
 * is missing or empty ("orderNumber is required but the source field “x”
 * is missing"), a transform failed, a template field is missing, "each"
 * met something that is not a list, or the value's type disagrees with
 * the catalogue's. A null or empty source value on an optional rule is
 * left out of the payload silently; a constant null is written. */
SyMapping   *sy_mapping_new                  (void);
/* Parses and validates a mapping file's bytes. filename is only used in
 * messages. Unknown members are refused (a typo must not pass silently). */
SyMapping   *sy_mapping_new_from_data        (const char        *data,
                                              gssize             length,
                                              const char        *filename,
                                              GError           **error);
/* Reads in a thread; the file is never modified. */
void         sy_mapping_load_async           (GFile             *file,
                                              GCancellable      *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer           user_data);
SyMapping   *sy_mapping_load_finish          (GAsyncResult      *result,
                                              GError           **error);
SyMapping   *sy_mapping_load_file            (const char        *path,
                                              GError           **error);
/* The mapping files (*.json, not hidden) of a folder such as the
 * configuration's mappings/, as full paths sorted by name; a folder that
 * does not exist has none. What `serve` and the application automate. */
GPtrArray   *sy_mapping_list_files           (const char        *dir,
                                              GError           **error);

/* Pretty-printed JSON in the §8 format, members in a stable order. */
char        *sy_mapping_to_data              (SyMapping         *self,
                                              gsize             *length);
/* Atomic replace; writes in a thread. */
void         sy_mapping_save_async           (SyMapping         *self,
                                              GFile             *file,
                                              GCancellable      *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer           user_data);
gboolean     sy_mapping_save_finish          (SyMapping         *self,
                                              GAsyncResult      *result,
                                              GError           **error);
gboolean     sy_mapping_save_file            (SyMapping         *self,
                                              const char        *path,
                                              GError           **error);

const char  *sy_mapping_get_name             (SyMapping         *self);
void         sy_mapping_set_name             (SyMapping         *self,
                                              const char        *name);
const char  *sy_mapping_get_source_connection (SyMapping        *self);
const char  *sy_mapping_get_source_entity    (SyMapping         *self);
void         sy_mapping_set_source           (SyMapping         *self,
                                              const char        *connection,
                                              const char        *entity);
const char  *sy_mapping_get_target_connection (SyMapping        *self);
const char  *sy_mapping_get_target_entity    (SyMapping         *self);
void         sy_mapping_set_target           (SyMapping         *self,
                                              const char        *connection,
                                              const char        *entity);
const char  *sy_mapping_get_match_source     (SyMapping         *self);
const char  *sy_mapping_get_match_target     (SyMapping         *self);
void         sy_mapping_set_match            (SyMapping         *self,
                                              const char        *source_path,
                                              const char        *target_field);

GListModel  *sy_mapping_get_rules            (SyMapping         *self);
void         sy_mapping_insert_rule          (SyMapping         *self,
                                              guint              position,
                                              SyMappingRule     *rule);
void         sy_mapping_remove_rule          (SyMapping         *self,
                                              guint              position);

/* Checks against the catalogue: entities exist, target fields exist
 * (custom fields allowed when allow_custom), required rules have a way to
 * a value. Every problem is reported at once in the message. */
gboolean     sy_mapping_validate             (SyMapping         *self,
                                              SyCatalogue       *catalogue,
                                              GError           **error);

/* Applies the mapping to one source record: the target payload, and every
 * per-field problem (source path missing, transform failed, required value
 * empty, type mismatch against the catalogue when one is given) appended
 * to problems (of SyMappingProblem, may be NULL). Pure: no I/O, thread-safe
 * on a mapping nobody edits. */
JsonObject  *sy_mapping_apply                (SyMapping         *self,
                                              JsonObject        *record,
                                              SyCatalogue       *catalogue,
                                              GPtrArray         *problems);

/* Where a mapping read from a file said something, so that a caller
 * checking what the file cannot (a connection that does not exist) can
 * name the place: the filename given when loading (or NULL), and the
 * 1-based line of "source.connection", "source.entity",
 * "target.connection" or "target.entity" (0 when unknown, or once the
 * value was changed). */
const char  *sy_mapping_get_filename         (SyMapping         *self);
guint        sy_mapping_get_member_line      (SyMapping         *self,
                                              const char        *member);

/* The optional "automation" member: {"every_minutes": N (1..10080),
 * "at": ["HH:MM", ...] (local times), "on_changes": true|false}. A mapping
 * without it (or with it empty) runs only when asked. */
#define SY_MAPPING_EVERY_MINUTES_MAX 10080

gboolean     sy_mapping_has_automation       (SyMapping         *self);
/* 0 when the mapping does not run at an interval. */
guint        sy_mapping_get_every_minutes    (SyMapping         *self);
/* "HH:MM" local times, in the file's order; never NULL, may be empty. */
const char * const *sy_mapping_get_at_times  (SyMapping         *self);
/* Whether a verified webhook event for the source entity starts a run. */
gboolean     sy_mapping_get_on_changes       (SyMapping         *self);
/* every_minutes 0 for none, at_times NULL for none. SY_MAPPING_ERROR_INVALID
 * for a value a file could not hold; emits "changed". */
gboolean     sy_mapping_set_automation       (SyMapping         *self,
                                              guint              every_minutes,
                                              const char * const *at_times,
                                              gboolean           on_changes,
                                              GError           **error);
/* Parses "HH:MM" (two digits each, 00:00 to 23:59); hour and minute may be NULL. */
gboolean     sy_mapping_parse_time           (const char        *text,
                                              guint             *hour,
                                              guint             *minute);

SyMappingCoverage *sy_mapping_get_coverage   (SyMapping         *self,
                                              SyCatalogue       *catalogue,
                                              JsonArray         *samples);

G_END_DECLS
