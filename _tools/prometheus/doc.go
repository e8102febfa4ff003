// Package prometheus has no code of its own. Its go.mod pins, by tool
// directives, the Prometheus 3 server and promtool that the end-to-end
// tests run next to Debian's Prometheus 2; `make tools` builds them into
// Go's build cache and `go tool -n prometheus` prints where. This file
// gives `go vet ./...` and `go build ./...` a package to find in the module.
package prometheus
