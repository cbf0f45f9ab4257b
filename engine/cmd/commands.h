/* commands.h: every command function, one family per file in engine/cmd/. */
#ifndef BERTH_COMMANDS_H
#define BERTH_COMMANDS_H

#include "cli.h"

/* system.c */
int cmd_version(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_info(struct berth *b, int argc, char **argv, berr_t *err);

/* image.c */
int cmd_images(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_image_inspect(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_tag(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_rmi(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_image_prune(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_history(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_save(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_load(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_import(struct berth *b, int argc, char **argv, berr_t *err);
/* docker's "Are you sure you want to continue? [y/N]" after a warning. */
bool cli_confirm(const char *warning);

/* inspect.c: `berth inspect` (images; other objects as they land) */
int cmd_inspect(struct berth *b, int argc, char **argv, berr_t *err);

/* storage.c */
int cmd_system_df(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_system_prune(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_system_check(struct berth *b, int argc, char **argv, berr_t *err);

/* lab.c */
int cmd_lab(struct berth *b, int argc, char **argv, berr_t *err);

#endif
