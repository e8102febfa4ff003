#!/bin/sh
# The first step of `make test`: check that everything it needs is on this
# machine. What is missing is installed when it can be (root, with apt-get);
# otherwise the script stops at once with one message that lists everything
# missing and how to get each. The Prometheus binaries come from `make tools`,
# which knows how to install and build them; this script only decides whether
# it may run.
#
# Needed: Go (never installed here); make; a C compiler and libc headers
# (go test -race needs cgo); and, for the end-to-end tests, prometheus,
# promtool and prometheus-pushgateway.
set -u

missing=""      # what is missing, for the message
packages=""     # their Debian packages; make tools installs the Prometheus ones
need() { missing="$missing $1"; }

nogo=""
command -v go >/dev/null 2>&1 || { need go; nogo=yes; }
cc=${CC:-}
if [ -z "$cc" ] && [ -z "$nogo" ]; then
	cc=$(go env CC 2>/dev/null)
fi
cc=${cc:-gcc}

command -v make >/dev/null 2>&1 || { need make; packages="$packages make"; }
if ! command -v "$cc" >/dev/null 2>&1; then
	need "$cc (C compiler)"
	need "libc headers"
	packages="$packages gcc libc6-dev"
elif ! printf '#include <stdlib.h>\nint main(void) { return 0; }\n' | "$cc" -x c -fsyntax-only - >/dev/null 2>&1; then
	need "libc headers"
	packages="$packages libc6-dev"
fi
for tool in prometheus promtool prometheus-pushgateway; do
	command -v "$tool" >/dev/null 2>&1 || need "$tool"
done

if [ -n "$missing" ]; then
	if [ -z "$nogo" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "preflight: installing what is missing:$missing"
		if [ -n "$packages" ]; then
			apt-get update &&
				DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages ||
				exit 1
		fi
	else
		why="not running as root"
		if [ -n "$nogo" ]; then
			why="Go is missing"
		elif [ "$(id -u)" = 0 ]; then
			why="apt-get is not available"
		fi
		printf '%s\n' \
			"preflight: make test cannot run on this machine; missing:$missing" \
			"It installs them itself only as root on Debian or Ubuntu, and Go never ($why). Install them, then run make test again:" \
			"  Go, 1.25 or later:         https://go.dev/dl/ (make test fetches the Go versions it tests on through the module proxy)" \
			"  Debian, Ubuntu (as root):  apt-get install make gcc libc6-dev prometheus prometheus-pushgateway" \
			"  macOS:                     xcode-select --install   (make, the C compiler and libc headers)" \
			"                             brew install prometheus  (prometheus and promtool)" \
			"                             the pushgateway from https://prometheus.io/download/ on PATH as prometheus-pushgateway" \
			"  Fedora, RHEL:              dnf install make gcc glibc-devel, then Prometheus as below" \
			"  Alpine:                    apk add make gcc musl-dev, then Prometheus as below" \
			"  any system:                make, a C compiler with libc headers (go test -race needs cgo), and" \
			"                             prometheus, promtool and pushgateway from https://prometheus.io/download/" \
			"                             on PATH, the pushgateway named prometheus-pushgateway" >&2
		exit 1
	fi
fi

# make tools installs the Prometheus binaries when they are missing and says
# so when they are not.
exec "${MAKE:-make}" --no-print-directory tools
