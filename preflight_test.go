//go:build unix

package ginprom

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// preflightRun is one run of _tools/preflight.sh, the first step of make
// test, on a PATH that holds only id and the stubs given.
type preflightRun struct {
	stdout, stderr string
	exitCode       int
	calls          []string // the stubs' command lines, in order
}

// runPreflight runs a copy of the script (readable by any user) with PATH set
// to a directory holding id and a stub for each name in stubs; a stub
// records its command line and succeeds. nonRoot runs it as nobody when the
// test runs as root.
func runPreflight(t *testing.T, nonRoot bool, stubs ...string) preflightRun {
	t.Helper()
	dir, err := os.MkdirTemp("", "preflight") //nolint:usetesting // t.TempDir's parent is closed to nobody, who runs the script
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o777)) //nolint:gosec // nobody writes the stubs' log here
	script, err := os.ReadFile(filepath.Join("_tools", "preflight.sh"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "preflight.sh"), script, 0o755)) //nolint:gosec // run by nobody
	bin := filepath.Join(dir, "bin")
	require.NoError(t, os.Mkdir(bin, 0o755)) //nolint:gosec // searched by nobody
	id, err := exec.LookPath("id")
	require.NoError(t, err)
	require.NoError(t, os.Symlink(id, filepath.Join(bin, "id")))
	log := filepath.Join(dir, "calls")
	for _, name := range stubs {
		stub := "#!/bin/sh\necho \"" + name + " $*\" >>" + log + "\n"
		require.NoError(t, os.WriteFile(filepath.Join(bin, name), []byte(stub), 0o755)) //nolint:gosec // run by nobody
	}

	// The timeout only keeps a broken script from hanging the test; the
	// stubs show that it did nothing slow.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", filepath.Join(dir, "preflight.sh"))
	cmd.Env = []string{"PATH=" + bin}
	if nonRoot && os.Getuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	run := preflightRun{stdout: stdout.String(), stderr: stderr.String()}
	if exitErr, ok := err.(*exec.ExitError); ok { //nolint:errorlint // Run returns it unwrapped
		run.exitCode = exitErr.ExitCode()
	} else {
		require.NoError(t, err)
	}
	if calls, err := os.ReadFile(log); err == nil {
		run.calls = strings.Split(strings.TrimSuffix(string(calls), "\n"), "\n")
	}
	return run
}

// preflightHelp is what the preflight says after the list of what is missing.
const preflightHelp = `Install them, then run make test again:
  Go, 1.25 or later:         https://go.dev/dl/ (make test fetches the Go versions it tests on through the module proxy)
  Debian, Ubuntu (as root):  apt-get install make gcc libc6-dev prometheus prometheus-pushgateway
  macOS:                     xcode-select --install   (make, the C compiler and libc headers)
                             brew install prometheus  (prometheus and promtool)
                             the pushgateway from https://prometheus.io/download/ on PATH as prometheus-pushgateway
  Fedora, RHEL:              dnf install make gcc glibc-devel, then Prometheus as below
  Alpine:                    apk add make gcc musl-dev, then Prometheus as below
  any system:                make, a C compiler with libc headers (go test -race needs cgo), and
                             prometheus, promtool and pushgateway from https://prometheus.io/download/
                             on PATH, the pushgateway named prometheus-pushgateway
`

func TestPreflightNotRootStopsAtOnceWithOneMessage(t *testing.T) {
	run := runPreflight(t, true, "go", "apt-get", "make")
	assert.Equal(t, 1, run.exitCode)
	assert.Empty(t, run.stdout)
	assert.Equal(t, "preflight: make test cannot run on this machine; missing: gcc (C compiler) libc headers prometheus promtool prometheus-pushgateway\n"+
		"It installs them itself only as root on Debian or Ubuntu, and Go never (not running as root). "+preflightHelp, run.stderr)
	assert.Equal(t, []string{"go env CC"}, run.calls, "nothing installed, make tools not run")
}

func TestPreflightRootWithoutAptStopsAtOnceWithOneMessage(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root")
	}
	run := runPreflight(t, false, "go", "gcc", "prometheus")
	assert.Equal(t, 1, run.exitCode)
	assert.Empty(t, run.stdout)
	assert.Equal(t, "preflight: make test cannot run on this machine; missing: make promtool prometheus-pushgateway\n"+
		"It installs them itself only as root on Debian or Ubuntu, and Go never (apt-get is not available). "+preflightHelp, run.stderr)
	assert.Equal(t, []string{"go env CC", "gcc -x c -fsyntax-only -"}, run.calls, "the compiler checked, nothing installed")
}

func TestPreflightWithoutGoStopsEvenAsRoot(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root")
	}
	run := runPreflight(t, false, "apt-get", "make", "gcc", "prometheus", "promtool", "prometheus-pushgateway")
	assert.Equal(t, 1, run.exitCode)
	assert.Empty(t, run.stdout)
	assert.Equal(t, "preflight: make test cannot run on this machine; missing: go\n"+
		"It installs them itself only as root on Debian or Ubuntu, and Go never (Go is missing). "+preflightHelp, run.stderr)
	assert.Equal(t, []string{"gcc -x c -fsyntax-only -"}, run.calls, "nothing installed")
}

func TestPreflightRootInstallsWithApt(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root")
	}
	run := runPreflight(t, false, "go", "apt-get", "make", "prometheus-pushgateway")
	assert.Equal(t, 0, run.exitCode)
	assert.Empty(t, run.stderr)
	assert.Equal(t, "preflight: installing what is missing: gcc (C compiler) libc headers prometheus promtool\n", run.stdout)
	assert.Equal(t, []string{
		"go env CC",
		"apt-get update",
		"apt-get install -y --no-install-recommends gcc libc6-dev",
		"make --no-print-directory tools",
	}, run.calls)
}

func TestPreflightNothingMissingRunsMakeTools(t *testing.T) {
	run := runPreflight(t, true, "go", "make", "gcc", "prometheus", "promtool", "prometheus-pushgateway")
	assert.Equal(t, 0, run.exitCode)
	assert.Empty(t, run.stdout)
	assert.Empty(t, run.stderr)
	assert.Equal(t, []string{"go env CC", "gcc -x c -fsyntax-only -", "make --no-print-directory tools"}, run.calls)
}
