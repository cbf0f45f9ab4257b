/* format.h: --format for the commands of this directory, on top of the
 * template engine (engine/core/template.h), with docker's messages and
 * statuses: for a list command (formatter.Context.Write) a template that
 * does not parse and one that fails on a row both print "template parsing
 * error: ..." as it is and exit 1, with nothing on stdout; for inspect a
 * template that does not parse exits 64. */
#ifndef BERTH_CMD_FORMAT_H
#define BERTH_CMD_FORMAT_H

#include <jansson.h>
#include "../core/err.h"
#include "../core/template.h"

#define FORMAT_HELP "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template"

/* The Go type docker runs a list command's template on, and its methods:
 * a field of a row that is none of them is an error, as in docker. */
struct format_row {
	const char *go_type;
	const char *const *fields;
};
extern const struct format_row format_row_container, format_row_image, format_row_volume, format_row_network,
	format_row_stats, format_row_history;

/* A list command's rows (a JSON array of objects) through a format: NULL
 * or "" or "table" is default_table; row NULL: any field (no docker type). */
int format_list(const char *format, const char *default_table, const struct format_row *row, json_t *rows,
		tmpl_field_name_fn columns, berr_t *err);

/* format_list in two steps, for a command that parses the format before
 * gathering its rows or uses the ctx of the column function. */
int format_list_parse(const char *format, const char *default_table, const struct format_row *row,
		      struct tmpl **out, berr_t *err);
int format_list_write(const struct tmpl *t, json_t *rows, tmpl_field_name_fn columns, void *ctx, berr_t *err);

/* Parse a single-object format (inspect's): "json" is {{json .}}. */
int format_parse(const char *format, struct tmpl **out, berr_t *err);

/* One object through an inspect template, as docker's TemplateInspector:
 * the rendering and a newline on stdout, or nothing and "template parsing
 * error: ..." (printed as it is, exit 1) when it fails while running. */
int format_inspect_one(const struct tmpl *t, json_t *obj, berr_t *err);

/* For tmpl_set_zero_fn on a container or image inspect template: the zero
 * value docker's typed structs show for a nil or absent field
 * ({{.Config.Entrypoint}} is "[]", {{.Config.Labels}} "map[]"). */
json_t *format_inspect_zero(const char *field);

#endif
