#!/bin/sh
# container port first: publishes host port 80 to container port 8088, where nothing listens
berth run -d --name web -p 80:8088 busybox \
	sh -c 'mkdir -p /www && echo "hello from berth" > /www/index.html && exec httpd -f -p 80 -h /www'
