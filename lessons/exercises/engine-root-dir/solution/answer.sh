#!/bin/sh
berth info | grep "Root Dir"
