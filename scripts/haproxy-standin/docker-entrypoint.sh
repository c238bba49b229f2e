#!/bin/sh
# Entrypoint of the stand-in haproxy image that scripts/provision-docker builds when the official
# one cannot be pulled; the official image's docker-entrypoint.sh (docker-library/haproxy) does
# the same: options alone run haproxy with them, and haproxy runs in the foreground
# (-db) as master and workers (-W), so that SIGUSR1 (the image's stop signal) stops it softly.
set -e
if [ "${1#-}" != "$1" ]; then
  set -- haproxy "$@"
fi
if [ "$1" = haproxy ]; then
  shift
  set -- haproxy -W -db "$@"
fi
exec "$@"
