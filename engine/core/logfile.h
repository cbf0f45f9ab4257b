/* logfile.h: a container's log, containers/<id>/container.log.
 *
 * The format is the CRI one (Kubernetes' and podman's "k8s-file"), one
 * record per line:
 *
 *     2024-05-01T10:00:00.123456789Z stdout F hello
 *     2024-05-01T10:00:00.123456999Z stderr P no newline yet
 *
 * timestamp (RFC 3339, UTC, nanoseconds), stream, F for a full line or P
 * for a partial one (continued by the next record of that stream), then
 * the bytes.  It keeps stdout and stderr apart with a timestamp each, and
 * needs no JSON encoder in the monitor, which stays small.
 */
#ifndef BERTH_LOGFILE_H
#define BERTH_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"

enum log_stream { LOG_STDOUT = 1, LOG_STDERR = 2 };

/* Append what was read from a stream as records (one write(2) per chunk).
 * Returns -1 with errno on a write error. */
int logfile_write(int fd, enum log_stream stream, const char *buf, size_t len);

struct log_record {
	long long ts;              /* ns since the epoch */
	enum log_stream stream;
	bool partial;
	const char *data;          /* not NUL-terminated */
	size_t len;
};

/* Parse one line (without its '\n').  -1 if malformed. */
int logfile_parse(const char *line, size_t len, struct log_record *out);

struct logs_opts {
	bool follow;
	bool timestamps;
	long tail;                 /* -1: all */
	long long since;           /* ns, 0: no bound */
	long long until;           /* ns, 0: no bound */
	int out_fd, err_fd;
	/* While following: is the container still able to write?  Called
	 * when the file has no more data. */
	bool (*still_running)(void *ctx);
	void *ctx;
};

/* berth logs: print the records of a log file (see struct logs_opts). */
int logfile_print(const char *path, const struct logs_opts *o, berr_t *err);

#endif
