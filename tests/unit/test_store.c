/* test_store.c: the blob store never shows a blob whose bytes do not hash
 * to its name: writes are verified before the rename, a mismatch leaves
 * nothing, temporaries go away, corruption is detected, and many writers
 * of the same blob agree. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/store.h"
#include "../../engine/core/root.h"
#include "../../engine/core/util.h"
#include "../../engine/core/cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int count_entries(const char *dir)
{
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	return n;
}

int main(void)
{
	char top[] = "/tmp/berth-storetest.XXXXXX";
	struct berth b = {0};
	cleanup_berr berr_t err = NULL;
	char d[DIGEST_LEN], want[DIGEST_LEN];
	cleanup_free char *tmpdir = NULL;
	cleanup_free char *blobdir = NULL;

	if (!mkdtemp(top))
		return 1;
	b.root = top;
	tmpdir = xasprintf("%s/blobs/tmp", top);
	blobdir = xasprintf("%s/blobs/sha256", top);

	sha256_digest("", 0, d);
	is_str(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of nothing");
	sha256_digest("abc", 3, d);
	is_str(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of abc");
	{
		struct sha256 *h = sha256_new();
		sha256_update(h, "a", 1);
		sha256_update(h, "bc", 2);
		sha256_finish(h, d);
		is_str(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "incremental sha256");
	}
	ok(digest_is_sha256("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "valid digest");
	ok(!digest_is_sha256("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"),
	   "uppercase hex is not a store name");
	ok(!digest_is_sha256("sha256:../../etc/passwd"), "a path is not a digest");
	ok(!digest_is_sha256("sha512:ba78"), "other algorithms are not stored");

	/* put / read */
	sha256_digest("hello", 5, want);
	ok(store_put(&b, "hello", 5, want, d, &err) == 0, "store_put with the right digest");
	is_str(d, want, "returns the digest");
	ok(store_has(&b, want), "the blob is there");
	{
		cleanup_free char *data = NULL;
		size_t len;
		ok(store_read(&b, want, &data, &len, &err) == 0 && len == 5 && memcmp(data, "hello", 5) == 0,
		   "store_read gives the bytes back");
	}

	/* mismatch: nothing appears */
	sha256_digest("other", 5, want);
	ok(store_put(&b, "hello", 5, want, d, &err) < 0 && strstr(err->msg, "digest mismatch"),
	   "a wrong expected digest is refused");
	berr_free(&err);
	ok(!store_has(&b, want), "and no blob by that name appears");
	is_int(count_entries(tmpdir), 0, "and no temporary file is left");

	/* streaming writer with a deferred sync */
	{
		struct blob_writer *w;
		sha256_digest("streamed data", 13, want);
		ok(blob_writer_open(&b, BLOB_DEFER_SYNC, &w, &err) == 0, "open a deferred writer");
		blob_writer_write(w, "streamed ", 9, &err);
		blob_writer_write(w, "data", 4, &err);
		ok(blob_writer_commit(w, want, d, NULL, &err) == 0, "commit verifies");
		ok(!store_has(&b, want), "a deferred blob is invisible before publish");
		ok(store_sync(&b, &err) == 0 && blob_writer_publish(w, &err) == 0, "sync then publish");
		ok(store_has(&b, want), "now it is there");
		blob_writer_free(w);
	}
	/* caller-hashed writer */
	{
		struct blob_writer *w;
		sha256_digest("xyz", 3, want);
		blob_writer_open(&b, BLOB_CALLER_HASHES, &w, &err);
		blob_writer_write(w, "xyz", 3, &err);
		blob_writer_set_digest(w, "sha256:0000000000000000000000000000000000000000000000000000000000000000");
		ok(blob_writer_commit(w, want, NULL, NULL, &err) < 0, "a caller digest that differs from expected fails");
		berr_free(&err);
		blob_writer_free(w);
		is_int(count_entries(tmpdir), 0, "the failed writer's temporary is removed");
	}
	/* abandon */
	{
		struct blob_writer *w;
		blob_writer_open(&b, 0, &w, &err);
		blob_writer_write(w, "half", 4, &err);
		blob_writer_free(w);
		is_int(count_entries(tmpdir), 0, "an abandoned writer leaves nothing");
	}

	/* corruption is detected */
	sha256_digest("hello", 5, want);
	ok(store_verify(&b, want, &err) == 0, "an intact blob verifies");
	{
		cleanup_free char *p = store_blob_path(&b, want);
		int fd = open(p, O_WRONLY | O_APPEND);
		if (write(fd, "!", 1) != 1)
			ok(0, "append");
		close(fd);
		ok(store_verify(&b, want, &err) < 0 && strstr(err->msg, "corrupt"), "a changed blob is reported corrupt");
		berr_free(&err);
		cleanup_free char *data = NULL;
		ok(store_read(&b, want, &data, NULL, &err) < 0, "and store_read refuses it");
		berr_free(&err);
		ok(store_remove(&b, want, &err) == 0 && !store_has(&b, want), "store_remove");
	}
	ok(store_open(&b, "sha256:../../x", &(int){0}, &err) < 0, "store_open refuses a non-digest");
	berr_free(&err);

	/* Twenty writers of the same blob at once: one blob, intact. */
	{
		static char big[1 << 20];
		for (size_t i = 0; i < sizeof(big); i++)
			big[i] = (char)(i * 7 + i / 4096);
		sha256_digest(big, sizeof(big), want);
		for (int i = 0; i < 20; i++) {
			if (fork() == 0) {
				cleanup_berr berr_t e = NULL;
				struct berth bc = {.root = top};
				_exit(store_put(&bc, big, sizeof(big), want, NULL, &e) == 0 ? 0 : 1);
			}
		}
		int bad = 0, status;
		while (wait(&status) > 0)
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				bad++;
		is_int(bad, 0, "twenty concurrent writers of one blob all succeed");
		ok(store_verify(&b, want, &err) == 0, "and the blob is intact");
		is_int(count_entries(tmpdir), 0, "with no temporaries left");
	}
	remove_tree(top, &err);
	return done_testing();
}
