#!/bin/sh
# an image reference is not a URL
berth pull http://localhost:5000/course/busybox:latest
