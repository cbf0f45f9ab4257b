#!/bin/sh
# matches the cgroup driver too
berth info | grep Driver
