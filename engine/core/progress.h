/* progress.h: docker-style progress for pull and push.
 *
 * On a terminal, one line per layer, redrawn in place as docker's CLI
 * does it (jsonmessage.DisplayJSONMessagesStream): a line is added when a
 * layer is first mentioned, and later updates move the cursor up to it,
 * clear it and rewrite it:
 *
 *   latest: Pulling from library/busybox
 *   3f4d90098f5b: Downloading [=====>                    ]  1.234MB/3.4MB
 *   9c3a14f5e2b1: Waiting
 *
 * The bar only appears when the terminal is wider than 110 columns, as in
 * docker; narrower ones get the byte counts alone.  When the output is not
 * a terminal (a pipe, a file, a test) every status change is one plain
 * line ("3f4d90098f5b: Pull complete") and byte counts are not printed.
 * A quiet progress prints nothing at all.
 *
 * Only one thread may call these functions.
 */
#ifndef BERTH_PROGRESS_H
#define BERTH_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

struct progress;

/* quiet: print nothing.  The terminal is detected on out's descriptor;
 * BERTH_PROGRESS=plain or =tty forces one or the other (tests). */
struct progress *progress_new(FILE *out, bool quiet);
void progress_free(struct progress *p);

bool progress_is_tty(const struct progress *p);

/* A line of its own ("Digest: sha256:..."); it ends the current block of
 * layer lines, as in docker. */
void progress_message(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A layer's status ("Pulling fs layer", "Pull complete"). */
void progress_status(struct progress *p, const char *id, const char *status);

/* A layer's byte count ("Downloading", current, total): redrawn on a
 * terminal (at most every 100 ms per layer, and always when done), nothing
 * otherwise.  total <= 0 when unknown. */
void progress_bytes(struct progress *p, const char *id, const char *status, long long current, long long total);

/* docker's units.HumanSize: decimal units, 4 significant digits
 * ("1.234MB", "527B", "32.77kB"). */
void progress_human_size(long long bytes, char *buf, size_t len);

/* The bar and counts docker prints after the status (JSONProgress.String)
 * for a terminal `width` columns wide. */
void progress_bar(long long current, long long total, int width, char *buf, size_t len);

#endif
