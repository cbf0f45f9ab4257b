#define _GNU_SOURCE
/* fuzz_registry_auth.c: WWW-Authenticate headers and token answers come
 * from whatever answered on the network; config.json and daemon.json from
 * files a learner may have edited.  The first byte picks the parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/core/auth.h"
#include "../../engine/core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	berr_t err = NULL;
	const char *s;
	size_t n;

	if (size < 1)
		return 0;
	s = (const char *)data + 1;
	n = size - 1;
	switch (data[0] % 5) {
	case 0: {
		struct auth_challenge *c = NULL;
		size_t nc = 0;
		if (auth_parse_challenges(s, n, &c, &nc, &err) == 0) {
			if (nc == 0)
				abort();
			for (size_t i = 0; i < nc; i++)
				if (c[i].realm && strlen(c[i].realm) > n)
					abort();
		}
		auth_challenges_free(c, nc);
		break;
	}
	case 1: {
		char *t = NULL;
		long exp;
		if (auth_parse_token(s, n, &t, &exp, &err) == 0) {
			for (const char *p = t; *p; p++)
				if (*p <= ' ' || *p >= 0x7f)
					abort();
			free(t);
		}
		break;
	}
	case 2: {
		struct auth_cred c;
		bool found;
		if (auth_cred_parse(s, n, "localhost:5000", &c, &found, &err) == 0)
			auth_cred_clear(&c);
		break;
	}
	case 3: {
		struct berth_config c;
		if (config_parse(s, n, "daemon.json", &c, &err) == 0) {
			(void)config_registry_insecure(&c, "10.1.2.3:5000");
			config_clear(&c);
		}
		break;
	}
	case 4: {
		char *z = strndup(s, n), *u = NULL, *p = NULL;
		if (z && auth_basic_decode(z, &u, &p, &err) == 0 && (!u || !p))
			abort();
		free(z);
		free(u);
		free(p);
		break;
	}
	}
	berr_free(&err);
	return 0;
}
