/* course.h: the course model — sections, lessons and exercises — loaded
 * from lessons/ and validated in one place.  The site generator and the
 * grader both read the course through this; neither parses lessons or
 * exercise specs on its own.  The format is documented in lessons/README.md.
 */
#ifndef BERTH_COURSE_H
#define BERTH_COURSE_H

#include <stdbool.h>
#include <stddef.h>
#include "../engine/core/err.h"

#define COURSE_LANGS 2
extern const char *const course_langs[COURSE_LANGS]; /* "ko", "en": Korean first */

/* Text in each language, indexed like course_langs. */
struct i18n {
	char *text[COURSE_LANGS];
};

struct section {
	char *id;
	struct i18n title;
};

struct lesson {
	char *id;
	char *lang;
	char *path;          /* lessons/ko/01-what-is-a-container.md */
	char *title;
	char *section;       /* a section id */
	int order;
	char *summary;
	char **objectives;   /* NULL-terminated */
	int duration;        /* minutes */
	char **exercises;    /* exercise ids, NULL-terminated */
	bool allow_html;     /* raw HTML in the body is kept instead of escaped */
	char *body;          /* Markdown after the front matter */
	int body_line;       /* line number of the body's first line */
	int id_line, section_line, exercises_line;   /* where they are written */
};

/* What a check expects of one command run in the learner's work dir. */
struct check {
	char *run;           /* shell command */
	int exit_code;       /* expected exit status, -1: any */
	char *stdout_has;    /* a substring stdout must contain, or NULL */
	char *stderr_has;
	int line;            /* where the check is written, for messages */
};

struct exercise {
	char *id;
	char *dir;           /* lessons/exercises/<id> */
	struct i18n title;
	struct i18n task;
	char **hints[COURSE_LANGS];
	char *answer;        /* the file the learner edits, e.g. answer.sh */
	int timeout;         /* seconds for the whole attempt */
	struct check *checks;
	size_t n_checks;
	char **wrong;        /* known-wrong answers: dirs under the exercise */
};

/* A glossary entry (glossary.yaml): one term in both languages. */
struct glossary_term {
	char *id;            /* a-z, 0-9, -: the anchor term-<id> */
	struct i18n term;    /* the word itself, ko and en */
	struct i18n def;     /* a short definition (Markdown), ko and en */
	char **see;          /* lesson ids, NULL-terminated */
	int line;
};

struct course {
	char *dir;
	struct section *sections;
	size_t n_sections;
	struct lesson *lessons;   /* sorted by section order, then order, then lang */
	size_t n_lessons;
	struct exercise *exercises;
	size_t n_exercises;
	struct glossary_term *terms;   /* in file order; empty without glossary.yaml */
	size_t n_terms;
};

/* Load and validate lessons/ (course.yaml, ko/, en/, exercises/).  Every
 * error names file:line. */
int course_load(const char *dir, struct course **out, berr_t *err);
void course_free(struct course *c);

const struct exercise *course_exercise(const struct course *c, const char *id);
const struct lesson *course_lesson(const struct course *c, const char *id, const char *lang);
int course_section_index(const struct course *c, const char *id);

/* Load and check glossary.yaml in the course (optional: no file, no
 * terms); lessons must be loaded first, since terms point at them. */
int glossary_load(struct course *c, berr_t *err);
void glossary_free(struct course *c);

/* Load one exercise spec (exercise.yaml in dir). */
int exercise_load(const char *dir, struct exercise *out, berr_t *err);
void exercise_free(struct exercise *e);

/* Split "---\nYAML\n---\nbody" into its two parts; *yaml is NULL when the
 * file has no front matter. body_line is where the body starts. */
int front_matter_split(const char *text, const char *name, char **yaml, const char **body, int *body_line,
		       berr_t *err);

/* Helpers for course files: a {ko:, en:} map (or one text for both), and a
 * list of texts as a NULL-terminated array. */
struct ynode;
int course_i18n(const struct ynode *n, const char *file, const char *key, struct i18n *out, bool required,
		berr_t *err);
int course_strv(const struct ynode *n, const char *file, const char *key, char ***out, berr_t *err);

/* Where lessons/ is: $BERTH_LAB_COURSE, else next to the binary (a build
 * tree: ../../lessons; an install: ../share/berth/lessons). */
char *course_default_dir(void);

#endif
