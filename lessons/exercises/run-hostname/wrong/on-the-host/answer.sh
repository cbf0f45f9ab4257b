#!/bin/sh
# runs hostname on the host, not in a container
hostname
