// Package e2e holds ginprom's end-to-end tests. They build the example
// applications, start them with the real Prometheus, promtool and
// Pushgateway on loopback ports, and check what a user of the shipped rules
// and dashboards would see. Every test that runs Prometheus or promtool
// runs twice, in a subtest per version: on Debian's Prometheus 2 and on the
// Prometheus 3 that _tools/prometheus pins.
//
// Run them with `make e2e` (part of `make test`) from the repository root.
// `make tools` installs the Debian packages and builds Prometheus 3 into
// Go's build cache.
package e2e
