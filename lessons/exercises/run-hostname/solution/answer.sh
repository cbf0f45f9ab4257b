#!/bin/sh
berth run --rm busybox hostname
