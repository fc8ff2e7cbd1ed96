#!/bin/sh
# The system tools the tests run for real, each with the Debian package that has it.
# `make test` runs this first: as root it installs what is missing with apt-get; otherwise
# it prints the one command to run and stops.
set -eu
missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need prometheus prometheus                          # scraping, rules, the dashboard's queries
need promtool prometheus                            # check metrics/rules, test rules
need prometheus-alertmanager prometheus-alertmanager
need amtool prometheus-alertmanager                 # check-config of deploy/alertmanager
need docker-compose docker-compose                  # config check of deploy/compose
need systemd-analyze systemd                        # verify of deploy/systemd
need openssl openssl                                # the TLS tests' certificates
need tinyproxy tinyproxy-bin                        # the forward proxy of the proxy tests
need faketime faketime                              # libfaketime: the clock-step tests
need prlimit util-linux                             # file and descriptor limits (faults)
need chromium chromium                              # the landing page in a real browser
need kubectl kubectl                                # kustomize renders the scale-out manifests
[ -z "$missing" ] && exit 0
packages=$(printf '%s\n' $missing | sort -u | tr '\n' ' ')
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing the test tools: $packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
else
  echo "the tests need system tools that are missing; install them with:" >&2
  echo "  sudo apt-get install -y $packages" >&2
  exit 1
fi
