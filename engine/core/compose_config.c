/* compose_config.c: the model as YAML, as `docker compose config` prints it
 * (keys sorted, block style, strings quoted where YAML would read them as
 * something else), and the per-service configuration hash.
 *
 * The hash is the sha256 of the service's normalised YAML: any change to
 * what the user wrote for that service (after interpolation and expansion)
 * changes it, and nothing else does, so `up` can tell which services to
 * recreate.  libyaml's emitter writes the text; libcrypto hashes it.
 */
#define _GNU_SOURCE
#include "compose.h"
#include "cleanup.h"
#include "util.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct outbuf {
	char *s;
	size_t n, cap;
};

static int write_buf(void *data, unsigned char *buf, size_t size)
{
	struct outbuf *o = data;
	if (o->n + size + 1 > o->cap) {
		o->cap = (o->n + size + 1) * 2;
		o->s = xrealloc(o->s, o->cap);
	}
	memcpy(o->s + o->n, buf, size);
	o->n += size;
	o->s[o->n] = '\0';
	return 1;
}

/* Would a plain scalar with this text be read back as something else? */
static bool needs_quotes(const char *v)
{
	if (!*v)
		return true;
	static const char *const words[] = {"null", "Null", "NULL", "~", "true", "True", "TRUE", "false",
					    "False", "FALSE", "yes", "Yes", "YES", "no", "No", "NO",
					    "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", NULL};
	for (size_t i = 0; words[i]; i++)
		if (strcmp(v, words[i]) == 0)
			return true;
	char *end;
	strtod(v, &end);
	if (*end == '\0')
		return true;
	/* 0o17, 0x1f, 1_000, 12:30 (sexagesimal in YAML 1.1) */
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'o'))
		return true;
	bool digits = true;
	for (const char *p = v; *p; p++)
		if (!strchr("0123456789_:.+-", *p))
			digits = false;
	return digits;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int emit_node(yaml_emitter_t *em, const struct ynode *n)
{
	yaml_event_t ev;
	if (n->kind == YNODE_SCALAR) {
		yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
		if (!n->plain && needs_quotes(n->value))
			style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		if (strchr(n->value, '\n'))
			style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)n->value, (int)strlen(n->value), 1, 1,
					     style);
		return yaml_emitter_emit(em, &ev);
	}
	if (n->kind == YNODE_SEQ) {
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
						     n->n ? YAML_BLOCK_SEQUENCE_STYLE : YAML_FLOW_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return 0;
		for (size_t i = 0; i < n->n; i++)
			if (!emit_node(em, n->items[i]))
				return 0;
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev);
	}
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, n->n ? YAML_BLOCK_MAPPING_STYLE : YAML_FLOW_MAPPING_STYLE);
	if (!yaml_emitter_emit(em, &ev))
		return 0;
	/* Keys sorted, as compose config prints them. */
	char **keys = xcalloc(n->n + 1, sizeof(char *));
	for (size_t i = 0; i < n->n; i++)
		keys[i] = n->keys[i];
	qsort(keys, n->n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *v = ynode_get(n, keys[i]);
		struct ynode k = {.kind = YNODE_SCALAR, .value = keys[i]};
		if (!emit_node(em, &k) || !emit_node(em, v)) {
			free(keys);
			return 0;
		}
	}
	free(keys);
	yaml_mapping_end_event_initialize(&ev);
	return yaml_emitter_emit(em, &ev);
}

char *compose_emit_string(const struct ynode *n)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	struct outbuf o = {0};
	write_buf(&o, (unsigned char *)"", 0);
	yaml_emitter_initialize(&em);
	yaml_emitter_set_output(&em, write_buf, &o);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_emitter_set_indent(&em, 2);
	int okk = 1;
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	okk = okk && yaml_emitter_emit(&em, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	okk = okk && yaml_emitter_emit(&em, &ev);
	okk = okk && emit_node(&em, n);
	yaml_document_end_event_initialize(&ev, 1);
	okk = okk && yaml_emitter_emit(&em, &ev);
	yaml_stream_end_event_initialize(&ev);
	okk = okk && yaml_emitter_emit(&em, &ev);
	yaml_emitter_flush(&em);
	yaml_emitter_delete(&em);
	if (!okk) {
		free(o.s);
		return NULL;
	}
	return o.s;
}

int compose_emit(const struct ynode *n, FILE *to, berr_t *err)
{
	cleanup_free char *s = compose_emit_string(n);
	if (!s)
		return berr_make(err, 0, "cannot write the configuration as YAML");
	fputs(s, to);
	return 0;
}

char *compose_service_hash(const struct ynode *svc)
{
	cleanup_free char *s = compose_emit_string(svc);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!s || !EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL))
		return xstrdup("");
	char *hex = xmalloc(len * 2 + 1);
	for (unsigned i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	return hex;
}
