#!/bin/sh
# Commands load libcurl, libarchive and libcrypto only when they use them
# (mk/lazylib.sh), so `ps` or `images` skip ~6 ms of dynamic loading.  The
# dynamic loader's own trace (LD_DEBUG=files) says what was loaded.
. "$(dirname "$0")/../lib.sh"

if [ "$(uname -m)" != x86_64 ]; then
	echo '1..0 # SKIP lazy binding is built on x86-64 only'; exit 0
fi

loaded() { LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -o 'file=lib[a-z0-9_-]*\.so' | sort -u; }

test_expect_success 'berth ps and images load none of the lazily bound libraries' '
	loaded berth ps >libs && loaded berth images >>libs &&
	! grep -E "libcurl|libarchive|libcrypto|libnftables" libs
'

test_expect_success 'berth load binds libarchive on first use and works' '
	loaded berth load -i "$BERTH_BUILD/images/busybox.tar" >libs &&
	test_grep libarchive libs && test_grep libcrypto libs &&
	! grep libcurl libs &&
	berth image inspect busybox >/dev/null
'

test_expect_success 'berth pull binds libcurl (variadic curl_easy_setopt included) and fails cleanly' '
	test_status 1 berth pull 127.0.0.1:9/nothing:here 2>err &&
	test_grep "Error" err
'

test_expect_success 'berth cp out of a stopped container reads the image through libarchive' '
	berth create --name cpsrc busybox >/dev/null &&
	berth cp cpsrc:/etc/passwd passwd && test_grep "^root:" passwd
'

test_done
