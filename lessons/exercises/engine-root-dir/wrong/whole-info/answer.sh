#!/bin/sh
# the right line is in there, with thirty others
berth info
