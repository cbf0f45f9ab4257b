/* seccomp.h: docker's default seccomp profile, compiled once, loaded fast.
 *
 * The profile (docker's default.json, as a table in seccomp.c) is turned
 * into a BPF program by libseccomp.  That takes milliseconds, so the program
 * is exported once (seccomp_export_bpf) into <root>/cache/seccomp/<hash>-<caps>.bpf,
 * keyed by a hash of the rules, the capability set they depend on and the
 * architecture; every later start reads those few kilobytes and hands them
 * to seccomp(2) directly.
 */
#ifndef BERTH_SECCOMP_H
#define BERTH_SECCOMP_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "root.h"

/* The BPF program of docker's default profile for a container holding the
 * capability set `caps` (some rules depend on capabilities).  out->filter
 * is malloc'ed; free it with free(). */
int seccomp_default_program(struct berth *b, uint64_t caps, struct sock_fprog *out, berr_t *err);

/* A docker-format profile (--security-opt seccomp=PATH; the JSON text of
 * the file, `len` bytes): _check validates it, errors naming `name` and the
 * field; _program compiles it (NUL-terminated text) for a process holding
 * `caps` (seccomp_profile.c). */
int seccomp_profile_check(const char *text, size_t len, const char *name, berr_t *err);
int seccomp_profile_program(const char *text, uint64_t caps, struct sock_fprog *out, berr_t *err);

/* In the container's process: install the program.  Returns -1 with errno. */
int seccomp_install(const struct sock_fprog *prog);

#endif
