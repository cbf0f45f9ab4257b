#!/bin/sh
berth run -d --name files -p 8089:80 -v "$(pwd)/site:/www:ro" busybox httpd -f -p 80 -h /www
