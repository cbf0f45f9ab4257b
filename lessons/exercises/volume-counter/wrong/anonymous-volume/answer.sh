#!/bin/sh
# -v /data makes a new anonymous volume for every container
for i in 1 2 3; do
	berth run --rm -v /data busybox \
		sh -c 'n=$(cat /data/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/count; echo "visit $n"'
done
