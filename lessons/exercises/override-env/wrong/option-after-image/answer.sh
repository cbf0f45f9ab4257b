#!/bin/sh
# after the image name, -e is the command to run, not an option
berth run --rm busybox -e GREETING=annyeong sh -c 'echo "$GREETING from the container"'
