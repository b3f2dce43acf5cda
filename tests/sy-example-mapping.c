/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>

#include "sy-example-mapping.h"

const char sy_example_mapping[] =
  "{\n"
  "  \"version\": 1,\n"
  "  \"name\": \"Mintsoft orders to NetSuite\",\n"
  "  \"source\": {\"connection\": \"mintsoft\", \"entity\": \"wms/sales-orders\"},\n"
  "  \"target\": {\"connection\": \"netsuite\", \"entity\": \"erp/sales-orders\"},\n"
  "  \"match\": {\"source\": \"key\", \"target\": \"code\"},\n"
  "  \"fields\": [\n"
  "    {\"target\": \"code\", \"source\": \"key\"},\n"
  "    {\"target\": \"orderNumber\", \"source\": \"orderNumber\", \"required\": true},\n"
  "    {\"target\": \"date\", \"source\": \"date\", \"transform\": {\"date\": {\"to\": \"%Y-%m-%d\"}}},\n"
  "    {\"target\": \"currencyKey\", \"source\": \"currencyKey\", \"transform\": {\"lookup\": {\"GBP\": \"1\"}}, \"default\": \"1\"},\n"
  "    {\"target\": \"memo\", \"template\": \"Mintsoft order {orderNumber}\"},\n"
  "    {\"target\": \"statusKey\", \"value\": \"pending\"},\n"
  "    {\"target\": \"lines\", \"source\": \"lines\", \"each\": [\n"
  "      {\"target\": \"productKey\", \"source\": \"productKey\"},\n"
  "      {\"target\": \"quantity\", \"source\": \"quantity\", \"transform\": {\"number\": {\"scale\": 0}}}]}\n"
  "  ]\n"
  "}\n";

char *
sy_example_mapping_with_addressee (void)
{
  g_autoptr(JsonNode) root = json_from_string (sy_example_mapping, NULL);
  JsonArray *fields = json_object_get_array_member (json_node_get_object (root), "fields");
  g_autoptr(JsonObject) rule = json_object_new ();

  json_object_set_string_member (rule, "target", "shipmentAddress.addressee");
  json_object_set_string_member (rule, "source", "shipmentAddress.addressee");
  json_array_add_object_element (fields, g_steal_pointer (&rule));
  return json_to_string (root, TRUE);
}
