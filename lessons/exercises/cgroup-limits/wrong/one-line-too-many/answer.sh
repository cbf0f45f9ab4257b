#!/bin/sh
# "Cgroup" also matches the Cgroup Driver line: four lines
berth info | grep -E "Cgroup|CPUs|Total Memory"
