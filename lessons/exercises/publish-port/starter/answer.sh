#!/bin/sh
# Write your berth run command below.
