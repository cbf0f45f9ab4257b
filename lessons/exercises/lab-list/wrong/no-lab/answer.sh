#!/bin/sh
# forgot that the course tool lives under "berth lab"
berth list
