#!/bin/sh
# Prints the greeting next to this script, with the machine it was built on.
cat "$(dirname "$0")/greeting.txt"
echo "built by $(id -un) on $(uname -m)"
