/* test_dockerfile.c: the Dockerfile parser and docker's word expansion,
 * as tables: each row a Dockerfile (or a word) and what docker makes of it. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/dockerfile.h"
#include "../../engine/core/util.h"

#include <stdlib.h>
#include <string.h>

/* A compact rendering of a parse: "cmd|flags|args|json|line" per
 * instruction, joined by " ; ", heredocs as "<<name:content". */
static char *render(const struct dockerfile *df)
{
	char *out = xstrdup("");
	for (size_t i = 0; i < df->n; i++) {
		const struct df_instr *in = &df->ins[i];
		char *s = xasprintf("%s%s%s@%d", out, i ? " ; " : "", in->cmd, in->line);
		free(out);
		out = s;
		for (char **f = in->flags; f && *f; f++) {
			s = xasprintf("%s %s", out, *f);
			free(out);
			out = s;
		}
		s = xasprintf("%s %s", out, in->json ? "J" : "S");
		free(out);
		out = s;
		for (char **a = in->args; a && *a; a++) {
			s = xasprintf("%s [%s]", out, *a);
			free(out);
			out = s;
		}
		for (size_t k = 0; k < in->n_heredocs; k++) {
			s = xasprintf("%s <<%s:%s", out, in->heredocs[k].name, in->heredocs[k].content);
			free(out);
			out = s;
		}
	}
	return out;
}

static const struct {
	const char *text, *want;
} ok_rows[] = {
	{"FROM busybox", "from@1 S [busybox]"},
	{"from busybox AS Build", "from@1 S [busybox] [AS] [Build]"},
	{"# comment\n\nFROM a\n# another\nRUN x", "from@3 S [a] ; run@5 S [x]"},
	{"FROM a\nRUN echo \\\n  hi", "from@1 S [a] ; run@2 S [echo   hi]"},
	{"FROM a\nRUN echo \\\n# c\n  hi", "from@1 S [a] ; run@2 S [echo   hi]"},
	{"FROM a\nRUN [\"echo\", \"hi\"]", "from@1 S [a] ; run@2 J [echo] [hi]"},
	{"FROM a\nRUN [\"echo\", hi]", "from@1 S [a] ; run@2 S [[\"echo\", hi]]"},
	{"FROM a\nCMD [\"a\",1]", "from@1 S [a] ; cmd@2 S [[\"a\",1]]"},
	{"FROM a\nCMD []", "from@1 S [a] ; cmd@2 J"},
	{"FROM a\nENTRYPOINT exec top -b", "from@1 S [a] ; entrypoint@2 S [exec top -b]"},
	{"FROM a\nENV A=1 B=\"two words\"", "from@1 S [a] ; env@2 S [A=1] [B=\"two words\"]"},
	{"FROM a\nENV A one two", "from@1 S [a] ; env@2 S [A=one two]"},
	{"FROM a\nLABEL \"k k\"=v", "from@1 S [a] ; label@2 S [\"k k\"=v]"},
	{"FROM a\nCOPY --from=b --chown=1:2 x y /d/", "from@1 S [a] ; copy@2 --from=b --chown=1:2 S [x] [y] [/d/]"},
	{"FROM a\nCOPY [\"a b\", \"/c\"]", "from@1 S [a] ; copy@2 J [a b] [/c]"},
	{"FROM a\nVOLUME /x /y", "from@1 S [a] ; volume@2 S [/x] [/y]"},
	{"FROM a\nVOLUME [\"/x\"]", "from@1 S [a] ; volume@2 J [/x]"},
	{"FROM a\nEXPOSE 80/tcp 53/udp", "from@1 S [a] ; expose@2 S [80/tcp] [53/udp]"},
	{"FROM a\nARG X=1 Y", "from@1 S [a] ; arg@2 S [X=1] [Y]"},
	{"ARG V=3\nFROM a:$V", "arg@1 S [V=3] ; from@2 S [a:$V]"},
	{"FROM a\nUSER 1000:1000", "from@1 S [a] ; user@2 S [1000:1000]"},
	{"FROM a\nWORKDIR /a b", "from@1 S [a] ; workdir@2 S [/a b]"},
	{"FROM a\nSTOPSIGNAL SIGKILL", "from@1 S [a] ; stopsignal@2 S [SIGKILL]"},
	{"FROM a\nSHELL [\"/bin/bash\", \"-c\"]", "from@1 S [a] ; shell@2 J [/bin/bash] [-c]"},
	{"FROM a\nHEALTHCHECK NONE", "from@1 S [a] ; healthcheck@2 S [NONE]"},
	{"FROM a\nHEALTHCHECK --interval=5s CMD curl -f x", "from@1 S [a] ; healthcheck@2 --interval=5s S [CMD-SHELL] [curl -f x]"},
	{"FROM a\nHEALTHCHECK CMD [\"true\"]", "from@1 S [a] ; healthcheck@2 J [CMD] [true]"},
	{"FROM a\nONBUILD RUN echo x", "from@1 S [a] ; onbuild@2 S [RUN echo x]"},
	{"FROM a\nMAINTAINER me <m@x>", "from@1 S [a] ; maintainer@2 S [me <m@x>]"},
	{"FROM a\nRUN <<EOF\necho hi\nEOF", "from@1 S [a] ; run@2 S [<<EOF] <<EOF:echo hi\n"},
	{"FROM a\nRUN <<-EOT\n\techo hi\n\tEOT\nRUN x", "from@1 S [a] ; run@2 S [<<-EOT] <<EOT:echo hi\n ; run@5 S [x]"},
	{"FROM a\nRUN cat <<'E'\n$X\nE", "from@1 S [a] ; run@2 S [cat <<'E'] <<E:$X\n"},
	{"FROM a\nCOPY <<A <<B /d/\na\nA\nb\nB", "from@1 S [a] ; copy@2 S [<<A] [<<B] [/d/] <<A:a\n <<B:b\n"},
	{"FROM a\nRUN echo '<<EOF'", "from@1 S [a] ; run@2 S [echo '<<EOF']"},
	{"# escape=`\nFROM a\nRUN dir `\n  c:\\", "from@2 S [a] ; run@3 S [dir   c:\\]"},
	{"# syntax=docker/dockerfile:1\n# check=skip=all\nFROM a", "from@3 S [a]"},
	{"FROM a\n# escape=`\nRUN x \\\n y", "from@1 S [a] ; run@3 S [x  y]"},
	{"FROM a\r\nRUN x\r\n", "from@1 S [a] ; run@2 S [x]"},
	{"FROM a\nRUN --mount=type=cache,target=/c --network=none make", "from@1 S [a] ; run@2 --mount=type=cache,target=/c --network=none S [make]"},
	{"  FROM a  \n\tRUN   x  ", "from@1 S [a] ; run@2 S [x]"},
	{"FROM a\nRUN a \\\n\n  b", "from@1 S [a] ; run@2 S [a   b]"},
};

static const struct {
	const char *text, *err;
} bad_rows[] = {
	{"FROM a\nFOO bar", "Dockerfile:2: unknown instruction: FOO"},
	{"FROM a\nRUN", "Dockerfile:2: RUN requires at least one argument"},
	{"FROM a\nSHELL /bin/sh -c", "Dockerfile:2: SHELL requires the arguments to be in JSON form"},
	{"FROM a\nENV", "Dockerfile:2: ENV requires at least one argument"},
	{"FROM a\nENV A", "Dockerfile:2: ENV must have two arguments"},
	{"FROM a\nENV A=1 B", "Dockerfile:2: Syntax error - can't find = in \"B\". Must be of the form: name=value"},
	{"FROM a\nLABEL =x", "Dockerfile:2: LABEL names can not be blank"},
	{"FROM a\nONBUILD ONBUILD RUN x", "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"},
	{"FROM a\nONBUILD FROM b", "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger"},
	{"FROM a\nHEALTHCHECK FOO x", "Dockerfile:2: Unknown type \"FOO\" in HEALTHCHECK (try CMD)"},
	{"FROM a\nHEALTHCHECK NONE x", "Dockerfile:2: HEALTHCHECK NONE takes no arguments"},
	{"FROM a\nRUN <<EOF\necho", "Dockerfile:2: unterminated heredoc"},
	{"# escape=x\nFROM a", "Dockerfile:1: invalid escape token 'x' does not match ` or \\"},
	{"", "the Dockerfile (Dockerfile) cannot be empty"},
	{"# only a comment\n", "the Dockerfile (Dockerfile) cannot be empty"},
	{"FROM a\n  foo", "Dockerfile:2: unknown instruction: foo"},
};

static const char *vars[][2] = {
	{"A", "1"}, {"E", ""}, {"W", "two words"}, {"P", "/usr/bin"},
};

static const char *lk(void *ctx, const char *n)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (!strcmp(vars[i][0], n))
			return vars[i][1];
	return NULL;
}

static const struct {
	const char *in, *want;
} exp_rows[] = {
	{"$A", "1"},
	{"${A}", "1"},
	{"x${A}y", "x1y"},
	{"$UNSET", ""},
	{"${UNSET:-def}", "def"},
	{"${E:-def}", "def"},
	{"${E-def}", ""},
	{"${UNSET-def}", "def"},
	{"${A:+alt}", "alt"},
	{"${E:+alt}", ""},
	{"${E+alt}", "alt"},
	{"${UNSET+alt}", ""},
	{"${A:-$P}", "1"},
	{"${UNSET:-$P/x}", "/usr/bin/x"},
	{"\\$A", "$A"},
	{"'$A'", "$A"},
	{"\"$A\"", "1"},
	{"\"a\\\"b\"", "a\"b"},
	{"\"\\$A\"", "$A"},
	{"a\\ b", "a b"},
	{"$", "$"},
	{"a$", "a$"},
	{"$1", "$1"},
	{"\"'q'\"", "'q'"},
	{"'\"q\"'", "\"q\""},
	{"${W}", "two words"},
	{"${A:?must be set}", "1"},
	{"end\\", "end\\"},
};

static const struct {
	const char *in, *err;
} exp_bad[] = {
	{"${UNSET:?must be set}", "UNSET: must be set"},
	{"${UNSET?}", "UNSET: is not allowed to be unset"},
	{"${A", "syntax error: missing '}'"},
	{"${}", "bad substitution"},
	{"${A%x}", "missing ':' in substitution"},
	{"'open", "unexpected end of statement while looking for matching single-quote"},
	{"\"open", "unexpected end of statement while looking for matching double-quote"},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(ok_rows) / sizeof(ok_rows[0]); i++) {
		struct dockerfile df;
		berr_t err = NULL;
		int r = dockerfile_parse(ok_rows[i].text, strlen(ok_rows[i].text), "Dockerfile", &df, &err);
		if (r < 0) {
			ok(0, "parses: %s (%s)", ok_rows[i].text, err->msg);
			berr_free(&err);
			continue;
		}
		char *got = render(&df);
		is_str(got, ok_rows[i].want, "parse row %zu", i);
		free(got);
		dockerfile_free(&df);
	}
	for (size_t i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++) {
		struct dockerfile df;
		berr_t err = NULL;
		int r = dockerfile_parse(bad_rows[i].text, strlen(bad_rows[i].text), "Dockerfile", &df, &err);
		ok(r < 0, "refused: %s", bad_rows[i].err);
		if (r < 0) {
			is_str(err->msg, bad_rows[i].err, "message: %s", bad_rows[i].err);
			is_int(err->status, 1, "exit status 1");
			berr_free(&err);
		} else {
			dockerfile_free(&df);
		}
	}
	{
		struct dockerfile df;
		berr_t err = NULL;
		const char *t = "# escape=`\nFROM a";
		dockerfile_parse(t, strlen(t), NULL, &df, &err);
		is_int(df.escape, '`', "the escape directive sets the escape character");
		dockerfile_free(&df);
		t = "FROM a\n# escape=`\nRUN x";
		dockerfile_parse(t, strlen(t), NULL, &df, &err);
		is_int(df.escape, '\\', "a directive after an instruction is a comment");
		dockerfile_free(&df);
		t = "FROM a\nRUN a \\\n\n b";
		dockerfile_parse(t, strlen(t), NULL, &df, &err);
		ok(df.n_warnings == 1 && !strcmp(df.warnings[0].rule, "NoEmptyContinuation"), "empty continuation lines warn");
		dockerfile_free(&df);
	}
	for (size_t i = 0; i < sizeof(exp_rows) / sizeof(exp_rows[0]); i++) {
		berr_t err = NULL;
		char *got = dockerfile_expand(exp_rows[i].in, '\\', lk, NULL, NULL, &err);
		is_str(got, exp_rows[i].want, "expand %s", exp_rows[i].in);
		free(got);
		berr_free(&err);
	}
	for (size_t i = 0; i < sizeof(exp_bad) / sizeof(exp_bad[0]); i++) {
		berr_t err = NULL;
		char *got = dockerfile_expand(exp_bad[i].in, '\\', lk, NULL, NULL, &err);
		ok(!got && err, "expansion of %s fails", exp_bad[i].in);
		if (err)
			is_str(err->msg, exp_bad[i].err, "with: %s", exp_bad[i].err);
		free(got);
		berr_free(&err);
	}
	{
		berr_t err = NULL;
		char **w = dockerfile_expand_words("a \"b c\" $W ''", '\\', lk, NULL, NULL, &err);
		int n = 0;
		while (w && w[n])
			n++;
		is_int(n, 5, "words: quoted spaces stay, unquoted expansions split, '' is a word");
		if (n == 5) {
			is_str(w[1], "b c", "quoted word");
			is_str(w[2], "two", "split expansion");
			is_str(w[4], "", "empty quoted word");
		}
		for (int i = 0; i < n; i++)
			free(w[i]);
		free(w);
		char *g = dockerfile_expand("`$A", '`', lk, NULL, NULL, &err);
		is_str(g, "$A", "the backtick escape escapes $");
		free(g);
	}
	{
		/* --check rules */
		struct dockerfile df;
		berr_t err = NULL;
		const char *t = "FROM busybox:$TAG as Build\nMAINTAINER me\nCMD echo hi\nENTRYPOINT [\"x\"]\nWORKDIR rel\nENV A 1\nrun true";
		dockerfile_parse(t, strlen(t), NULL, &df, &err);
		dockerfile_lint(&df, NULL);
		const char *rules[] = {"FromAsCasing", "StageNameCasing", "UndefinedArgInFrom", "MaintainerDeprecated",
				       "JSONArgsRecommended", "WorkdirRelativePath", "LegacyKeyValueFormat",
				       "ConsistentInstructionCasing"};
		for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
			bool found = false;
			for (size_t k = 0; k < df.n_warnings; k++)
				if (!strcmp(df.warnings[k].rule, rules[r]))
					found = true;
			ok(found, "--check finds %s", rules[r]);
		}
		dockerfile_free(&df);
		t = "ARG TAG=1\nFROM busybox:$TAG AS build\nCMD [\"x\"]";
		dockerfile_parse(t, strlen(t), NULL, &df, &err);
		dockerfile_lint(&df, NULL);
		is_int(df.n_warnings, 0, "a clean Dockerfile has no warnings");
		dockerfile_free(&df);
	}
	{
		struct df_instr in;
		berr_t err = NULL;
		ok(dockerfile_parse_line("RUN echo hi", '\\', &in, &err) == 0 && !strcmp(in.cmd, "run"),
		   "ONBUILD triggers parse as single lines");
		df_instr_clear(&in);
		is_str(dockerfile_platform_arg("TARGETARCH"), "amd64", "TARGETARCH is predefined");
		is_str(dockerfile_platform_arg("BUILDPLATFORM"), "linux/amd64", "BUILDPLATFORM is predefined");
	}
	return done_testing();
}
