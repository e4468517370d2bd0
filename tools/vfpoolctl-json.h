/* vfpoolctl-json.h: the JSON documents of vfpoolctl, built with json-glib
 * (linked into vfpoolctl only, never into the hook). */
#pragma once

#include <json-glib/json-glib.h>
#include "vfpoolctl.h"

G_BEGIN_DECLS

/* Version of every document's layout (its "version" member): raised when a
 * member changes meaning or goes away, not when one is added. */
#define VFPCTL_JSON_VERSION 1

/* A builder with the document object open and "version" set. */
JsonBuilder *vfpctl_json_begin (void);
/* Close the document object and print it, one line, on stdout. */
void vfpctl_json_print (JsonBuilder *builder);

/* Members; a NULL string is null (unknown), never "" or 0. */
void vfpctl_json_string (JsonBuilder *builder, const char *key, const char *value);
void vfpctl_json_int (JsonBuilder *builder, const char *key, gint64 value);
void vfpctl_json_bool (JsonBuilder *builder, const char *key, gboolean value);
void vfpctl_json_null (JsonBuilder *builder, const char *key);
/* An array of strings (NULL array: empty). */
void vfpctl_json_strings (JsonBuilder *builder, const char *key, GPtrArray *values);

/* With --json, a failure is a document too: {"version": 1, "error":
 * MESSAGE} on stdout (the one-line message still goes to stderr).
 * Returns VFPCTL_EXIT_FAILED. */
int vfpctl_json_fail (VfpCtl *ctl, const GError *error);

G_END_DECLS
