// Package prometheus has no code of its own. Its go.mod pins, by tool
// directives, the Prometheus 3 server and promtool that the end-to-end
// tests run beside Debian's Prometheus 2; `make tools` builds them into
// Go's build cache and `go tool -n prometheus` prints where. This file
// gives `go vet ./...` and `go build ./...` a package to find in the module.
//
// The build is Prometheus's default one, without the builtinassets tag: the
// HTTP API, the TSDB, rules, scraping, agent mode and remote write work, and
// the web UI does not (its pages answer 500, "Error opening React
// index.html"). Its version flag and /api/v1/status/buildinfo print no
// version; the module version in the binary's build information is the
// one go.mod pins.
package prometheus
