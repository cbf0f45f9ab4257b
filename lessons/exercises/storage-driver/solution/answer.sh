#!/bin/sh
berth info | grep "Storage Driver"
