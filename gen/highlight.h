/* highlight.h: syntax highlighting at build time, for the languages a
 * container course shows: Dockerfile, YAML, shell, console sessions and
 * JSON.  The output is escaped HTML with <span class="hl-X"> around tokens;
 * the site needs no client-side highlighter and nothing from a CDN.
 *
 * Token classes (styled in assets/style.css):
 *   hl-k keyword/instruction   hl-s string     hl-c comment   hl-v variable
 *   hl-n number/literal        hl-f flag       hl-a key/attr  hl-b command
 *   hl-o operator              hl-p prompt     hl-out console output
 */
#ifndef BERTH_HIGHLIGHT_H
#define BERTH_HIGHLIGHT_H

enum hl_lang { HL_NONE, HL_DOCKERFILE, HL_YAML, HL_SHELL, HL_CONSOLE, HL_JSON };

/* The language a fence info string ("console", "yml", "Dockerfile") or a
 * file name ("compose.yaml", "answer.sh") names; HL_NONE when unknown. */
enum hl_lang hl_lang_from_info(const char *info);
enum hl_lang hl_lang_from_filename(const char *name);
/* The canonical name of a language ("dockerfile", ...), "" for HL_NONE. */
const char *hl_lang_name(enum hl_lang lang);

/* Highlight code: escaped HTML (malloc'd) with spans, no <pre>. */
char *highlight(enum hl_lang lang, const char *code);

/* The commands of a console session, one per line: the text after each
 * "$ " prompt, with backslash-continued lines joined into one.  Output
 * lines are left out.  What the copy button copies (malloc'd). */
char *console_commands(const char *code);

#endif
