#!/bin/sh
# "site" is read as a volume name: an empty volume, not the directory
berth run -d --name files -p 8089:80 -v site:/www:ro busybox httpd -f -p 80 -h /www
