/* fuzz_template.c: --format templates (lexer, parser, evaluator, header
 * row and table writer) on arbitrary bytes, over a fixed document shaped
 * like docker's inspect output.  Execution is bounded with
 * tmpl_set_limits, as {{range 999999999}} is a valid template. */
#include "../../engine/core/template.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char DOC[] =
	"{\"ID\":\"0123456789abcdef\",\"Name\":\"web\",\"Names\":[\"web\",\"frontend\"],"
	"\"State\":{\"Running\":true,\"Pid\":4242,\"Status\":\"running\",\"Health\":null},"
	"\"Config\":{\"Env\":[\"PATH=/bin\",\"A=1\"],\"Labels\":{\"com.example\":\"ACME\",\"v\":\"1.0\"},\"Cmd\":null},"
	"\"Ports\":{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}]},\"Mounts\":[],"
	"\"Size\":1234567,\"Ratio\":0.5,\"Korean\":\"\xed\x95\x9c\xea\xb5\xad\",\"Mixed\":[\"a\",1,2.5,true,null,{\"k\":[1]}]}";

static const char *names(const char *field, void *ctx)
{
	(void)ctx;
	return strcmp(field, "ID") == 0 ? "CONTAINER ID" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *doc, *list;
	char *src = malloc(size + 1);
	berr_t err = NULL;
	struct tmpl *t = NULL;

	if (doc == NULL) {
		doc = json_loads(DOC, 0, NULL);
		list = json_pack("[OO]", doc, doc);
	}
	memcpy(src, data, size);
	src[size] = '\0';

	if (tmpl_parse(src, &t, &err) == 0) {
		tmpl_set_limits(t, 200000, 1 << 20);
		char *s = tmpl_render(t, doc, &err);
		free(s);
		berr_free(&err);
		s = tmpl_header(t, names, NULL);
		free(s);
		tmpl_set_missingkey_error(t, true);
		s = tmpl_render(t, doc, &err);
		free(s);
		berr_free(&err);
		tmpl_free(t);
	}
	berr_free(&err);

	/* docker's --format path: table prefix, \t escapes, list writer */
	if (tmpl_parse_format(src, "table {{.ID}}", &t, &err) == 0) {
		tmpl_set_limits(t, 200000, 1 << 20);
		FILE *devnull = fopen("/dev/null", "w");
		if (devnull) {
			tmpl_write_list(t, list, names, NULL, devnull, &err);
			fclose(devnull);
		}
		berr_free(&err);
		tmpl_free(t);
	}
	berr_free(&err);
	free(src);
	return 0;
}
