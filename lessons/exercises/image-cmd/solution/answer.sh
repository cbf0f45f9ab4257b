#!/bin/sh
berth images
berth image inspect --format '{{json .Config.Cmd}}' busybox
