#!/bin/sh
# shows the help, not the exercises
berth lab
