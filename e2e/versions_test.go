package e2e

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// PromVersion is one Prometheus release the tests run against: its server
// and its promtool.
type PromVersion struct {
	// Name is the subtest's name, which every failure under it carries.
	Name string
	// Major is 2 or 3.
	Major int

	find     func() (prometheus, promtool string, err error)
	once     sync.Once
	bin      string // prometheus
	tool     string // promtool
	findErr  error
	released string // what `prometheus --version` prints first
}

// versions are the Prometheus releases every test that runs Prometheus or
// promtool runs against: Debian's package (2.42 on bookworm) and the 3.x
// that _tools/prometheus pins.
var (
	prom2 = &PromVersion{Name: "prometheus2", Major: 2, find: findDebian}
	prom3 = &PromVersion{Name: "prometheus3", Major: 3, find: findTools}

	versions = []*PromVersion{prom2, prom3}
)

// eachVersion runs f as a parallel subtest per Prometheus version, named by
// the version, so that each failure names the version it failed on.
func eachVersion(t *testing.T, f func(t *testing.T, v *PromVersion)) {
	t.Helper()
	t.Parallel()
	for _, v := range versions {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			f(t, v)
		})
	}
}

// binaries returns the paths of v's prometheus and promtool, and fails the
// test, saying how to get them, when they are missing.
func (v *PromVersion) binaries(t testing.TB) (prometheus, promtool string) {
	t.Helper()
	v.once.Do(func() {
		v.bin, v.tool, v.findErr = v.find()
		if v.findErr != nil {
			return
		}
		out, err := exec.CommandContext(context.Background(), v.bin, "--version").CombinedOutput()
		if err != nil {
			v.findErr = fmt.Errorf("%s --version: %w: %s", v.bin, err, out)
			return
		}
		v.released, _, _ = strings.Cut(string(out), "\n")
		// A build from the module proxy has no version stamped in: its
		// module version says which it is.
		if info, err := buildinfo.ReadFile(v.bin); err == nil && strings.Contains(v.released, "version  (") {
			v.released = info.Path + " " + info.Main.Version
		}
	})
	if v.findErr != nil {
		t.Fatalf("e2e: %v", v.findErr)
	}
	return v.bin, v.tool
}

// String names the version as the failures do: "prometheus3 (prometheus,
// version 3.16.0 ...)" once the binary has been found.
func (v *PromVersion) String() string {
	if v.released == "" {
		return v.Name
	}
	return v.Name + " (" + v.released + ")"
}

// ConfigFile returns the name of the Prometheus configuration in dir that
// v runs: name, or for Prometheus 2 its "-v2" variant when the example
// ships one (because name uses settings that Prometheus 2 does not know).
func (v *PromVersion) ConfigFile(dir, name string) string {
	if v.Major == 2 {
		ext := filepath.Ext(name)
		if v2 := strings.TrimSuffix(name, ext) + "-v2" + ext; fileExists(filepath.Join(dir, v2)) {
			return v2
		}
	}
	return name
}

// configVersions returns the major versions that the shipped configuration
// at path is for: a "-v2" file is Prometheus 2's variant of the file
// without the suffix, which is then for Prometheus 3 only; every other
// configuration is for both.
func configVersions(path string) []int {
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	switch {
	case strings.HasSuffix(base, "-v2"):
		return []int{2}
	case fileExists(base + "-v2" + ext):
		return []int{3}
	}
	return []int{2, 3}
}

// findDebian finds Debian's prometheus and promtool on PATH.
func findDebian() (prometheus, promtool string, err error) {
	prometheus, err1 := exec.LookPath("prometheus")
	promtool, err2 := exec.LookPath("promtool")
	if err1 != nil || err2 != nil {
		return "", "", errors.New("Prometheus 2 (Debian's prometheus, with promtool) is not installed; run `make tools` (as root), which runs apt-get install prometheus prometheus-pushgateway")
	}
	return prometheus, promtool, nil
}

// Environment variables that name a Prometheus 3 and its promtool other
// than the ones _tools/prometheus pins.
const (
	envProm3     = "GINPROM_PROMETHEUS3"
	envPromtool3 = "GINPROM_PROMTOOL3"
)

// findTools finds Prometheus 3 and its promtool: the binaries the
// environment names, or those of the tools module, which `go tool -n`
// finds in Go's build cache (`make tools` builds them there).
func findTools() (prometheus, promtool string, err error) {
	prometheus, promtool = os.Getenv(envProm3), os.Getenv(envPromtool3)
	for env, path := range map[string]string{envProm3: prometheus, envPromtool3: promtool} {
		if path != "" && !fileExists(path) {
			return "", "", fmt.Errorf("%s names %q, which does not exist; unset it to run the Prometheus 3 that `make tools` builds", env, path)
		}
	}
	if prometheus != "" && promtool != "" {
		return prometheus, promtool, nil
	}
	for _, name := range []*string{&prometheus, &promtool} {
		if *name != "" {
			continue
		}
		tool := "prometheus"
		if name == &promtool {
			tool = "promtool"
		}
		cmd := exec.CommandContext(context.Background(), "go", "tool", "-n", tool)
		cmd.Dir = repoPath("_tools", "prometheus")
		// Never download here: `make tools` does, and builds, once. From a
		// warm cache this takes a moment.
		cmd.Env = append(os.Environ(), "GOPROXY=off")
		out, err := cmd.Output()
		path := strings.TrimSpace(string(out))
		if err == nil && !fileExists(path) {
			err = fmt.Errorf("no file %q", path)
		}
		if err != nil {
			return "", "", fmt.Errorf("Prometheus 3 (%s) is not built; run `make tools`, which builds the version _tools/prometheus pins into Go's build cache, or set %s and %s (go tool -n %s: %w)", tool, envProm3, envPromtool3, tool, err)
		}
		*name = path
	}
	return prometheus, promtool, nil
}
