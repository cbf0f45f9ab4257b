#!/bin/sh
# each container writes /data/count in its own writable layer, gone with --rm
for i in 1 2 3; do
	berth run --rm busybox \
		sh -c 'mkdir -p /data; n=$(cat /data/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/count; echo "visit $n"'
done
