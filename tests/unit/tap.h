/* tap.h: a tiny TAP producer for C unit tests, read by prove.
 *
 *   ok(cond, "sentence saying what holds");
 *   is_int(got, want, "...");  is_str(got, want, "...");
 *   return done_testing();
 */
#ifndef BERTH_TAP_H
#define BERTH_TAP_H

#include <stdio.h>
#include <string.h>
#include <stdarg.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                                         \
	do {                                                                                            \
		long long g_ = (got), w_ = (want);                                                      \
		if (!tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__))                                 \
			printf("#   got %lld, want %lld\n", g_, w_);                                        \
	} while (0)
#define is_str(got, want, ...)                                                                         \
	do {                                                                                            \
		const char *g_ = (got), *w_ = (want);                                                   \
		int same_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;                                \
		if (!tap_ok(same_, __FILE__, __LINE__, __VA_ARGS__))                                    \
			printf("#   got \"%s\"\n#  want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

__attribute__((format(printf, 4, 5))) static int tap_ok(int pass, const char *file, int line, const char *fmt,
							 ...)
{
	va_list ap;
	printf("%sok %d - ", pass ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   Failed at %s line %d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
