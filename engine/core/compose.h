/* compose.h: a compose project, from compose.yaml to a normalised model.
 *
 * The pipeline, one file per step:
 *   compose_load.c      find the files, read .env, interpolate, include/extends,
 *                       merge several -f files, name the project
 *   compose_validate.c  unknown keys, types, durations, sizes, ports (per file,
 *                       with positions); undefined references and cycles (merged)
 *   compose_model.c     short syntax expanded, defaults filled: the model is a
 *                       canonical tree (struct ynode) that `config` prints and
 *                       the reconciler reads
 *   compose_config.c    the model as sorted YAML, and each service's hash
 *   compose.c           reconcile the model with the engine's state (up, down, ...)
 *
 * Why the model is a tree and not a struct per key: `config` must print
 * every key a user wrote (compose has ~100 service keys), the hash must cover
 * all of them, and the reconciler reads only the dozen it acts on.  In the
 * model tree a scalar with `plain` set is a typed value (number, bool, null)
 * printed bare; any other scalar is a string, quoted when YAML would misread it.
 */
#ifndef BERTH_COMPOSE_H
#define BERTH_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "err.h"
#include "yamltree.h"

/* Environment used for interpolation: the process environment over .env. */
struct compose_env {
	char **keys, **vals;
	size_t n;
};
const char *compose_env_get(const struct compose_env *e, const char *key);
void compose_env_set(struct compose_env *e, const char *key, const char *val, bool override);
void compose_env_free(struct compose_env *e);
/* Parse a .env file's text into e (keys already set are kept when !override). */
int compose_env_parse(struct compose_env *e, const char *text, const char *name, bool override, berr_t *err);

struct compose_options {
	char **files;          /* -f, in order; NULL-terminated or NULL */
	const char *project_name;
	const char *project_dir;
	char **env_files;      /* --env-file; NULL-terminated or NULL */
	char **profiles;       /* --profile; NULL-terminated or NULL */
	bool no_interpolate;
	char **explicit_services; /* named on the command line: active whatever their profiles */
	int nexplicit;
};

/* Which file a node of the merged tree came from (for messages). */
struct compose_nodefile {
	const struct ynode **nodes;
	int *file;
	size_t cap, n;
};

struct compose_project {
	char *name;
	char *dir;              /* absolute project directory */
	char **files;           /* as named in messages */
	size_t nfiles;
	struct compose_env env;
	char **profiles;
	size_t nprofiles;
	char **explicit_services;  /* borrowed from compose_options */
	int nexplicit;
	struct ynode *raw;      /* merged, interpolated, positioned */
	struct ynode *model;    /* normalised (compose_model.c) */
	struct compose_nodefile where;
};

int compose_load(const struct compose_options *o, struct compose_project **out, berr_t *err);
void compose_project_free(struct compose_project *p);
const char *compose_node_file(const struct compose_project *p, const struct ynode *n);

/* Interpolation of one string: 0, or -1 with *why set (caller frees). */
int compose_interpolate(const char *in, const struct compose_env *env, char **out, char **why);
/* Merge `over` into `base` (both service-file roots) per the compose spec;
 * `over`'s nodes are moved, not copied, and `over` is freed. */
void compose_merge_files(struct ynode *base, struct ynode *over);
/* Lists that compose treats as maps (environment, labels...) become maps,
 * so merges and the model see one shape.  Applied per file before merging. */
void compose_premerge_normalise(struct ynode *root);

/* Project names: lowercase, [a-z0-9_-], starting with a letter or digit. */
char *compose_normalise_name(const char *s);

/* compose_validate.c */
int compose_validate_file(const struct ynode *root, const char *file, berr_t *err);
int compose_validate_project(struct compose_project *p, berr_t *err);
int compose_parse_duration(const char *s, long long *ns);
int compose_parse_size(const char *s, long long *bytes);

struct compose_port {
	char *host_ip;      /* may be NULL */
	char *published;    /* "8080", "8080-8081" or NULL */
	unsigned target;
	char *protocol;     /* "tcp" */
};
/* Short port syntax to one entry per container port (ranges expand). */
int compose_port_parse(const char *spec, struct compose_port **out, size_t *n, char **why);
void compose_ports_free(struct compose_port *p, size_t n);

/* compose_model.c */
int compose_normalise(struct compose_project *p, berr_t *err);
/* Shell words, as compose splits a command string (quotes, backslashes). */
int compose_shell_split(const char *s, char ***argv, size_t *argc);
char *compose_format_duration(long long ns);
/* Services in dependency order (dependencies first); NULL on a cycle. */
char **compose_service_order(const struct ynode *services, size_t *n);
/* Is a service active with the project's profiles (or named explicitly)? */
bool compose_service_active(const struct compose_project *p, const char *name, const struct ynode *svc);

/* model construction helpers */
struct ynode *ymodel_map(void);
struct ynode *ymodel_seq(void);
struct ynode *ymodel_str(const char *s);
struct ynode *ymodel_typed(const char *s); /* number/bool/null printed bare */
void ymodel_put(struct ynode *map, const char *key, struct ynode *val);
void ymodel_push(struct ynode *seq, struct ynode *val);
struct ynode *ymodel_copy(const struct ynode *n);

/* compose_config.c */
/* The model (or any canonical subtree) as YAML, keys sorted. */
int compose_emit(const struct ynode *n, FILE *to, berr_t *err);
char *compose_emit_string(const struct ynode *n);
/* sha256 (hex) of a service's normalised form. */
char *compose_service_hash(const struct ynode *svc);

#endif
