#!/bin/sh
berth lab list
