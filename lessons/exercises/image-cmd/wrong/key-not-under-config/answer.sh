#!/bin/sh
berth images
# Cmd is a field of .Config, not of the top level
berth image inspect --format '{{json .Cmd}}' busybox
