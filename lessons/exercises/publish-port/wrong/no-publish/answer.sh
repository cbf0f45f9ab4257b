#!/bin/sh
# the server runs, but only inside the container's own network namespace
berth run -d --name web busybox \
	sh -c 'mkdir -p /www && echo "hello from berth" > /www/index.html && exec httpd -f -p 80 -h /www'
