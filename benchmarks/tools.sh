#!/bin/sh
# The tool `make bench` compares against: blackbox_exporter (Debian package
# prometheus-blackbox-exporter). No test needs it, so tests/system-tools.sh leaves it out.
# As root it is installed with apt-get when missing; otherwise the benchmarks run without
# the ratios to it, and this prints the command that installs it.
set -eu
command -v prometheus-blackbox-exporter >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing the benchmark tools: prometheus-blackbox-exporter"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-blackbox-exporter >/dev/null
else
  echo "blackbox_exporter is missing, so make bench skips the ratios to it; install it with:" >&2
  echo "  sudo apt-get install -y prometheus-blackbox-exporter" >&2
fi
