/* vfpoolctl-json.c: building and printing vfpoolctl's JSON documents. */
#include "config.h"
#include "vfpoolctl-json.h"

#include <stdio.h>

JsonBuilder *
vfpctl_json_begin (void)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  vfpctl_json_int (builder, "version", VFPCTL_JSON_VERSION);
  return builder;
}

void
vfpctl_json_print (JsonBuilder *builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

void
vfpctl_json_string (JsonBuilder *builder, const char *key, const char *value)
{
  json_builder_set_member_name (builder, key);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
vfpctl_json_int (JsonBuilder *builder, const char *key, gint64 value)
{
  json_builder_set_member_name (builder, key);
  json_builder_add_int_value (builder, value);
}

void
vfpctl_json_bool (JsonBuilder *builder, const char *key, gboolean value)
{
  json_builder_set_member_name (builder, key);
  json_builder_add_boolean_value (builder, value);
}

void
vfpctl_json_null (JsonBuilder *builder, const char *key)
{
  json_builder_set_member_name (builder, key);
  json_builder_add_null_value (builder);
}

void
vfpctl_json_strings (JsonBuilder *builder, const char *key, GPtrArray *values)
{
  json_builder_set_member_name (builder, key);
  json_builder_begin_array (builder);
  for (guint i = 0; values != NULL && i < values->len; i++)
    json_builder_add_string_value (builder, values->pdata[i]);
  json_builder_end_array (builder);
}

int
vfpctl_json_fail (VfpCtl *ctl, const GError *error)
{
  if (ctl->json)
    {
      g_autoptr (JsonBuilder) builder = vfpctl_json_begin ();
      g_autofree char *plain = vfpctl_plain_quotes (error->message);

      vfpctl_json_string (builder, "error", plain);
      vfpctl_json_print (builder);
    }
  return vfpctl_fail (error);
}
