/* commands.h: every command function, one family per file in engine/cmd/. */
#ifndef BERTH_COMMANDS_H
#define BERTH_COMMANDS_H

#include "cli.h"

/* system.c */
int cmd_version(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_info(struct berth *b, int argc, char **argv, berr_t *err);

/* lab.c */
int cmd_lab(struct berth *b, int argc, char **argv, berr_t *err);

/* compose.c */
int cmd_compose(struct berth *b, int argc, char **argv, berr_t *err);

#endif
