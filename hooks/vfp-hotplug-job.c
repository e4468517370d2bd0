/* vfp-hotplug-job.c: the hook -> hot-plug worker job as a key file. */
#include "config.h"
#include "vfp-hotplug-job.h"
#include "vfp-error.h"
#include "vfp-host.h"
#include "vfp-keyfile-writer.h"

#include <string.h>

#define G_JOB "job"

void
vfp_hotplug_job_free (VfpHotplugJob *job)
{
  if (job == NULL)
    return;
  g_free (job->uuid);
  g_free (job->name);
  if (job->hotplug != NULL)
    g_ptr_array_unref (job->hotplug);
  g_free (job);
}

char *
vfp_hotplug_job_to_data (const char *uuid, const char *name, guint domid, GPtrArray *hotplug,
                         gsize *len)
{
  VfpKeyfileWriter w;
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func (g_free);

  vfp_keyfile_writer_init (&w, 0);
  vfp_keyfile_group (&w, G_JOB);
  vfp_keyfile_string (&w, "uuid", uuid);
  vfp_keyfile_string (&w, "name", name);
  vfp_keyfile_uint64 (&w, "domid", domid);
  vfp_keyfile_uint64 (&w, "devices", hotplug->len);
  for (guint i = 0; i < hotplug->len; i++)
    {
      const VfpHotplug *hp = hotplug->pdata[i];
      char *group = g_strdup_printf ("device %u", i);
      char *config = g_strdup_printf ("device %u config", i);

      /* the writer keeps the group names until their first key */
      g_ptr_array_add (groups, group);
      g_ptr_array_add (groups, config);
      vfp_keyfile_group (&w, group);
      vfp_keyfile_uint64 (&w, "nic", hp->nic);
      vfp_keyfile_string (&w, "vf", hp->vf_pci);
      vfp_keyfile_string (&w, "start-id", hp->start_id);
      vfp_keyfile_int64 (&w, "qemu-pid", hp->qemu_pid);
      vfp_keyfile_string (&w, "form", hp->form == VFP_FORM_INTERFACE ? "interface" : "hostdev");
      vfp_keyfile_string (&w, "managed", hp->managed ? "true" : "false");
      if (hp->standby_alias != NULL)
        vfp_keyfile_string (&w, "standby-alias", hp->standby_alias);
      if (hp->standby_network != NULL)
        vfp_keyfile_string (&w, "standby-network", hp->standby_network);
      vfp_vf_config_write (&hp->cfg, &w, config);
    }
  return vfp_keyfile_writer_finish (&w, len);
}

static gboolean
bad (GError **error, const char *group, const char *key)
{
  g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
               "hot-plug job: [%s] %s is missing or invalid", group, key);
  return FALSE;
}

static gboolean
get_uint (GKeyFile *kf, const char *group, const char *key, guint64 max, guint64 *out,
          GError **error)
{
  g_autofree char *value = g_key_file_get_value (kf, group, key, NULL);

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, max, out, NULL))
    return bad (error, group, key);
  return TRUE;
}

static gboolean
read_device (GKeyFile *kf, guint i, VfpHotplug **out, GError **error)
{
  g_autofree char *group = g_strdup_printf ("device %u", i);
  g_autofree char *config = g_strdup_printf ("device %u config", i);
  g_autoptr (VfpHotplug) hp = g_new0 (VfpHotplug, 1);
  g_autofree char *form = NULL;
  g_autoptr (GError) local = NULL;
  guint64 n;

  if (!get_uint (kf, group, "nic", G_MAXUINT, &n, error))
    return FALSE;
  hp->nic = (guint) n;
  hp->vf_pci = g_key_file_get_string (kf, group, "vf", NULL);
  if (hp->vf_pci == NULL || !vfp_pci_address_is_valid (hp->vf_pci))
    return bad (error, group, "vf");
  if ((hp->start_id = g_key_file_get_string (kf, group, "start-id", NULL)) == NULL)
    return bad (error, group, "start-id");
  if (!get_uint (kf, group, "qemu-pid", G_MAXINT, &n, error))
    return FALSE;
  hp->qemu_pid = (gint64) n;
  form = g_key_file_get_string (kf, group, "form", NULL);
  if (g_strcmp0 (form, "interface") == 0)
    hp->form = VFP_FORM_INTERFACE;
  else if (g_strcmp0 (form, "hostdev") == 0)
    hp->form = VFP_FORM_HOSTDEV;
  else
    return bad (error, group, "form");
  hp->managed = g_key_file_get_boolean (kf, group, "managed", &local);
  if (local != NULL)
    return bad (error, group, "managed");
  hp->standby_alias = g_key_file_get_string (kf, group, "standby-alias", NULL);
  hp->standby_network = g_key_file_get_string (kf, group, "standby-network", NULL);
  if (!vfp_vf_config_from_keyfile (&hp->cfg, kf, config, error))
    return FALSE;
  *out = g_steal_pointer (&hp);
  return TRUE;
}

gboolean
vfp_hotplug_job_from_data (const char *data, gsize len, VfpHotplugJob **out, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (VfpHotplugJob) job = g_new0 (VfpHotplugJob, 1);
  guint64 n, devices;

  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, NULL)
      || !g_key_file_has_group (kf, G_JOB))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST, "hot-plug job: not a job");
      return FALSE;
    }
  job->uuid = g_key_file_get_string (kf, G_JOB, "uuid", NULL);
  job->name = g_key_file_get_string (kf, G_JOB, "name", NULL);
  if (job->uuid == NULL)
    return bad (error, G_JOB, "uuid");
  if (job->name == NULL)
    return bad (error, G_JOB, "name");
  if (!get_uint (kf, G_JOB, "domid", G_MAXUINT, &n, error)
      || !get_uint (kf, G_JOB, "devices", 1024, &devices, error))
    return FALSE;
  job->domid = (guint) n;
  job->hotplug = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_hotplug_free);
  for (guint i = 0; i < devices; i++)
    {
      VfpHotplug *hp = NULL;

      if (!read_device (kf, i, &hp, error))
        return FALSE;
      g_ptr_array_add (job->hotplug, hp);
    }
  *out = g_steal_pointer (&job);
  return TRUE;
}
