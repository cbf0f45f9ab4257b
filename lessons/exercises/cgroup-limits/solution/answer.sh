#!/bin/sh
berth info | grep -E "Cgroup Version|CPUs|Total Memory"
