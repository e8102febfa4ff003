package ginprom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/gin-gonic/gin"
)

// DefaultWatchInterval is the time between two checks of a dependency unless
// [WatchInterval] says otherwise.
const DefaultWatchInterval = 15 * time.Second

// DefaultWatchTimeout is how long a dependency check may run unless
// [WatchTimeout] says otherwise.
const DefaultWatchTimeout = 5 * time.Second

// A WatchOption configures one [Metrics.WatchDependency].
type WatchOption interface {
	applyWatch(*watchConfig)
}

type watchOptionFunc func(*watchConfig)

func (f watchOptionFunc) applyWatch(c *watchConfig) { f(c) }

type watchConfig struct {
	interval time.Duration
	timeout  time.Duration
	noWait   bool // WatchNoWait
	// ticker makes the ticks between checks; tests replace it.
	ticker func(time.Duration) (ticks <-chan time.Time, stop func())
}

// WatchInterval sets the time between the starts of two checks of a
// dependency. It is a time.Duration: WatchInterval(30*time.Second), not a
// number of seconds or milliseconds.
//
// Default: [DefaultWatchInterval] (15s). The last WatchInterval wins.
// [Metrics.WatchDependency] panics if d is not positive.
func WatchInterval(d time.Duration) WatchOption {
	return watchOptionFunc(func(c *watchConfig) { c.interval = d })
}

// WatchTimeout sets how long one check of a dependency may run. The check's
// context ends at the timeout; a check still running then counts as a
// failure. The timeout is capped at the interval (see [WatchInterval]).
//
// Default: [DefaultWatchTimeout] (5s), or the interval if that is shorter.
// The last WatchTimeout wins. [Metrics.WatchDependency] panics if d is not
// positive.
func WatchTimeout(d time.Duration) WatchOption {
	return watchOptionFunc(func(c *watchConfig) { c.timeout = d })
}

// WatchNoWait makes [Metrics.WatchDependency] return at once, without
// waiting for the first check: that check starts at once all the same, in
// the watcher's goroutine, and the dependency's series appears with its
// result. Use it where start-up must not wait for a dependency that may
// hang, and treat a missing series as not known yet: until the first
// result, dependency_up has no series for the name, neither 1 nor 0.
//
// Default: WatchDependency waits for the first result (at most the
// timeout), so that the metric is right from the first scrape, which is the
// safe choice for a readiness check that reads it.
func WatchNoWait() WatchOption {
	return watchOptionFunc(func(c *watchConfig) { c.noWait = true })
}

func realTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// WatchDependency checks a dependency of the application (a database, a
// queue, another service) by calling check every interval, and exposes the
// result in <prefix>_dependency_up{name} (dependency_up under
// [WithBigBrother]): 1 after a check that returned nil, 0 after one that
// returned an error, panicked or ran out of its timeout. Several
// dependencies, each with its own name, share that metric. Its series
// appears with the first result and goes away when the watcher stops, so
// that no value outlives the checks behind it. Default labels are not
// added: a check has no request to compute them from.
//
// The first check runs before WatchDependency returns (which takes at most
// the timeout), so the metric is right from the first scrape; with
// [WatchNoWait], WatchDependency returns at once and the first check runs
// in the background. Then one check starts every interval (see
// [WatchInterval], [WatchTimeout]). Checks of one name never overlap. Each
// gets a context that ends at its timeout, or when the watcher stops. A
// check that ignores its context counts as 0 from its timeout on, and goes
// on running on its own; the ticks that come meanwhile are dropped, so the
// next check starts at the first tick after it returns. Its late result is
// discarded. A panic in a check is recovered and written to
// gin.DefaultErrorWriter.
//
// stop ends the watcher: it cancels the context of a check in progress,
// waits for the check and for the watcher's goroutine to return, and
// removes the series. After stop returns no check runs and no goroutine of
// the watcher is left; a check that ignores its context delays stop until
// it returns. stop may be called more than once and from several
// goroutines; each call returns once the watcher has ended. A check must not
// call it, nor [Metrics.Close]: they would wait for the check itself. After
// stop the name may be watched again. [Metrics.Close] stops every watcher of m.
//
// WatchDependency panics if name is empty or not valid UTF-8, check is
// nil, an option is nil, an interval or a timeout is not positive, or name
// is watched already, by m or by another Metrics on the same registry; and,
// saying what to fix, if the registry refuses the gauge or the overflow
// counter of [WithSeriesLimit] (another collector holds the name). A call
// that panics keeps nothing: no check runs, and once the cause is gone the
// next call registers what was refused.
func (m *Metrics) WatchDependency(name string, check func(ctx context.Context) error, opts ...WatchOption) (stop func()) {
	where := fmt.Sprintf("WatchDependency(%q)", name)
	checkDependencyName(where, name)
	if check == nil {
		panic(fmt.Sprintf("ginprom: %s: the check is nil; pass a func(ctx context.Context) error that returns nil while the dependency works", where))
	}
	cfg := watchConfig{interval: DefaultWatchInterval, timeout: DefaultWatchTimeout, ticker: realTicker}
	for i, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("ginprom: %s: option %d of %d is nil; remove it or pass a ginprom.Watch... option", where, i+1, len(opts)))
		}
		o.applyWatch(&cfg)
	}
	if cfg.interval <= 0 {
		panic(fmt.Sprintf("ginprom: %s: WatchInterval(%v): the interval must be positive", where, cfg.interval))
	}
	if cfg.timeout <= 0 {
		panic(fmt.Sprintf("ginprom: %s: WatchTimeout(%v): the timeout must be positive", where, cfg.timeout))
	}
	cfg.timeout = min(cfg.timeout, cfg.interval)
	if m.deps == nil {
		return m.offWatches.claim(where, name) // disabled: no check runs
	}

	w := &watch{
		name:    name,
		check:   check,
		timeout: cfg.timeout,
		log:     gin.DefaultErrorWriter,
		done:    make(chan struct{}),
		d:       m.deps,
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	first := make(chan struct{})
	m.deps.start(where, w, func() {
		ticks, stopTicker := cfg.ticker(cfg.interval)
		go w.run(ticks, stopTicker, first)
	})
	if !cfg.noWait {
		<-first
	}
	return w.stop
}

// Close stops every watcher of m started by [Metrics.WatchDependency], as
// their stop functions do, and returns once all of them have ended. The
// watchers are stopped together, so a slow check delays Close once, not once
// per watcher. m stays usable: dependencies may be watched again after
// Close. Calling Close more than once is safe.
func (m *Metrics) Close() {
	if m.deps == nil {
		m.offWatches.releaseAll()
		return
	}
	m.deps.mu.Lock()
	ws := make([]*watch, 0, len(m.deps.watches))
	for w := range m.deps.watches {
		ws = append(ws, w)
	}
	m.deps.mu.Unlock()
	for _, w := range ws {
		w.cancel()
	}
	for _, w := range ws {
		w.stop()
	}
}

// checkDependencyName panics unless name can be a dependency's label value.
func checkDependencyName(where, name string) {
	if name == "" {
		panic(fmt.Sprintf("ginprom: %s: the dependency name is empty; name it after what it is, such as \"postgres\"", where))
	}
	if !utf8.ValidString(name) {
		panic(fmt.Sprintf("ginprom: %s: the dependency name is not valid UTF-8", where))
	}
}

// The states of a watch.
const (
	stateUnknown = iota // no check has ended yet
	stateDown
	stateUp
)

// watch is one watched dependency.
type watch struct {
	name    string
	check   func(context.Context) error
	timeout time.Duration
	log     io.Writer
	state   atomic.Int32

	ctx    context.Context // ends when the watcher stops
	cancel context.CancelFunc
	done   chan struct{} // closed when run returns
	d      *dependencies

	up    sideSeries  // its series of dependency_up, found when claimed
	upFam *sideFamily // that family
}

// errCheckExited is the result of a check that called runtime.Goexit, as
// t.FailNow does.
var errCheckExited = errors.New("the check exited its goroutine")

// run is the watcher's goroutine: a check now, closing first once it has a
// result, then one per tick until the watcher stops.
func (w *watch) run(ticks <-chan time.Time, stopTicker func(), first chan struct{}) {
	defer close(w.done)
	defer stopTicker()
	w.round(ticks, first)
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-ticks:
			w.round(ticks, nil)
		}
	}
}

// round runs one check, records its result and returns once the check has
// returned. If first is not nil, it is closed as soon as the result is
// known: when the check returns, or at its timeout.
func (w *watch) round(ticks <-chan time.Time, first chan struct{}) {
	signal := func() {
		if first != nil {
			close(first)
			first = nil
		}
	}
	defer signal()
	if w.ctx.Err() != nil {
		return // stopped before this round began
	}
	ctx, cancel := context.WithTimeout(w.ctx, w.timeout)
	defer cancel()
	result := make(chan error, 1)
	go func() {
		err := errCheckExited
		defer func() { result <- err }()
		err = w.call(ctx)
	}()

	var err error
	select {
	case err = <-result:
	case <-ctx.Done():
		select {
		case err = <-result: // it returned at that very moment
		default:
			// Timed out, or stopped. A timeout counts as down now;
			// then the round waits for the check to return, dropping
			// the ticks that come meanwhile, so that checks never
			// overlap.
			if w.ctx.Err() == nil {
				w.state.Store(stateDown)
				w.upFam.overflowed(w.up, aggregate.Ref{})
			}
			signal()
			for {
				select {
				case late := <-result:
					_ = late // too late: the timeout has counted, or the watcher stopped
					return
				case <-ticks:
				}
			}
		}
	}
	if w.ctx.Err() != nil {
		return // stopped: the result of a cancelled check means nothing
	}
	if err == nil {
		w.state.Store(stateUp)
	} else {
		w.state.Store(stateDown)
	}
	w.upFam.overflowed(w.up, aggregate.Ref{})
}

// call runs the check, turning a panic into an error.
func (w *watch) call(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			_, _ = fmt.Fprintf(w.log, "ginprom: WatchDependency(%q): the check panicked: %v\n", w.name, r)
			err = fmt.Errorf("the check panicked: %v", r)
		}
	}()
	return w.check(ctx)
}

// stop ends the watcher and waits for it; see WatchDependency.
func (w *watch) stop() {
	w.cancel()
	<-w.done
	w.d.release(w)
}
