// Package golangcilint has no code of its own. Its go.mod pins, by a tool
// directive, the golangci-lint that `make lint` runs; this file gives
// `go vet ./...` and `go build ./...` a package to find in the module.
package golangcilint
