/* fuzz_frontmatter.c: a lesson file of arbitrary bytes through the course
 * loader (front matter split, YAML, every key's checks), in a one-lesson
 * course written to a temporary directory. */
#define _GNU_SOURCE
#include "../../course/course.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void put(const char *rel, const void *data, size_t n)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, n, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_frontmatter.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		char p[128];
		snprintf(p, sizeof(p), "%s/ko", dir);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/en", dir);
		mkdir(p, 0755);
		static const char course[] = "sections:\n  - id: basics\n    title: {ko: 기초, en: Basics}\n";
		put("course.yaml", course, sizeof(course) - 1);
		static const char en[] = "---\nid: a\ntitle: A\nsection: basics\norder: 1\nsummary: s\n---\nbody\n";
		put("en/01-a.md", en, sizeof(en) - 1);
	}
	/* The Korean lesson is the input; half the time the glossary too. */
	put("ko/01-a.md", data, size);
	char g[128];
	snprintf(g, sizeof(g), "%s/glossary.yaml", dir);
	if (size && (data[size - 1] & 1))
		put("glossary.yaml", data, size);
	else
		unlink(g);

	struct course *c = NULL;
	berr_t err = NULL;
	if (course_load(dir, &c, &err) == 0)
		course_free(c);
	berr_free(&err);

	char *text = malloc(size + 1), *yaml = NULL;
	memcpy(text, data, size);
	text[size] = '\0';
	const char *body;
	int line;
	if (front_matter_split(text, "fuzz.md", &yaml, &body, &line, &err) == 0)
		free(yaml);
	berr_free(&err);
	free(text);
	return 0;
}
