#!/bin/sh
# right name, but the stopped container stays behind
berth run busybox hostname
