/* template.h: docker's --format, a Go text/template evaluated over jansson.
 *
 * docker's CLI formats `ps`, `images`, `inspect`, `info`, `version`... with
 * Go's text/template plus a few functions of its own (json, join, split,
 * lower, upper, title, pad, truncate).  Learners copy those format strings
 * from docker's documentation, so berth runs the same language: the lexer,
 * parser and evaluator here follow Go's text/template (Go 1.24: break and
 * continue, range over an integer, else with, and/or short-circuit), and
 * values print the way Go's fmt prints them, with the data being the JSON
 * document a command builds (docker's inspect fallback does the same).
 *
 * What differs from Go, on purpose (the data is JSON, not Go structs):
 *  - objects print as maps (`map[k:v]`, keys sorted), never as `{v1 v2}`;
 *  - a JSON integer is an int, a JSON real a float64 (printed as Go does);
 *  - a field missing from an object is also looked up case-insensitively,
 *    because docker's Go field names (`.ID`, `.APIVersion`) and its JSON
 *    names (`Id`, `ApiVersion`) differ in case only;
 *  - `eq`/`ne` accept `nil` (true when the other side is null or missing)
 *    and compare an int with a float by value;
 *  - `join` takes any array of strings; `define`/`template`/`block`/`call`
 *    are not supported (a format string has one template and no Go funcs).
 *
 * Errors read as Go's ("template: :1:8: executing "" at <.A.B>: can't
 * evaluate field B in type string"), one line, exit status 125.
 */
#ifndef BERTH_TEMPLATE_H
#define BERTH_TEMPLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "err.h"

struct tmpl;

/* Parse a Go template (no docker preprocessing); the template is named ""
 * in messages, as docker's formatter names it. */
int tmpl_parse(const char *src, struct tmpl **out, berr_t *err);

/* The same, naming the template (docker's `version` names its "version",
 * so its messages read "template: version:1: ..."). */
int tmpl_parse_named(const char *name, const char *src, struct tmpl **out, berr_t *err);

/* docker's --format for list commands (formatter.Format): NULL, "" and
 * "table" select default_table (itself "table ..."), "json" is
 * `{{json .}}` with < > & escaped as docker's rows are (json.Marshal; a
 * `{{json .}}` written out does not escape them, as in docker); a format
 * starting with "table" prints a header row and
 * aligned columns; spaces around it are trimmed and the two-character
 * sequences \t and \n become a tab and a newline, as docker does. */
int tmpl_parse_format(const char *format, const char *default_table, struct tmpl **out, berr_t *err);

/* Execute with `dot` (and `$`) bound to the data; writes the rendering to
 * `out`.  On an error, what was rendered before it is still written (as
 * Go's Execute does) and -1 is returned with err set. */
int tmpl_exec(const struct tmpl *t, json_t *dot, FILE *out, berr_t *err);

/* Execute into a malloc'd string; NULL with err set on an error. */
char *tmpl_render(const struct tmpl *t, json_t *dot, berr_t *err);

void tmpl_free(struct tmpl *t);

/* True when the format given to tmpl_parse_format started with "table". */
bool tmpl_is_table(const struct tmpl *t);

/* Go's missingkey=error: a field missing from an object is an error ("map
 * has no entry for key") rather than <no value>.  docker inspect uses it
 * when it falls back to the raw JSON. */
void tmpl_set_missingkey_error(struct tmpl *t, bool on);

/* docker executes a list command's template on a Go struct per row
 * (*formatter.ContainerContext...): a name that is none of its methods is
 * an error ("can't evaluate field Nope in type *formatter.ContainerContext"),
 * not <no value>.  With this set, a field looked up on the row itself
 * (by tmpl_write_list) must be one of fields (NULL-terminated, matched
 * exactly as Go matches them); both are borrowed for the template's life. */
void tmpl_set_row_type(struct tmpl *t, const char *go_type, const char *const *fields);

/* docker executes inspect templates on typed Go structs: a field that is
 * nil or absent prints as its type's zero value ("[]" for a slice,
 * "map[]" for a map, "" for a string), not <no value>.  zero_fn maps a
 * field name that is missing or null in the data to that zero value (a
 * borrowed reference: tmpl_nil_slice(), tmpl_nil_map(), or a value that
 * lives as long as the program), or NULL to keep <no value>. */
typedef json_t *(*tmpl_zero_fn)(const char *field);
void tmpl_set_zero_fn(struct tmpl *t, tmpl_zero_fn fn);
/* Typed nils: print as [] and map[], are empty, and encode as null. */
json_t *tmpl_nil_slice(void);
json_t *tmpl_nil_map(void);

/* Bounds for a template from untrusted hands (a grader running a
 * learner's format string, the fuzzer): execution fails after max_steps
 * evaluation steps, or once the output and the strings made along the way
 * pass max_bytes.  0 is no bound, the default (Go has none either). */
void tmpl_set_limits(struct tmpl *t, unsigned long max_steps, size_t max_bytes);

/* The header row of a table: the template run once with each field chain
 * of dot (`.ID`, `.Config.Image`, also `$.X`) replaced by its column name.
 * name_for_field gets the chain without the leading dot ("ID",
 * "Config.Image") and returns the name ("CONTAINER ID") or NULL, in which
 * case the chain upper-cased is used.  As docker's header functions do,
 * json, split, join, lower, upper, title and truncate pass the name
 * through unchanged (pad does not: it pads the name too).  As in docker,
 * an error stops the header where it happened (ranging over a column name
 * cannot work) and what was rendered before it is the header.  Returns a
 * malloc'd string. */
typedef const char *(*tmpl_field_name_fn)(const char *field, void *ctx);
char *tmpl_header(const struct tmpl *t, tmpl_field_name_fn name_for_field, void *ctx);

/* What docker's formatter writes for a list of items (a JSON array): for a
 * table, the header row then one row per item, aligned by a tabwriter with
 * docker's settings (minwidth 10, padding 3); otherwise each item's
 * rendering followed by a newline.  Nothing is written when an item fails
 * to render, as in docker. */
int tmpl_write_list(const struct tmpl *t, json_t *items, tmpl_field_name_fn name_for_field, void *ctx, FILE *out,
		    berr_t *err);

/* JSON as Go's encoding/json writes it: compact, strings escaped as Go
 * escapes them (\u2028, \ufffd for invalid UTF-8, lowercase \u00XX), floats
 * in Go's shortest form, object keys in insertion order.  escape_html also
 * escapes < > & as \u003c \u003e \u0026 (json.Marshal's default; docker's
 * `json` template function turns it off).  Returns a malloc'd string. */
char *tmpl_json_marshal(json_t *v, bool escape_html);

#endif
