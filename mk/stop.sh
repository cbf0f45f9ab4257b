#!/bin/sh
# mk/stop.sh: stop what `make run` started (the course registry).  Its
# storage and berth's mirror setting stay, so `make run` brings back the
# same registry.
set -eu
B=${1:-build}
BERTH="$B/bin/berth"
ROOT=${BERTH_ROOT:-$("$BERTH" info 2>/dev/null | sed -n 's/^ Berth Root Dir: //p')}
[ -n "$ROOT" ] || exit 0
DIR="$ROOT/registry"
PIDFILE="$DIR/registry.pid"
[ -f "$PIDFILE" ] || { echo "Course registry is not running"; exit 0; }
pid=$(cat "$PIDFILE")
# Only our own docker-registry, never a process that reused the pid.
if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "docker-registry serve $DIR/config.yml"; then
	kill "$pid"
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	echo "Course registry stopped"
else
	echo "Course registry is not running"
fi
rm -f "$PIDFILE"
