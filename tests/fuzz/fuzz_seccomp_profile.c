/* fuzz_seccomp_profile.c: the docker-format seccomp profile parser
 * (seccomp_profile_check) on arbitrary bytes: it must accept or refuse
 * with a message naming the profile, never crash or leak; what it accepts
 * must also compile into a BPF program. */
#include "../../engine/core/caps.h"
#include "../../engine/core/seccomp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	berr_t err = NULL;
	if (seccomp_profile_check((const char *)data, size, "fuzz.json", &err) == 0) {
		char *text = malloc(size + 1);
		memcpy(text, data, size);
		text[size] = '\0';
		struct sock_fprog prog = {0};
		/* Text with a NUL inside parses shorter: it may fail then. */
		if (seccomp_profile_program(text, caps_default(), &prog, &err) == 0) {
			if (prog.len == 0 || !prog.filter)
				abort();
			free(prog.filter);
		} else if (strlen(text) == size) {
			abort();
		}
		free(text);
	} else if (!err || !strstr(err->msg, "fuzz.json")) {
		abort();
	}
	berr_free(&err);
	return 0;
}
