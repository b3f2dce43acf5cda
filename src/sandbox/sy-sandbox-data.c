/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-sandbox-data.h"

/* The seeded history starts here and spans a year, so that filters and
 * sorts on createdAt/updatedAt select something meaningful. */
#define HISTORY_START 1704067200  /* 2024-01-01T00:00:00Z */
#define HISTORY_SECONDS (365 * 24 * 3600)
#define MAX_EDIT_DELAY_SECONDS (45 * 24 * 3600)

struct _SySandboxData
{
  GObject parent_instance;

  GHashTable *entities;   /* name → SySandboxEntity */
  GStrv entity_names;
  guint invalid_source_records;
  gint64 last_touched_at;
  guint64 touch_revision;
};

G_DEFINE_FINAL_TYPE (SySandboxData, sy_sandbox_data, G_TYPE_OBJECT)

static const char * const company_first[] = {
  "Northwind", "Bluebell", "Harbour", "Copper", "Greenway", "Kestrel", "Maple", "Oakridge",
  "Pennine", "Riverside", "Saltmarsh", "Thistle", "Westfield", "Ashford", "Brookside", "Cedar",
};
static const char * const company_second[] = {
  "Trading", "Supplies", "Outfitters", "Home", "Garden", "Provisions", "Retail", "Goods",
  "Workshop", "Market", "Stores", "Collective",
};
static const char * const company_suffix[] = { "Ltd", "LLC", "GmbH", "& Co", "Inc" };
static const char * const product_adjective[] = {
  "Oak", "Walnut", "Linen", "Ceramic", "Copper", "Wool", "Bamboo", "Steel", "Glass", "Cotton",
  "Slate", "Leather",
};
static const char * const product_noun[] = {
  "Desk Lamp", "Mug", "Throw", "Planter", "Cutting Board", "Tote Bag", "Candle", "Shelf",
  "Notebook", "Vase", "Coaster Set", "Apron", "Bowl", "Clock",
};
static const char * const cities[] = {
  "London", "Leeds", "Bristol", "Glasgow", "Dublin", "Berlin", "Lyon", "Boston", "Denver",
};
static const char * const order_statuses[] = {
  "pending", "processing", "shipped", "delivered", "cancelled",
};

#define PICK(rand, array) ((array)[g_rand_int_range ((rand), 0, G_N_ELEMENTS (array))])

static char *
format_money (gint64 cents)
{
  /* Not printf's %f: the locale must not turn the point into a comma. */
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%02d", cents / 100, (int) (cents % 100));
}

static void
sy_sandbox_data_finalize (GObject *object)
{
  SySandboxData *self = SY_SANDBOX_DATA (object);

  g_hash_table_unref (self->entities);
  g_strfreev (self->entity_names);

  G_OBJECT_CLASS (sy_sandbox_data_parent_class)->finalize (object);
}

static void
sy_sandbox_data_class_init (SySandboxDataClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_sandbox_data_finalize;
}

static void
sy_sandbox_data_init (SySandboxData *self)
{
  self->entities = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
}

static SySandboxEntity *
add_entity (SySandboxData *self,
            const char    *name,
            const char    *key_prefix,
            gboolean       writable)
{
  SySandboxEntity *entity = sy_sandbox_entity_new (name, key_prefix, writable);

  g_hash_table_insert (self->entities, (gpointer) sy_sandbox_entity_get_name (entity), entity);
  return entity;
}

/* Creation times spread evenly over the history with some jitter, so that
 * creation order is key order; updates follow within a few weeks. */
static void
pick_times (GRand  *rand,
            guint   index,
            guint   count,
            gint64 *created_at,
            gint64 *updated_at)
{
  gint64 step = HISTORY_SECONDS / MAX (count, 1);

  *created_at = HISTORY_START + (gint64) index * step + g_rand_int_range (rand, 0, MAX (step / 2, 1));
  if (g_rand_int_range (rand, 0, 4) == 0)
    *updated_at = *created_at;
  else
    *updated_at = *created_at + g_rand_int_range (rand, 60, MAX_EDIT_DELAY_SECONDS);
}

static void
generate_customers (SySandboxData *self,
                    GRand         *rand,
                    guint          count)
{
  SySandboxEntity *wms = add_entity (self, "wms/customers", "02", FALSE);
  SySandboxEntity *erp = add_entity (self, "erp/customers", "02", TRUE);

  for (guint i = 0; i < count; i++)
    {
      g_autoptr(JsonObject) customer = json_object_new ();
      g_autofree char *code = g_strdup_printf ("CUST-%05u", i + 1);
      g_autofree char *name = g_strdup_printf ("%s %s %s", PICK (rand, company_first),
                                               PICK (rand, company_second),
                                               PICK (rand, company_suffix));
      g_autofree char *email = g_strdup_printf ("orders+%05u@%s.example", i + 1,
                                                PICK (rand, company_first));
      g_autofree char *lower_email = g_ascii_strdown (email, -1);
      g_autofree char *key = sy_sandbox_entity_make_key (wms);
      gint64 created_at, updated_at;

      pick_times (rand, i, count, &created_at, &updated_at);
      json_object_set_string_member (customer, "code", code);
      json_object_set_string_member (customer, "name", name);
      json_object_set_string_member (customer, "email", lower_email);
      json_object_set_string_member (customer, "billingAddress", PICK (rand, cities));

      /* The ERP holds the same customers under the same keys, so that a
       * mapping can copy customerKey unchanged. */
      sy_sandbox_entity_insert (wms, key, customer, created_at, updated_at);
      sy_sandbox_entity_insert (erp, key, customer, created_at, updated_at);
    }
}

static void
generate_products (SySandboxData *self,
                   GRand         *rand,
                   guint          count)
{
  SySandboxEntity *wms = add_entity (self, "wms/products", "03", FALSE);
  SySandboxEntity *erp = add_entity (self, "erp/products", "03", TRUE);
  SySandboxEntity *stocks = add_entity (self, "wms/stocks", "04", FALSE);

  for (guint i = 0; i < count; i++)
    {
      g_autoptr(JsonObject) product = json_object_new ();
      g_autoptr(JsonObject) stock = json_object_new ();
      g_autofree char *code = g_strdup_printf ("PRD-%05u", i + 1);
      g_autofree char *name = g_strdup_printf ("%s %s", PICK (rand, product_adjective),
                                               PICK (rand, product_noun));
      g_autofree char *sku = g_strdup_printf ("SKU-%06u", g_rand_int_range (rand, 0, 1000000));
      g_autofree char *price = format_money (g_rand_int_range (rand, 199, 25000));
      g_autofree char *key = sy_sandbox_entity_make_key (wms);
      g_autofree char *location = NULL;
      gint64 created_at, updated_at;
      gint64 stock_created_at, stock_updated_at;

      pick_times (rand, i, count, &created_at, &updated_at);
      json_object_set_string_member (product, "code", code);
      json_object_set_string_member (product, "name", name);
      json_object_set_string_member (product, "sku", sku);
      json_object_set_string_member (product, "price", price);
      json_object_set_string_member (product, "currencyKey", "GBP");
      json_object_set_string_member (product, "type", "inventory");
      json_object_set_string_member (product, "status", "active");
      json_object_set_boolean_member (product, "isTaxable", g_rand_boolean (rand));

      sy_sandbox_entity_insert (wms, key, product, created_at, updated_at);
      sy_sandbox_entity_insert (erp, key, product, created_at, updated_at);

      location = g_strdup_printf ("BIN-%c%02d", 'A' + g_rand_int_range (rand, 0, 6),
                                  g_rand_int_range (rand, 1, 40));
      pick_times (rand, i, count, &stock_created_at, &stock_updated_at);
      json_object_set_string_member (stock, "productKey", key);
      json_object_set_string_member (stock, "locationKey", location);
      json_object_set_int_member (stock, "quantity", g_rand_int_range (rand, 0, 500));
      json_object_set_int_member (stock, "reorderPoint", g_rand_int_range (rand, 5, 50));
      sy_sandbox_entity_insert (stocks, NULL, stock, stock_created_at, stock_updated_at);
    }
}

static void
generate_orders (SySandboxData *self,
                 GRand         *rand,
                 guint          count,
                 guint32        seed,
                 double         invalid_rate)
{
  SySandboxEntity *orders = add_entity (self, "wms/sales-orders", "01", FALSE);
  SySandboxEntity *customers = sy_sandbox_data_lookup_entity (self, "wms/customers");
  SySandboxEntity *products = sy_sandbox_data_lookup_entity (self, "wms/products");
  guint n_customers = sy_sandbox_entity_get_n_records (customers);
  guint n_products = sy_sandbox_entity_get_n_records (products);
  /* A rand of its own decides which orders are broken, so that the other
   * orders stay the same whatever --invalid-rate is. */
  g_autoptr(GRand) invalid_rand = g_rand_new_with_seed (seed ^ 0x1badd47au);

  add_entity (self, "erp/sales-orders", "11", TRUE);

  for (guint i = 0; i < count; i++)
    {
      g_autoptr(JsonObject) order = json_object_new ();
      g_autoptr(JsonObject) address = json_object_new ();
      g_autoptr(JsonArray) lines = json_array_new ();
      g_autofree char *order_number = g_strdup_printf ("MS-%06u", 100000 + i + 1);
      g_autofree char *code = g_strdup_printf ("SO%07u", i + 1);
      g_autofree char *date = NULL;
      g_autofree char *total_text = NULL;
      g_autofree char *postcode = NULL;
      const SySandboxRecord *customer;
      const char *currency;
      gint64 created_at, updated_at;
      gint64 total = 0;
      guint n_lines;
      guint first_product;
      gboolean invalid;

      pick_times (rand, i, count, &created_at, &updated_at);
      date = sy_sandbox_format_time (created_at - g_rand_int_range (rand, 0, 3 * 24 * 3600));
      customer = sy_sandbox_entity_get_record (customers, g_rand_int_range (rand, 0, n_customers));
      switch (g_rand_int_range (rand, 0, 10))
        {
        case 0: case 1: currency = "USD"; break;
        case 2: currency = "EUR"; break;
        default: currency = "GBP"; break;
        }

      invalid = g_rand_double (invalid_rand) < invalid_rate;

      n_lines = g_rand_int_range (rand, 1, 6);
      first_product = g_rand_int_range (rand, 0, n_products);
      for (guint l = 0; l < n_lines; l++)
        {
          /* Consecutive products: distinct within an order. */
          const SySandboxRecord *product = sy_sandbox_entity_get_record (products,
                                                                         (first_product + l) % n_products);
          const char *price_text = json_object_get_string_member (product->object, "price");
          g_autoptr(JsonObject) line = json_object_new ();
          gint64 quantity = g_rand_int_range (rand, 1, 21);
          gint64 cents = (gint64) (g_ascii_strtod (price_text, NULL) * 100 + 0.5);

          if (invalid && l == 0)
            {
              /* A product the warehouse made up: unknown to the ERP too, so
               * that even a mapping that leaves customerKey out is refused. */
              g_autofree char *orphan_product = g_strdup_printf ("09%012u", i + 1);
              json_object_set_string_member (line, "productKey", orphan_product);
            }
          else
            json_object_set_string_member (line, "productKey", product->key);
          json_object_set_int_member (line, "quantity", quantity);
          json_object_set_string_member (line, "price", price_text);
          json_array_add_object_element (lines, g_steal_pointer (&line));
          total += quantity * cents;
        }
      total_text = format_money (total);

      postcode = g_strdup_printf ("%c%c%d %d%c%c", 'A' + g_rand_int_range (rand, 0, 26),
                                  'A' + g_rand_int_range (rand, 0, 26), g_rand_int_range (rand, 1, 30),
                                  g_rand_int_range (rand, 1, 10), 'A' + g_rand_int_range (rand, 0, 26),
                                  'A' + g_rand_int_range (rand, 0, 26));
      /* Field names as the unified model's Address has them. */
      json_object_set_string_member (address, "addressee",
                                     json_object_get_string_member (customer->object, "name"));
      json_object_set_string_member (address, "city", PICK (rand, cities));
      json_object_set_string_member (address, "postCode", postcode);
      json_object_set_string_member (address, "country", "GB");

      json_object_set_string_member (order, "code", code);
      json_object_set_string_member (order, "orderNumber", order_number);
      json_object_set_string_member (order, "date", date);
      json_object_set_string_member (order, "statusKey", PICK (rand, order_statuses));
      json_object_set_string_member (order, "currencyKey", currency);
      if (invalid)
        {
          /* A customer the warehouse has lost track of: unknown to the ERP. */
          g_autofree char *orphan = g_strdup_printf ("09%012u", i + 1);
          json_object_set_string_member (order, "customerKey", orphan);
          self->invalid_source_records++;
        }
      else
        json_object_set_string_member (order, "customerKey", customer->key);
      json_object_set_string_member (order, "total", total_text);
      json_object_set_object_member (order, "shipmentAddress", g_steal_pointer (&address));
      json_object_set_array_member (order, "lines", g_steal_pointer (&lines));

      sy_sandbox_entity_insert (orders, NULL, order, created_at, updated_at);
    }
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

SySandboxData *
sy_sandbox_data_new (guint   n_orders,
                     guint32 seed,
                     double  invalid_rate)
{
  SySandboxData *self = g_object_new (SY_TYPE_SANDBOX_DATA, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer name;

  generate_customers (self, rand, 20 + n_orders / 20);
  generate_products (self, rand, 30 + n_orders / 20);
  generate_orders (self, rand, n_orders, seed, invalid_rate);

  g_hash_table_iter_init (&iter, self->entities);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  self->entity_names = (GStrv) g_ptr_array_steal (names, NULL);

  return self;
}

SySandboxEntity *
sy_sandbox_data_lookup_entity (SySandboxData *self,
                               const char    *name)
{
  return g_hash_table_lookup (self->entities, name);
}

const char * const *
sy_sandbox_data_get_entity_names (SySandboxData *self)
{
  return (const char * const *) self->entity_names;
}

guint
sy_sandbox_data_get_invalid_source_records (SySandboxData *self)
{
  return self->invalid_source_records;
}

static void
add_field_error (JsonObject *errors,
                 const char *field,
                 const char *message)
{
  JsonArray *messages;

  if (!json_object_has_member (errors, field))
    json_object_set_array_member (errors, field, json_array_new ());
  messages = json_object_get_array_member (errors, field);
  json_array_add_string_element (messages, message);
}

/* A required scalar: a non-empty string or a number. */
static gboolean
has_scalar (JsonObject *object,
            const char *field)
{
  JsonNode *node = json_object_get_member (object, field);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return *json_node_get_string (node) != '\0';
  return json_node_get_value_type (node) != G_TYPE_BOOLEAN;
}

static void
require_field (JsonObject *object,
               JsonObject *errors,
               const char *field)
{
  if (!has_scalar (object, field))
    {
      g_autofree char *message = g_strdup_printf ("The %s field is required.", field);
      add_field_error (errors, field, message);
    }
}

static gboolean
is_positive_number (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);
      char *end = NULL;
      double value = g_ascii_strtod (text, &end);
      return end != text && *end == '\0' && value > 0;
    }
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return FALSE;
  return json_node_get_double (node) > 0;
}

static void
require_known_key (SySandboxEntity *entity,
                   JsonNode        *node,
                   JsonObject      *errors,
                   const char      *field,
                   gboolean         required)
{
  const char *key = NULL;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    key = json_node_get_string (node);

  if (!required && (node == NULL || JSON_NODE_HOLDS_NULL (node)))
    return;

  if (key == NULL || *key == '\0')
    {
      g_autofree char *message = g_strdup_printf ("The %s field is required.", field);
      add_field_error (errors, field, message);
    }
  else if (sy_sandbox_entity_lookup (entity, key) == NULL)
    {
      g_autofree char *message = g_strdup_printf ("The selected %s is invalid.", field);
      add_field_error (errors, field, message);
    }
}

static void
validate_sales_order (SySandboxData *self,
                      const char    *domain,
                      JsonObject    *order,
                      JsonObject    *errors)
{
  g_autofree char *customers_name = g_strconcat (domain, "/customers", NULL);
  g_autofree char *products_name = g_strconcat (domain, "/products", NULL);
  SySandboxEntity *customers = sy_sandbox_data_lookup_entity (self, customers_name);
  SySandboxEntity *products = sy_sandbox_data_lookup_entity (self, products_name);
  JsonNode *lines = json_object_get_member (order, "lines");

  require_field (order, errors, "orderNumber");
  /* Like NetSuite, an order may leave the customer to a default; one that
   * names a customer must name a real one. */
  require_known_key (customers, json_object_get_member (order, "customerKey"), errors, "customerKey",
                     FALSE);

  if (lines == NULL || !JSON_NODE_HOLDS_ARRAY (lines) ||
      json_array_get_length (json_node_get_array (lines)) == 0)
    {
      add_field_error (errors, "lines", "The lines field is required and must hold at least one line.");
      return;
    }

  for (guint i = 0; i < json_array_get_length (json_node_get_array (lines)); i++)
    {
      JsonNode *line = json_array_get_element (json_node_get_array (lines), i);
      g_autofree char *product_field = g_strdup_printf ("lines.%u.productKey", i);
      g_autofree char *quantity_field = g_strdup_printf ("lines.%u.quantity", i);
      JsonObject *line_object;

      if (!JSON_NODE_HOLDS_OBJECT (line))
        {
          g_autofree char *field = g_strdup_printf ("lines.%u", i);
          add_field_error (errors, field, "A line must be an object.");
          continue;
        }
      line_object = json_node_get_object (line);
      require_known_key (products, json_object_get_member (line_object, "productKey"), errors,
                         product_field, TRUE);
      if (!is_positive_number (json_object_get_member (line_object, "quantity")))
        {
          g_autofree char *message = g_strdup_printf ("The %s must be a number greater than 0.",
                                                      quantity_field);
          add_field_error (errors, quantity_field, message);
        }
    }
}

static JsonObject *
validate (SySandboxData   *self,
          SySandboxEntity *entity,
          JsonObject      *object)
{
  g_autoptr(JsonObject) errors = json_object_new ();
  const char *name = sy_sandbox_entity_get_name (entity);
  const char *slash = strchr (name, '/');
  g_autofree char *domain = g_strndup (name, slash - name);

  if (g_str_has_suffix (name, "/sales-orders"))
    validate_sales_order (self, domain, object, errors);
  else if (g_str_has_suffix (name, "/products") || g_str_has_suffix (name, "/customers"))
    require_field (object, errors, "name");

  if (json_object_get_size (errors) == 0)
    return NULL;
  return g_steal_pointer (&errors);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

const SySandboxRecord *
sy_sandbox_data_create (SySandboxData    *self,
                        SySandboxEntity  *entity,
                        JsonObject       *object,
                        JsonObject      **field_errors)
{
  gint64 now = now_seconds ();

  *field_errors = validate (self, entity, object);
  if (*field_errors != NULL)
    return NULL;

  return sy_sandbox_entity_insert (entity, NULL, object, now, now);
}

const SySandboxRecord *
sy_sandbox_data_update (SySandboxData    *self,
                        SySandboxEntity  *entity,
                        const char       *key,
                        JsonObject       *object,
                        JsonObject      **field_errors)
{
  const SySandboxRecord *record = sy_sandbox_entity_lookup (entity, key);
  g_autoptr(JsonObject) merged = NULL;
  GList *members;

  *field_errors = NULL;
  if (record == NULL)
    return NULL;

  /* PUT changes the fields it names and keeps the others, as the real API. */
  merged = json_object_new ();
  members = json_object_get_members (record->object);
  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (merged, l->data,
                            json_node_copy (json_object_get_member (record->object, l->data)));
  g_list_free (members);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (merged, l->data, json_node_copy (json_object_get_member (object, l->data)));
  g_list_free (members);

  *field_errors = validate (self, entity, merged);
  if (*field_errors != NULL)
    return NULL;

  return sy_sandbox_entity_replace (entity, key, merged, now_seconds ());
}

/* "Northwind Trading Ltd (rev 3)" → "Northwind Trading Ltd". */
static char *
strip_revision (const char *text)
{
  const char *suffix = g_strrstr (text, " (rev ");

  if (suffix != NULL && g_str_has_suffix (suffix, ")"))
    return g_strndup (text, suffix - text);
  return g_strdup (text);
}

static JsonObject *
copy_object (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  GList *members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (object, l->data)));
  g_list_free (members);
  return copy;
}

GPtrArray *
sy_sandbox_data_touch (SySandboxData   *self,
                       SySandboxEntity *entity,
                       guint            count)
{
  guint n_records = sy_sandbox_entity_get_n_records (entity);
  GPtrArray *touched = g_ptr_array_sized_new (count);

  g_return_val_if_fail (count <= n_records, touched);

  for (guint i = 0; i < count; i++)
    {
      /* Distinct positions, since count <= n_records. */
      guint position = (guint) ((guint64) i * n_records / count);
      const SySandboxRecord *record = sy_sandbox_entity_get_record (entity, position);
      g_autoptr(JsonObject) changed = copy_object (record->object);
      JsonNode *address = json_object_get_member (changed, "shipmentAddress");
      g_autofree char *revision = g_strdup_printf ("rev %" G_GUINT64_FORMAT, ++self->touch_revision);
      gint64 touched_at = MAX (now_seconds (), self->last_touched_at + 1);

      if (address != NULL && JSON_NODE_HOLDS_OBJECT (address) &&
          json_object_has_member (json_node_get_object (address), "addressee"))
        {
          /* A new address object: the old one is shared with the record. */
          g_autoptr(JsonObject) new_address = copy_object (json_node_get_object (address));
          g_autofree char *name = strip_revision (json_object_get_string_member_with_default (new_address,
                                                                                           "addressee", ""));
          g_autofree char *addressee = g_strdup_printf ("%s (%s)", name, revision);

          json_object_set_string_member (new_address, "addressee", addressee);
          json_object_set_object_member (changed, "shipmentAddress", g_steal_pointer (&new_address));
        }
      else
        {
          g_autofree char *notes = g_strdup_printf ("Edited (%s)", revision);

          json_object_set_string_member (changed, "notes", notes);
        }

      self->last_touched_at = touched_at;
      g_ptr_array_add (touched, (gpointer) sy_sandbox_entity_replace (entity, record->key, changed, touched_at));
    }
  return touched;
}
