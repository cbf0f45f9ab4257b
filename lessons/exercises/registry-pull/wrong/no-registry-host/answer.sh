#!/bin/sh
# without a registry host this goes to Docker Hub
berth pull course/busybox:latest
