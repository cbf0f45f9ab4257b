#!/bin/sh
# make run: after the build, load the seed images into the default root,
# start what the course needs, and say where everything is.
set -eu
B=${1:-build}
BERTH="$B/bin/berth"

if [ -d "$B/images" ] && "$BERTH" load --help >/dev/null 2>&1; then
	for img in "$B"/images/*.tar; do
		[ -f "$img" ] || continue
		"$BERTH" load -i "$img" >/dev/null
	done
	echo "Seed images loaded into $("$BERTH" info 2>/dev/null | sed -n 's/^ Berth Root Dir: //p')"
fi
# Later parts of the course (the local registry) hook in here.
if [ -x mk/run-services.sh ]; then
	mk/run-services.sh "$B"
fi

site=$(cd "$B/site" && pwd)
cat <<MSG

berth is built and the course is ready.

  Open the course:   file://$site/index.html
  Engine:            $(pwd)/$BERTH   (copy it onto your PATH, or: make install)
  First command:     $BERTH version

MSG
