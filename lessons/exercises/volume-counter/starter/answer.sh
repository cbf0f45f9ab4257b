#!/bin/sh
# Write your three berth run commands below.
