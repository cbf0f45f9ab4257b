/* format.c: see format.h. */
#define _GNU_SOURCE
#include "format.h"

#include <stdio.h>
#include <string.h>

int format_list(const char *format, const char *default_table, json_t *rows, tmpl_field_name_fn columns,
		berr_t *err)
{
	struct tmpl *t = NULL;
	int r;

	if (tmpl_parse_format(format, default_table, &t, err) < 0) {
		berr_wrap(err, "template parsing error");
		(*err)->status = 64;
		return -1;
	}
	r = tmpl_write_list(t, rows, columns, NULL, stdout, err);
	tmpl_free(t);
	if (r < 0)
		(*err)->status = 1;
	return r;
}

int format_parse(const char *format, struct tmpl **out, berr_t *err)
{
	if (tmpl_parse(strcmp(format, "json") == 0 ? "{{json .}}" : format, out, err) < 0) {
		berr_wrap(err, "template parsing error");
		(*err)->status = 64;
		return -1;
	}
	return 0;
}
