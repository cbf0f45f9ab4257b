#!/bin/sh
# two cgroup lines, but no CPUs or memory
berth info | grep Cgroup
