#!/bin/sh
# Write your commands below.
