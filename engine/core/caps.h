/* caps.h: Linux capabilities of a container's process, as docker sets them.
 *
 * A capability set is a 64-bit mask (bit n = capability n).  docker grants
 * 14 by default (CapEff 00000000a80425fb for root); --cap-add, --cap-drop
 * (names with or without CAP_, any case, or ALL) and --privileged change it.
 */
#ifndef BERTH_CAPS_H
#define BERTH_CAPS_H

#include <stdbool.h>
#include <stdint.h>
#include "err.h"

/* docker's 14 default capabilities. */
uint64_t caps_default(void);

/* Every capability this kernel knows (0..cap_last_cap). */
uint64_t caps_all(void);

/* Parse "net_admin", "CAP_NET_ADMIN" or "NET_ADMIN" into a number. */
int caps_from_name(const char *name, int *cap);
/* "CAP_NET_ADMIN" for a number (static storage), NULL if unknown. */
const char *caps_name(int cap);

/* docker's TweakCapabilities: defaults, then adds and drops; "ALL" in
 * either list; privileged means every capability.  Errors read as
 * docker's: `invalid CapAdd: unknown capability: "CAP_FOO"`. */
int caps_compute(char *const *add, char *const *drop, bool privileged, uint64_t *out, berr_t *err);

/* In the container's process, before the user changes: drop everything
 * outside `set` from the bounding set and keep permitted capabilities
 * across setuid.  Returns -1 with errno set. */
int caps_prepare(uint64_t set);
/* After setuid/setgid: effective = permitted = set, inheritable and
 * ambient empty (docker since 20.10).  Returns -1 with errno set. */
int caps_apply(uint64_t set);

#endif
