/* commands.h: every command function, one family per file in engine/cmd/. */
#ifndef BERTH_COMMANDS_H
#define BERTH_COMMANDS_H

#include <jansson.h>
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
/* What system prune removes before the images, once confirmed, under the
 * same filters (containers, networks, volumes): adds what it freed to
 * *reclaimed.  0, or -1 with err set. */
struct image_prune_filter;
typedef int (*prune_first_fn)(struct berth *b, const struct image_prune_filter *pf, long long *reclaimed, void *ctx,
			      berr_t *err);
/* `image prune` and `system prune`: --filter (dangling=false counts as
 * all, as docker's), the question (unless force: warning[0] for dangling
 * images, warning[1] for all unused), first() if not NULL, then the images
 * and the report ("Deleted Images:", "Total reclaimed space" of
 * everything).  Frees filters.  0 (also when the answer is no), or -1 with
 * err set (status 1 for a bad filter). */
int prune_images_confirmed(struct berth *b, bool all, bool force, const char *const warning[2],
			   struct strlist *filters, prune_first_fn first, void *ctx, berr_t *err);

/* build.c: build, image build */
int cmd_build(struct berth *b, int argc, char **argv, berr_t *err);

/* inspect.c: `berth inspect` (images; other objects as they land) */
int cmd_inspect(struct berth *b, int argc, char **argv, berr_t *err);

/* storage.c */
int cmd_system_df(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_system_prune(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_system_check(struct berth *b, int argc, char **argv, berr_t *err);

/* registry.c */
int cmd_pull(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_push(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_login(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_logout(struct berth *b, int argc, char **argv, berr_t *err);

/* lab.c */
int cmd_lab(struct berth *b, int argc, char **argv, berr_t *err);

/* run.c */
int cmd_run(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_create(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_start(struct berth *b, int argc, char **argv, berr_t *err);

/* container.c */
int cmd_stop(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_restart(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_kill(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_attach(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_rm(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_wait(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_pause(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_unpause(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_rename(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_container_prune(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_top(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_stats(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_container_inspect(struct berth *b, int argc, char **argv, berr_t *err);
/* `berth inspect`: a container first, then an image. */
int cmd_inspect_any(struct berth *b, int argc, char **argv, berr_t *err);

/* ps.c */
int cmd_ps(struct berth *b, int argc, char **argv, berr_t *err);

/* logs.c */
int cmd_logs(struct berth *b, int argc, char **argv, berr_t *err);

/* exec.c */
int cmd_exec(struct berth *b, int argc, char **argv, berr_t *err);

/* cp.c */
int cmd_cp(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_export(struct berth *b, int argc, char **argv, berr_t *err);

/* network.c */
int cmd_network_create(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_network_ls(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_network_inspect(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_network_rm(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_network_prune(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_network_connect(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_network_disconnect(struct berth *b, int argc, char **argv, berr_t *err);

/* volume.c */
int cmd_volume_create(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_volume_ls(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_volume_inspect(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_volume_rm(struct berth *b, int argc, char **argv, berr_t *err);
int cmd_volume_prune(struct berth *b, int argc, char **argv, berr_t *err);

/* port.c */
int cmd_port(struct berth *b, int argc, char **argv, berr_t *err);
/* compose.c */
int cmd_compose(struct berth *b, int argc, char **argv, berr_t *err);

#endif
