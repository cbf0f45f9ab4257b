#!/bin/sh
berth version
