#!/bin/sh
# Image layers are unpacked once and shared read-only: starting 100
# containers from one image adds no per-container copy of its layers, only
# each container's own (empty) upper directory.
. "$(dirname "$0")/../lib.sh"

setup_containers

layer=$(ls -d "$BERTH_ROOT"/layers/*/bin/busybox | head -n1)

test_expect_success 'start 100 containers from one image' '
	berth run -d --name c1 busybox sleep 600 >/dev/null 2>err &&
	if grep -q "overlayfs refused" err; then
		echo "overlayfs is refused here: the flattened fallback copies by design" >&2
		touch flattened
	fi &&
	for i in $(seq 2 100); do
		berth run -d --name c$i busybox sleep 600 >/dev/null || return 1
	done &&
	test "$(berth ps -q | wc -l)" = 100
'

if test -f "$TMP/flattened"; then
	test_skip 'containers share the layer files' 'overlayfs is refused here; the fallback copies by design'
else
test_expect_success 'every container sees the layer files themselves (same inode), not copies' '
	want=$(stat -c %i "$layer") &&
	for i in 1 37 100; do
		test "$(berth exec c$i stat -c %i /bin/busybox)" = "$want" || return 1
	done
'

# Each container has a few small files of its own (hosts, log, config),
# some kB; a copy of the layer would be 2 MB each.
test_expect_success 'the layers are not duplicated; a container takes kilobytes, not a layer copy' '
	test "$(ls "$BERTH_ROOT/layers" | grep -vc "^l$")" = 1 &&
	layer_kb=$(du -skx "$BERTH_ROOT/layers" | cut -f1) &&
	ctr_kb=$(du -skx "$BERTH_ROOT/containers" | cut -f1) &&
	echo "layers: $layer_kb kB, 100 containers: $ctr_kb kB" &&
	test "$layer_kb" -gt 1000 && test "$ctr_kb" -lt $((100 * 64)) &&
	test -z "$(find "$BERTH_ROOT"/containers/*/upper -mindepth 1 -type f)"
'

fi

test_expect_success 'remove them all; nothing leaks' '
	berth rm -f $(berth ps -aq) >/dev/null &&
	check_no_leaks
'

test_done
