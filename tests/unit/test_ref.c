/* test_ref.c: image references parse and normalise as docker's do.  The
 * cases are those of github.com/distribution/reference (reference_test.go,
 * normalize_test.go), which docker, containerd and the registry share. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/ref.h"
#include "../../engine/core/util.h"
#include "../../engine/core/cleanup.h"

#include <stdlib.h>
#include <string.h>

#define F64 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

/* reference.Parse: input, error substring (NULL: valid), name, domain, tag, digest. */
static const struct {
	const char *in, *err, *name, *domain, *tag, *digest;
} parse_cases[] = {
	{"test_com", NULL, "test_com", "", NULL, NULL},
	{"test.com:tag", NULL, "test.com", "", "tag", NULL},
	{"test.com:5000", NULL, "test.com", "", "5000", NULL},
	{"test.com/repo:tag", NULL, "test.com/repo", "test.com", "tag", NULL},
	{"test:5000/repo", NULL, "test:5000/repo", "test:5000", NULL, NULL},
	{"test:5000/repo:tag", NULL, "test:5000/repo", "test:5000", "tag", NULL},
	{"test:5000/repo@sha256:" F64, NULL, "test:5000/repo", "test:5000", NULL, "sha256:" F64},
	{"test:5000/repo:tag@sha256:" F64, NULL, "test:5000/repo", "test:5000", "tag", "sha256:" F64},
	{"", "must have at least one component", NULL, NULL, NULL, NULL},
	{":justtag", "invalid reference format", NULL, NULL, NULL, NULL},
	{"@sha256:" F64, "invalid reference format", NULL, NULL, NULL, NULL},
	{"repo@sha256:ffffffffffffffffffffffffffffffffff", "invalid checksum digest length", NULL, NULL, NULL, NULL},
	{"validname@invaliddigest:" F64, "unsupported digest algorithm", NULL, NULL, NULL, NULL},
	{"Uppercase:tag", "must be lowercase", NULL, NULL, NULL, NULL},
	{"Uppercase/lowercase:tag", NULL, "Uppercase/lowercase", "Uppercase", "tag", NULL},
	{"test:5000/Uppercase/lowercase:tag", "must be lowercase", NULL, NULL, NULL, NULL},
	{"lowercase:Uppercase", NULL, "lowercase", "", "Uppercase", NULL},
	{"aa/asdf$$^/aa", "invalid reference format", NULL, NULL, NULL, NULL},
	{"sub-dom1.foo.com/bar/baz/quux", NULL, "sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", NULL, NULL},
	{"sub-dom1.foo.com/bar/baz/quux:some-long-tag", NULL, "sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com",
	 "some-long-tag", NULL},
	{"b.gcr.io/test.example.com/my-app:test.example.com", NULL, "b.gcr.io/test.example.com/my-app", "b.gcr.io",
	 "test.example.com", NULL},
	{"xn--n3h.com/myimage:xn--n3h.com", NULL, "xn--n3h.com/myimage", "xn--n3h.com", "xn--n3h.com", NULL},
	{"xn--7o8h.com/myimage:xn--7o8h.com@sha512:" F64 F64, NULL, "xn--7o8h.com/myimage", "xn--7o8h.com",
	 "xn--7o8h.com", "sha512:" F64 F64},
	{"foo_bar.com:8080", NULL, "foo_bar.com", "", "8080", NULL},
	{"foo/foo_bar.com:8080", NULL, "foo/foo_bar.com", "foo", "8080", NULL},
	{"192.168.1.1", NULL, "192.168.1.1", "", NULL, NULL},
	{"192.168.1.1:tag", NULL, "192.168.1.1", "", "tag", NULL},
	{"192.168.1.1:5000", NULL, "192.168.1.1", "", "5000", NULL},
	{"192.168.1.1/repo", NULL, "192.168.1.1/repo", "192.168.1.1", NULL, NULL},
	{"192.168.1.1:5000/repo", NULL, "192.168.1.1:5000/repo", "192.168.1.1:5000", NULL, NULL},
	{"192.168.1.1:5000/repo:5050", NULL, "192.168.1.1:5000/repo", "192.168.1.1:5000", "5050", NULL},
	{"[2001:db8::1]", "invalid reference format", NULL, NULL, NULL, NULL},
	{"[2001:db8::1]:5000", "invalid reference format", NULL, NULL, NULL, NULL},
	{"[2001:db8::1]:tag", "invalid reference format", NULL, NULL, NULL, NULL},
	{"[2001:db8::1]/repo", NULL, "[2001:db8::1]/repo", "[2001:db8::1]", NULL, NULL},
	{"[2001:db8:1:2:3:4:5:6]/repo:tag", NULL, "[2001:db8:1:2:3:4:5:6]/repo", "[2001:db8:1:2:3:4:5:6]", "tag", NULL},
	{"[2001:db8::1]:5000/repo", NULL, "[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", NULL, NULL},
	{"[2001:db8::1]:5000/repo:tag", NULL, "[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "tag", NULL},
	{"[2001:db8::1]:5000/repo@sha256:" F64, NULL, "[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", NULL,
	 "sha256:" F64},
	{"[2001:db8::]:5000/repo", NULL, "[2001:db8::]:5000/repo", "[2001:db8::]:5000", NULL, NULL},
	{"[::1]:5000/repo", NULL, "[::1]:5000/repo", "[::1]:5000", NULL, NULL},
	{"[fe80::1%eth0]:5000/repo", "invalid reference format", NULL, NULL, NULL, NULL},
	{"[fe80::1%@invalidzone]:5000/repo", "invalid reference format", NULL, NULL, NULL, NULL},
	{"repo@sha256:" F64 "0", "invalid checksum digest length", NULL, NULL, NULL, NULL},
	{"repo@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", "invalid checksum digest format",
	 NULL, NULL, NULL, NULL},
	{"repo:-tag", "invalid reference format", NULL, NULL, NULL, NULL},
	{"repo:" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	 "invalid reference format", NULL, NULL, NULL, NULL},
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		cleanup_berr berr_t err = NULL;
		struct ref r;
		int rc = ref_parse_canonical(parse_cases[i].in, &r, &err);
		if (parse_cases[i].err) {
			ok(rc < 0 && err && strstr(err->msg, parse_cases[i].err), "Parse(%.40s) fails: %s", parse_cases[i].in,
			   parse_cases[i].err);
			if (rc == 0)
				ref_free(&r);
			else if (err && !strstr(err->msg, parse_cases[i].err))
				printf("#   got: %s\n", err->msg);
			continue;
		}
		if (rc < 0) {
			ok(0, "Parse(%.40s) succeeds (got: %s)", parse_cases[i].in, err ? err->msg : "?");
			continue;
		}
		cleanup_free char *name = ref_name(&r);
		is_str(name, parse_cases[i].name, "Parse(%.40s) name", parse_cases[i].in);
		is_str(r.domain ? r.domain : "", parse_cases[i].domain, "Parse(%.40s) domain", parse_cases[i].in);
		is_str(r.tag, parse_cases[i].tag, "Parse(%.40s) tag", parse_cases[i].in);
		is_str(r.digest, parse_cases[i].digest, "Parse(%.40s) digest", parse_cases[i].in);
		cleanup_free char *back = ref_string(&r);
		is_str(back, parse_cases[i].in, "Parse(%.40s) prints back unchanged", parse_cases[i].in);
		ref_free(&r);
	}
}

static void test_name_length(void)
{
	cleanup_free char *longname = xmalloc(600);
	cleanup_berr berr_t err = NULL;
	struct ref r;

	longname[0] = '\0';
	for (int i = 0; i < 128; i++)
		strcat(longname, "a/");
	strcat(longname, "a:tag");
	ok(ref_parse_canonical(longname, &r, &err) < 0 && strstr(err->msg, "not be more than 255"),
	   "a 257-character name is too long");
	berr_free(&err);
	longname[0] = '\0';
	for (int i = 0; i < 127; i++)
		strcat(longname, "a/");
	strcat(longname, "a:tag-puts-this-over-max");
	ok(ref_parse_canonical(longname, &r, &err) == 0, "a 255-character name with a tag is fine");
	if (!err)
		ref_free(&r);
}

/* normalize_test.go TestValidateReferenceName / TestValidateRemoteName */
static const char *const valid_names[] = {
	"docker/docker", "library/debian", "debian", "docker.io/docker/docker", "docker.io/library/debian",
	"docker.io/debian", "index.docker.io/docker/docker", "index.docker.io/library/debian", "index.docker.io/debian",
	"127.0.0.1:5000/docker/docker", "127.0.0.1:5000/library/debian", "127.0.0.1:5000/debian", "192.168.0.1",
	"192.168.0.1:80", "192.168.0.1:8/debian", "192.168.0.2:25000/debian",
	"thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "[fc00::1]:5000/docker",
	"[fc00::1]:5000/docker/docker", "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
	"docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "Docker/docker", "DOCKER/docker",
	"docker-rules/docker", "docker---rules/docker", "doc/docker", "d/docker", "jess/t", "dock__er/docker",
};
static const char *const invalid_names[] = {
	"https://github.com/docker/docker", "docker/Docker", "-docker", "-docker/docker", "-docker.io/docker/docker",
	"docker///docker", "docker.io/docker/Docker", "docker.io/docker///docker", "[fc00::1]", "[fc00::1]:5000",
	"fc00::1:5000/debian", "[fe80::1%eth0]:5000/debian", "[2001:db8:3:4::192.0.2.33]:5000/debian",
	"1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "docker-/docker", "-docker-/docker",
	"____/____", "_docker/_docker", "dock..er/docker", "dock_.er/docker", "dock-.er/docker", "docker/",
	"this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_"
	"lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_"
	"valid_namespace_because_its_lenth_is_greater_than_255/docker",
};

static void test_validate(void)
{
	for (size_t i = 0; i < sizeof(valid_names) / sizeof(valid_names[0]); i++) {
		cleanup_berr berr_t err = NULL;
		struct ref r;
		int rc = ref_parse(valid_names[i], &r, &err);
		ok(rc == 0, "ParseNormalizedNamed(%.40s) is valid%s%s", valid_names[i], err ? ": " : "",
		   err ? err->msg : "");
		if (rc == 0)
			ref_free(&r);
	}
	for (size_t i = 0; i < sizeof(invalid_names) / sizeof(invalid_names[0]); i++) {
		cleanup_berr berr_t err = NULL;
		struct ref r;
		int rc = ref_parse(invalid_names[i], &r, &err);
		ok(rc < 0 && err && err->status == 125, "ParseNormalizedNamed(%.40s) is refused (exit 125)",
		   invalid_names[i]);
		if (rc == 0)
			ref_free(&r);
	}
}

/* normalize_test.go TestParseRepositoryInfo: every spelling gives the same
 * familiar name, full name and domain. */
static const struct {
	const char *familiar, *full, *ambiguous, *domain;
} repo_info[] = {
	{"fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar", "docker.io"},
	{"ubuntu", "docker.io/library/ubuntu", "library/ubuntu", "docker.io"},
	{"nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", NULL, "docker.io"},
	{"other/library", "docker.io/other/library", NULL, "docker.io"},
	{"127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase", NULL, "127.0.0.1:8000"},
	{"127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", NULL, "127.0.0.1:8000"},
	{"example.com/private/moonbase", "example.com/private/moonbase", NULL, "example.com"},
	{"example.com:8000/privatebasee", "example.com:8000/privatebasee", NULL, "example.com:8000"},
	{"ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base", "index.docker.io/library/ubuntu-12.04-base",
	 "docker.io"},
	{"foo", "docker.io/library/foo", "docker.io/foo", "docker.io"},
	{"library/foo/bar", "docker.io/library/foo/bar", NULL, "docker.io"},
	{"store/foo/bar", "docker.io/store/foo/bar", NULL, "docker.io"},
	{"Foo/bar", "Foo/bar", NULL, "Foo"},
	{"FOO/bar", "FOO/bar", NULL, "FOO"},
	{"localhost/privatebase", "localhost/privatebase", NULL, "localhost"},
	{"localhost:5000/a/b", "localhost:5000/a/b", NULL, "localhost:5000"},
};

static void test_repo_info(void)
{
	for (size_t i = 0; i < sizeof(repo_info) / sizeof(repo_info[0]); i++) {
		const char *spellings[3] = {repo_info[i].familiar, repo_info[i].full, repo_info[i].ambiguous};
		for (int k = 0; k < 3 && spellings[k]; k++) {
			cleanup_berr berr_t err = NULL;
			struct ref r;
			if (ref_parse(spellings[k], &r, &err) < 0) {
				ok(0, "%s parses (%s)", spellings[k], err->msg);
				continue;
			}
			cleanup_free char *fam = ref_familiar_name(&r);
			cleanup_free char *full = ref_name(&r);
			is_str(fam, repo_info[i].familiar, "%s: familiar name", spellings[k]);
			is_str(full, repo_info[i].full, "%s: full name", spellings[k]);
			is_str(r.domain, repo_info[i].domain, "%s: domain", spellings[k]);
			ref_free(&r);
		}
	}
}

static void test_tags_and_digests(void)
{
	cleanup_berr berr_t err = NULL;
	struct ref r;
	const char *sr = "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";

	ok(ref_parse(sr, &r, &err) == 0, "name:tag@digest parses");
	{
		cleanup_free char *s = ref_string(&r);
		cleanup_free char *f = ref_familiar(&r);
		is_str(s, "docker.io/library/busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
		       "full string keeps tag and digest");
		is_str(f, sr, "familiar string is what was typed");
	}
	ref_free(&r);

	ok(ref_parse_default_tag("busybox", &r, &err) == 0, "busybox parses");
	{
		cleanup_free char *s = ref_string(&r);
		cleanup_free char *f = ref_familiar(&r);
		is_str(s, "docker.io/library/busybox:latest", "busybox is docker.io/library/busybox:latest");
		is_str(f, "busybox:latest", "and shows as busybox:latest");
	}
	ref_free(&r);

	ok(ref_parse_default_tag("localhost:5000/team/app@sha256:" F64, &r, &err) == 0, "digest reference parses");
	ok(r.tag == NULL, "a digest reference gets no default tag");
	ref_free(&r);

	ok(ref_parse("Busybox", &r, &err) < 0, "Busybox is refused");
	is_str(err ? err->msg : NULL, "invalid reference format: repository name (library/Busybox) must be lowercase",
	       "with docker's message");
	berr_free(&err);
	ok(ref_parse("1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", &r, &err) < 0 &&
		   strstr(err->msg, "cannot specify 64-byte hexadecimal strings"),
	   "a bare 64-hex name is refused as docker does");
	berr_free(&err);
	ok(ref_parse("ab:cd:ef", &r, &err) < 0 && strcmp(err->msg, "invalid reference format") == 0,
	   "ab:cd:ef: invalid reference format");
	berr_free(&err);

	{
		cleanup_free char *a = ref_familiarize("docker.io/library/busybox:latest");
		cleanup_free char *b = ref_familiarize("docker.io/someone/app:1");
		cleanup_free char *c = ref_familiarize("localhost:5000/app:1");
		is_str(a, "busybox:latest", "familiarize library image");
		is_str(b, "someone/app:1", "familiarize user image");
		is_str(c, "localhost:5000/app:1", "familiarize keeps other registries");
	}
	ok(ref_valid_tag("v1.0_rc-2") && !ref_valid_tag(".x") && !ref_valid_tag(""), "tag grammar");
	ok(ref_valid_digest("sha256:" F64) && !ref_valid_digest("sha256:abc") && !ref_valid_digest("md5:" F64),
	   "digest grammar");
}

int main(void)
{
	test_parse();
	test_name_length();
	test_validate();
	test_repo_info();
	test_tags_and_digests();
	return done_testing();
}
