/* vfp-guests-conf.h: what libvirt-guests does with running domains at host
 * shutdown (ON_SHUTDOWN), as doctor and host-shutdown need to know. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The ON_SHUTDOWN= in effect: the last assignment in @defaults_file
 * (ETC/default/libvirt-guests, shell syntax, quotes stripped), else the
 * first one in @script (libvirt-guests.sh assigns its own default before it
 * sources the defaults file; NULL: not looked at), else upstream's
 * "suspend".  *@setting (may be NULL) gets a sentence saying where the value
 * came from, for messages. */
char *vfp_guests_on_shutdown (const char *defaults_file, const char *script, char **setting);

G_END_DECLS
