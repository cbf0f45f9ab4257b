#!/bin/sh
# the host's shell expands $GREETING (empty) before berth runs: prints " from the container"
berth run --rm -e GREETING=annyeong busybox echo "$GREETING from the container"
