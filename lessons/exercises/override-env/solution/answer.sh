#!/bin/sh
berth run --rm -e GREETING=annyeong busybox sh -c 'echo "$GREETING from the container"'
