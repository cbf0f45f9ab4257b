/* err.c: building, wrapping and reporting berr_t errors (see err.h). */
#define _GNU_SOURCE
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int berr_vmake(berr_t *err, int status, int errnum, const char *fmt, va_list ap)
{
	char *msg = NULL, *full = NULL;

	if (err == NULL)
		return -1;
	/* Format before freeing the old error: the new message may quote it. */
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	if (msg && errnum != 0) {
		if (asprintf(&full, "%s: %s", msg, strerror(errnum)) < 0)
			full = NULL;
		free(msg);
		msg = full;
	}
	berr_free(err);
	*err = calloc(1, sizeof(**err));
	if (*err == NULL) {
		/* Out of memory while reporting an error: nothing better to do. */
		free(msg);
		fputs("berth: out of memory\n", stderr);
		exit(BERTH_EXIT_ERROR);
	}
	(*err)->errnum = errnum;
	(*err)->status = status;
	(*err)->msg = msg ? msg : strdup("out of memory");
	return -1;
}

int berr_make(berr_t *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	berr_vmake(err, BERTH_EXIT_ERROR, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int berr_make_status(berr_t *err, int status, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	berr_vmake(err, status, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int berr_wrap(berr_t *err, const char *fmt, ...)
{
	char *prefix = NULL, *joined = NULL;
	va_list ap;

	if (err == NULL || *err == NULL)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&prefix, fmt, ap) < 0)
		prefix = NULL;
	va_end(ap);
	if (prefix && asprintf(&joined, "%s: %s", prefix, (*err)->msg) >= 0) {
		free((*err)->msg);
		(*err)->msg = joined;
	}
	free(prefix);
	return -1;
}

void berr_free(berr_t *err)
{
	if (err == NULL || *err == NULL)
		return;
	free((*err)->msg);
	free(*err);
	*err = NULL;
}

int berr_report(berr_t *err, const char *prefix)
{
	int status;

	if (err == NULL || *err == NULL)
		return 0;
	/* docker prints what its daemon answered as it came, never after
	 * "Error: ". */
	if ((*err)->plain || strncmp((*err)->msg, "Error response from daemon:", 27) == 0)
		fprintf(stderr, "%s\n", (*err)->msg);
	else
		fprintf(stderr, "%s: %s\n", prefix ? prefix : "Error", (*err)->msg);
	status = (*err)->status ? (*err)->status : BERTH_EXIT_ERROR;
	berr_free(err);
	return status;
}
