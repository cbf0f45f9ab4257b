#!/bin/sh
# without -d, berth run waits for the web server, which never ends
berth run --name web -p 8088:80 busybox \
	sh -c 'mkdir -p /www && echo "hello from berth" > /www/index.html && exec httpd -f -p 80 -h /www'
