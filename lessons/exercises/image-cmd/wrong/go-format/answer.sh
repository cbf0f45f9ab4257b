#!/bin/sh
berth images
# Go's own formatting prints [sh], not JSON
berth image inspect --format '{{.Config.Cmd}}' busybox
