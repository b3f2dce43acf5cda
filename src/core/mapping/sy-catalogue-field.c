/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-catalogue-field.h"

struct _SyCatalogueField
{
  GObject   parent_instance;

  char     *path;
  char     *type;
  char     *description;
  gboolean  writable;
  gboolean  required;
  gboolean  custom;
};

G_DEFINE_FINAL_TYPE (SyCatalogueField, sy_catalogue_field, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PATH,
  PROP_TYPE,
  PROP_DESCRIPTION,
  PROP_WRITABLE,
  PROP_REQUIRED,
  PROP_CUSTOM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sy_catalogue_field_finalize (GObject *object)
{
  SyCatalogueField *self = (SyCatalogueField *)object;

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->type, g_free);
  g_clear_pointer (&self->description, g_free);

  G_OBJECT_CLASS (sy_catalogue_field_parent_class)->finalize (object);
}

static void
sy_catalogue_field_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SyCatalogueField *self = SY_CATALOGUE_FIELD (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_TYPE:
      g_value_set_string (value, self->type);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_WRITABLE:
      g_value_set_boolean (value, self->writable);
      break;
    case PROP_REQUIRED:
      g_value_set_boolean (value, self->required);
      break;
    case PROP_CUSTOM:
      g_value_set_boolean (value, self->custom);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_catalogue_field_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SyCatalogueField *self = SY_CATALOGUE_FIELD (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_free (self->path);
      self->path = g_value_dup_string (value);
      break;
    case PROP_TYPE:
      g_free (self->type);
      self->type = g_value_dup_string (value);
      break;
    case PROP_DESCRIPTION:
      g_free (self->description);
      self->description = g_value_dup_string (value);
      break;
    case PROP_WRITABLE:
      self->writable = g_value_get_boolean (value);
      break;
    case PROP_REQUIRED:
      self->required = g_value_get_boolean (value);
      break;
    case PROP_CUSTOM:
      self->custom = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_catalogue_field_class_init (SyCatalogueFieldClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_catalogue_field_finalize;
  object_class->get_property = sy_catalogue_field_get_property;
  object_class->set_property = sy_catalogue_field_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TYPE] =
    g_param_spec_string ("type", NULL, NULL, "unknown",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WRITABLE] =
    g_param_spec_boolean ("writable", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REQUIRED] =
    g_param_spec_boolean ("required", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CUSTOM] =
    g_param_spec_boolean ("custom", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_catalogue_field_init (SyCatalogueField *self)
{
}

SyCatalogueField *
sy_catalogue_field_new (const char *path,
                        const char *type,
                        const char *description,
                        gboolean    writable,
                        gboolean    required,
                        gboolean    custom)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (SY_TYPE_CATALOGUE_FIELD,
                       "path", path,
                       "type", type ? type : "unknown",
                       "description", description,
                       "writable", writable,
                       "required", required,
                       "custom", custom,
                       NULL);
}

const char *
sy_catalogue_field_get_path (SyCatalogueField *self)
{
  g_return_val_if_fail (SY_IS_CATALOGUE_FIELD (self), NULL);

  return self->path;
}

const char *
sy_catalogue_field_get_field_type (SyCatalogueField *self)
{
  g_return_val_if_fail (SY_IS_CATALOGUE_FIELD (self), NULL);

  return self->type;
}

const char *
sy_catalogue_field_get_description (SyCatalogueField *self)
{
  g_return_val_if_fail (SY_IS_CATALOGUE_FIELD (self), NULL);

  return self->description;
}

gboolean
sy_catalogue_field_get_writable (SyCatalogueField *self)
{
  g_return_val_if_fail (SY_IS_CATALOGUE_FIELD (self), FALSE);

  return self->writable;
}

gboolean
sy_catalogue_field_get_required (SyCatalogueField *self)
{
  g_return_val_if_fail (SY_IS_CATALOGUE_FIELD (self), FALSE);

  return self->required;
}

gboolean
sy_catalogue_field_get_custom (SyCatalogueField *self)
{
  g_return_val_if_fail (SY_IS_CATALOGUE_FIELD (self), FALSE);

  return self->custom;
}
