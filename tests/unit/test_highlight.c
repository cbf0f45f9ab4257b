/* test_highlight.c: build-time highlighting of Dockerfile, YAML, shell,
 * console sessions and JSON, and what a console block's copy button copies. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../gen/highlight.h"
#include "../../gen/markdown.h"

#include <stdlib.h>
#include <string.h>

static int has(const char *html, const char *needle, const char *what)
{
	int r = strstr(html, needle) != NULL;
	ok(r, "%s", what);
	if (!r)
		printf("#   no %s in\n#   %s\n", needle, html);
	return r;
}

/* Highlighting only adds spans: with the tags removed and entities decoded
 * the text is what went in. */
static char *strip(const char *html)
{
	char *out = malloc(strlen(html) + 1), *o = out;
	for (const char *p = html; *p;) {
		if (*p == '<') {
			p = strchr(p, '>') + 1;
		} else if (*p == '&') {
			static const char *const ent[][2] = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}};
			for (size_t i = 0; i < 4; i++)
				if (strncmp(p, ent[i][0], strlen(ent[i][0])) == 0) {
					*o++ = ent[i][1][0];
					p += strlen(ent[i][0]);
					break;
				}
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

static void round_trip(enum hl_lang lang, const char *code, const char *what)
{
	char *h = highlight(lang, code), *s = strip(h);
	is_str(s, code, "%s: the text survives highlighting", what);
	free(s);
	free(h);
}

int main(void)
{
	is_int(hl_lang_from_info("console"), HL_CONSOLE, "console fence");
	is_int(hl_lang_from_info("Dockerfile"), HL_DOCKERFILE, "Dockerfile fence, any case");
	is_int(hl_lang_from_info("yml title=x"), HL_YAML, "only the first word of the info string counts");
	is_int(hl_lang_from_info("bash"), HL_SHELL, "bash is shell");
	is_int(hl_lang_from_info("json"), HL_JSON, "json");
	is_int(hl_lang_from_info("python"), HL_NONE, "an unknown language is plain");
	is_int(hl_lang_from_filename("compose.yaml"), HL_YAML, "compose.yaml is YAML");
	is_int(hl_lang_from_filename("app/Dockerfile"), HL_DOCKERFILE, "a Dockerfile by name");
	is_int(hl_lang_from_filename("answer.sh"), HL_SHELL, "a .sh file is shell");
	is_int(hl_lang_from_filename("README"), HL_NONE, "no extension: plain");

	const char *df = "# build the app\nFROM busybox:1.36 AS base\nENV GREETING=hello\n"
			 "RUN echo \"$GREETING\" > /msg \\\n    && chmod 644 /msg\nCMD [\"cat\", \"/msg\"]\n";
	char *h = highlight(HL_DOCKERFILE, df);
	has(h, "<span class=\"hl-c\"># build the app</span>", "Dockerfile: comment");
	has(h, "<span class=\"hl-k\">FROM</span>", "Dockerfile: instruction");
	has(h, "<span class=\"hl-k\">AS</span>", "Dockerfile: AS in FROM");
	has(h, "<span class=\"hl-v\">GREETING</span>", "Dockerfile: ENV name");
	has(h, "<span class=\"hl-b\">echo</span>", "Dockerfile: RUN is shell, its command marked");
	has(h, "<span class=\"hl-s\">&quot;$GREETING&quot;</span>", "Dockerfile: a string, escaped");
	has(h, "<span class=\"hl-b\">chmod</span>", "Dockerfile: a continued RUN line is shell too");
	has(h, "<span class=\"hl-s\">&quot;cat&quot;</span>", "Dockerfile: exec form is JSON");
	free(h);
	round_trip(HL_DOCKERFILE, df, "Dockerfile");

	const char *yaml = "services:\n  web:\n    image: \"nginx:1.25\"  # pinned\n    ports:\n      - 8080:80\n"
			   "    restart: true\n    command: |\n      echo hi: there\n  db: {}\n";
	h = highlight(HL_YAML, yaml);
	has(h, "<span class=\"hl-a\">services</span>", "YAML: a key");
	has(h, "<span class=\"hl-s\">&quot;nginx:1.25&quot;</span>", "YAML: a quoted value");
	has(h, "<span class=\"hl-c\"># pinned</span>", "YAML: a trailing comment");
	has(h, "<span class=\"hl-o\">-</span>", "YAML: a list dash");
	has(h, "<span class=\"hl-n\">true</span>", "YAML: a boolean");
	has(h, "<span class=\"hl-s\">      echo hi: there</span>", "YAML: a block scalar is text, not a key");
	free(h);
	round_trip(HL_YAML, yaml, "YAML");

	const char *sh = "#!/bin/sh\nset -eu\nfor f in *.txt; do\n  cat \"$f\" | wc -l >> out\ndone\nNAME=x berth run --rm $IMAGE\n";
	h = highlight(HL_SHELL, sh);
	has(h, "<span class=\"hl-c\">#!/bin/sh</span>", "shell: the shebang is a comment");
	has(h, "<span class=\"hl-k\">for</span>", "shell: keyword");
	has(h, "<span class=\"hl-f\">-eu</span>", "shell: a flag");
	has(h, "<span class=\"hl-o\">|</span> <span class=\"hl-b\">wc</span>", "shell: the command after a pipe");
	has(h, "<span class=\"hl-v\">NAME</span><span class=\"hl-o\">=</span>", "shell: an assignment");
	has(h, "<span class=\"hl-v\">$IMAGE</span>", "shell: a variable");
	free(h);
	round_trip(HL_SHELL, sh, "shell");

	const char *con = "$ berth run --rm busybox echo hi\nhi\n$ berth build \\\n    -t web .\nStep 1/2 : FROM busybox\n";
	h = highlight(HL_CONSOLE, con);
	has(h, "<span class=\"hl-p\">$ </span><span class=\"hl-cmd\"><span class=\"hl-b\">berth</span>",
	    "console: prompt, then the command");
	has(h, "<span class=\"hl-out\">hi</span>", "console: output is output");
	has(h, "<span class=\"hl-cmd\">    <span class=\"hl-f\">-t</span>", "console: a continuation line is command");
	has(h, "<span class=\"hl-out\">Step 1/2 : FROM busybox</span>", "console: output after a continuation");
	free(h);
	round_trip(HL_CONSOLE, con, "console");

	char *cmds = console_commands(con);
	is_str(cmds, "berth run --rm busybox echo hi\nberth build -t web .", "copy: commands only, continuations joined");
	free(cmds);
	cmds = console_commands("no prompt here\n");
	is_str(cmds, "", "copy: a block with no prompt copies nothing of its output");
	free(cmds);
	cmds = console_commands("$ a \\\n  b \\\n  c\nout\n$ d");
	is_str(cmds, "a b c\nd", "copy: several continuations, last line without newline");
	free(cmds);

	const char *json = "{\"Id\": \"sha256:ab\", \"Size\": 1024, \"Ok\": true, \"Tags\": null}";
	h = highlight(HL_JSON, json);
	has(h, "<span class=\"hl-a\">&quot;Id&quot;</span>", "JSON: a key");
	has(h, "<span class=\"hl-s\">&quot;sha256:ab&quot;</span>", "JSON: a string value");
	has(h, "<span class=\"hl-n\">1024</span>", "JSON: a number");
	has(h, "<span class=\"hl-k\">true</span>", "JSON: a literal");
	free(h);
	round_trip(HL_JSON, json, "JSON");

	h = highlight(HL_NONE, "<b>&</b>");
	is_str(h, "&lt;b&gt;&amp;&lt;/b&gt;", "plain code is escaped");
	free(h);
	round_trip(HL_SHELL, "echo \"unterminated\n'also\n${x\n", "shell with unterminated quotes");

	char *block = md_code_block("console", "$ berth version\nClient:\n");
	has(block, "data-copy=\"berth version\"", "a console block carries its commands for the copy button");
	has(block, "data-lang=\"console\"", "and its language");
	has(block, "<pre tabindex=\"0\">", "a block is reachable by keyboard when it scrolls");
	free(block);
	char *html = markdown_to_html("```dockerfile\nFROM busybox\n```\n\n<script>x</script>\n", false);
	has(html, "<span class=\"hl-k\">FROM</span>", "Markdown fences are highlighted");
	has(html, "&lt;script&gt;", "raw HTML is still shown as text");
	free(html);
	return done_testing();
}
