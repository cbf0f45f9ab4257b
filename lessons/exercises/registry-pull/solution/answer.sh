#!/bin/sh
berth pull localhost:5000/course/busybox:latest
