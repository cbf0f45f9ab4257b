/* check.h: `berth system check` (see check.c). */
#ifndef BERTH_CHECK_H
#define BERTH_CHECK_H

#include <stdbool.h>
#include "err.h"
#include "root.h"

typedef void (*check_print_fn)(void *ctx, const char *line);

/* Check the store; with repair, fix what can be fixed.  Lines go to
 * print ("repaired: ...", "problem: ...", then a summary).  *problems is
 * what is left unresolved (non-zero: the CLI exits 1). */
int system_check(struct berth *b, bool repair, check_print_fn print, void *ctx, int *problems, berr_t *err);

#endif
