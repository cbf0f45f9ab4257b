#!/bin/sh
set -e
# Build hello:v1 from a Dockerfile given on standard input ("-": no build context).
berth build -t hello:v1 - <<'DOCKERFILE'
FROM busybox
CMD ["echo", "hello from the registry"]
DOCKERFILE

# Now tag it for the registry at localhost:5000 and push it.
# no registry in the name: push heads for Docker Hub
berth tag hello:v1 course/hello:v1
berth push course/hello:v1
