/* units.h: docker's value syntaxes for flags and its human-readable
 * durations: sizes ("512m"), signals ("SIGTERM", "9"), ulimits
 * ("nofile=1024:2048"), restart policies ("on-failure:3"). */
#ifndef BERTH_UNITS_H
#define BERTH_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"

/* go-units RAMInBytes: "512m", "1.5g", "1024", "10KiB" (binary
 * multipliers).  -1 when invalid. */
long long parse_ram_size(const char *s);

/* A signal by name ("TERM", "SIGTERM", "sigkill") or number; 0 if not one. */
int parse_signal(const char *s);
/* "SIGTERM" for 15 (static storage). */
const char *signal_name(int sig);

/* --ulimit name=soft[:hard]; docker's messages on error (the text after
 * `invalid argument "..." for "--ulimit" flag: `). */
struct ulimit {
	char name[16];
	int resource;
	long long soft, hard;
};
int parse_ulimit(const char *s, struct ulimit *out, char *why, size_t why_len);

/* --restart: no | always | unless-stopped | on-failure[:N]. */
struct restart_policy {
	char name[16];
	int max_retry;
};
int parse_restart(const char *s, struct restart_policy *out, berr_t *err);

/* go-units HumanDuration ("Less than a second", "5 seconds", "About a
 * minute", "2 hours", ...) for a duration in nanoseconds. */
void human_duration(long long ns, char *buf, size_t len);

/* "2 weeks ago", "About an hour ago" for a time in seconds since the
 * epoch (docker's CREATED column); "N/A" for none (0). */
void human_since(long long then_seconds, char *buf, size_t len);

/* docker's decimal sizes ("1.5MB", "4.261MB": go-units HumanSize, 4
 * significant digits) and binary ones ("1.5MiB"). */
void human_size_decimal(double bytes, char *buf, size_t len);
void human_size_binary(double bytes, char *buf, size_t len);
/* "4.26MB": go-units HumanSizeWithPrecision(size, 3), the SIZE of
 * `images` and `history`. */
void human_size_decimal3(double bytes, char *buf, size_t len);

/* Parse an RFC 3339 timestamp, a Unix timestamp ("1700000000.5") or a
 * duration relative to now ("10m", "1h30m", "5s") into ns since the epoch,
 * as docker logs --since accepts.  -1 when invalid. */
long long parse_timestamp(const char *s, long long now);

#endif
