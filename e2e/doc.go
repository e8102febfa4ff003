// Package e2e holds ginprom's end-to-end tests. They build the example
// applications, start them with the real Prometheus, promtool and
// Pushgateway from Debian's packages on loopback ports, and check what a
// user of the shipped rules and dashboards would see.
//
// Run them with `make e2e` (part of `make test`) from the repository root.
// `make tools` installs the Debian packages they need.
package e2e
