/* vfpoolctl-record.h: test seam for attach / detach (VFPOOL_LIBVIRT_URI=
 * record:FILE), playing libvirt on files:
 *   VFPOOL_LIBVIRT_RUN_DIR/NAME.xml  live XML of running domain NAME (where
 *                                    libvirt keeps its status XML); absent:
 *                                    NAME is shut off
 *   FILE.config/NAME.xml             its persistent XML (absent: transient)
 *   FILE                             one line per call: attach-live NAME XML,
 *                                    detach-alias NAME ALIAS, metadata
 *                                    live|config NAME XML, managedsave NAME -
 *   FILE.saved/NAME.xml              after managedsave: the XML the save
 *                                    image carries (the live XML moves here)
 *   FILE.fail-attach                 exists: attach fails with its content
 *   FILE.fail-attach-plugged         the same, after the device was plugged
 *   FILE.ack-unplug                  exists: the guest acknowledges unplugs
 *                                    (a detached device leaves the live XML
 *                                    at the next read); absent: it never does
 *   FILE.keep-unplug                 aliases (one a line) the guest never
 *                                    lets go, even with FILE.ack-unplug
 *   FILE                             migrate NAME DEST FLAGS [migrateuri=U]
 *   FILE.fail-migrate                exists: migrate fails with its content
 *   FILE.fail-connect                exists: connecting to the destination
 *                                    fails with its content
 *   FILE.dest                        the destination's FILE (its calls)
 *   FILE.dest.run/NAME.xml           after migrate: the live XML there (the
 *                                    source's moves there)
 *   FILE.dest-plug                   lines "N VF": after migrate the
 *                                    destination's hot-plug worker has put
 *                                    nic N's device on VF there (absent: it
 *                                    plugs nothing) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VFPCTL_RECORD_PREFIX "record:"
/* The destination of a migration: FILE with this appended. */
#define VFPCTL_RECORD_DEST ".dest"

typedef struct {
  const char *file;
  const char *run_dir;
  const char *name;
} VfpctlRecord;

gboolean vfpctl_record_exists (const VfpctlRecord *rec);
gboolean vfpctl_record_is_running (const VfpctlRecord *rec);
gboolean vfpctl_record_get_xml (const VfpctlRecord *rec, gboolean live, char **out,
                                GError **error);
gboolean vfpctl_record_attach (const VfpctlRecord *rec, const char *device_xml,
                               GError **error);
gboolean vfpctl_record_detach_alias (const VfpctlRecord *rec, const char *alias,
                                     GError **error);
gboolean vfpctl_record_set_request (const VfpctlRecord *rec, gboolean live,
                                    const char *metadata, GError **error);
gboolean vfpctl_record_managed_save (const VfpctlRecord *rec, GError **error);
/* The domain of @rec moves to @dest (its run dir created). */
gboolean vfpctl_record_migrate (const VfpctlRecord *rec, const VfpctlRecord *dest,
                                const char *dest_uri, const char *migrate_uri,
                                gboolean persistent, gboolean undefine_source,
                                GError **error);

G_END_DECLS
