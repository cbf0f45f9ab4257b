#!/bin/sh
# serves the page, but the container could also change your files
berth run -d --name files -p 8089:80 -v "$(pwd)/site:/www" busybox httpd -f -p 80 -h /www
