#!/bin/sh
berth verison
