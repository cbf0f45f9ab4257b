#!/bin/sh
# Write your command below.
