#!/bin/sh
set -e
# Build hello:v1 from a Dockerfile given on standard input ("-": no build context).
berth build -t hello:v1 - <<'DOCKERFILE'
FROM busybox
CMD ["echo", "hello from the registry"]
DOCKERFILE

# Now tag it for the registry at localhost:5000 and push it.
# a tag is only a local name until it is pushed
berth tag hello:v1 localhost:5000/course/hello:v1
