#!/bin/sh
# version describes the programs, not where they keep data
berth version | grep "Dir"
