#!/bin/sh
berth info
