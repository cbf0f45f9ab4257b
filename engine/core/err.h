/* err.h: the error carried up the call chain.
 *
 * Modelled on crun's libcrun_error_t: a fallible function returns a negative
 * int and fills `berr_t *err` with errno and a message; callers either handle
 * it or return it upward untouched.  Only the top of a program prints it, as
 * one line on stderr, and turns it into an exit status (125 for berth's own
 * errors, as docker does, unless the error names another one).
 */
#ifndef BERTH_ERR_H
#define BERTH_ERR_H

#include <stdarg.h>

struct berr {
	int errnum;     /* errno that caused it, or 0 */
	int status;     /* exit status the CLI should use */
	char *msg;      /* one line, no trailing newline */
	int plain;      /* usage errors: printed as they are, without "Error: " */
};
typedef struct berr *berr_t;

/* The exit status docker uses for its own failures. */
#define BERTH_EXIT_ERROR 125

/* Fill *err with a formatted message; when errnum is non-zero, ": strerror"
 * is appended.  Returns -1 so callers can `return berr_make(...)`.
 * If *err is already set, the old one is freed first. */
int berr_make(berr_t *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same, with an explicit exit status (e.g. 1 for `docker load` errors). */
int berr_make_status(berr_t *err, int status, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

int berr_vmake(berr_t *err, int status, int errnum, const char *fmt, va_list ap);

/* Prefix an existing error with context: "context: old message". */
int berr_wrap(berr_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void berr_free(berr_t *err);

/* Print "PREFIX: message" on stderr ("Error: message" when prefix is NULL,
 * or the bare message for a plain usage error), free the error, and return
 * its exit status. */
int berr_report(berr_t *err, const char *prefix);

#endif
