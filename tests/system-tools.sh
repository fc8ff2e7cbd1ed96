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
# kubectl (its kustomize renders the scale-out manifests) is not in Debian's main archive
# in a version new enough (kubernetes-client 1.20 embeds kustomize v2, which lacks the
# manifests' `labels`, `patches`, `replacements`): from the Kubernetes repository when
# apt knows it, else the line below says where to get it.
kubectl_ok() {
  major=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p')
  [ -n "$major" ] && [ "$major" -ge 4 ]
}
if ! kubectl_ok && apt-cache policy kubectl 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  missing="$missing kubectl"
fi
if [ -n "$missing" ]; then
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
fi
if ! kubectl_ok; then
  echo "the tests need kubectl 1.24 or later (kustomize v4+; Debian's kubernetes-client is" >&2
  echo "1.20): add the Kubernetes apt repository (https://pkgs.k8s.io, see" >&2
  echo "https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/), then run" >&2
  echo "  sudo apt-get install -y kubectl" >&2
  exit 1
fi
