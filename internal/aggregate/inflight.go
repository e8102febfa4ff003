package aggregate

import (
	"slices"
	"sync/atomic"

	"github.com/gin-contrib/ginprom/internal/canon"

	"github.com/prometheus/client_golang/prometheus"
)

// The in-flight gauge of WithInFlight costs one atomic addition per
// request: a request adds one to a started counter of its method before
// the chain, and the duration count it adds when it is recorded after the
// chain is its end. The gauge is, per method, the requests started minus
// the requests recorded. A scrape reads the durations' counts before the
// started counters, so it never sees a request end before it started: the
// gauge is never negative. A started request that is then left unrecorded
// (DoNotTrack, ExcludeAllMetrics) takes its one back.

// InFlight is the started counters of the requests whose static
// default labels have one set of values: one gauge series per method.
// Like the request series, each counter is split into shards of a cache
// line each, written by the contexts of that shard.
//
// When the schema's in-flight gauge has the url scheme, it is by method
// and scheme: a group's counters are then keyed by method*2+scheme (see
// key).
type InFlight struct {
	static  []string        // values of the static default labels
	shards  int             // as the collector's
	schemes int             // 2 when the gauge has the url scheme, else 1
	started []atomic.Uint64 // keys*shards lines of 8 words; the first word counts
	// used says which keys have been seen, once per route and method
	// (markOnStart false), or by their first request (markOnStart true,
	// as a route does not know its schemes): the others are not exposed.
	used        [inflightKeys]atomic.Bool
	markOnStart bool
}

// inflightKeys bounds the keys of a group: every method, by two schemes.
const inflightKeys = canon.NumMethods * 2

// Key returns the key of a request of method and the schema's variant.
func (g *InFlight) Key(method int, variant uint32) int {
	if g.schemes == 1 {
		return method
	}
	return method*2 + int(variant&1)
}

func (g *InFlight) word(sh, key int) *atomic.Uint64 {
	return &g.started[(key*g.shards+sh)*8]
}

// Start counts a request of key starting, on the shard of r.
func (g *InFlight) Start(r Ref, key int) {
	sh := r.sh
	if g.markOnStart && !g.used[key].Load() {
		g.used[key].Store(true)
	}
	g.word(sh, key).Add(1)
}

// Abandon takes back the start of a request of key that is not recorded,
// on shard sh (see [Ref.Shard]).
func (g *InFlight) Abandon(sh, key int) { g.word(sh, key).Add(^uint64(0)) }

// Use makes the gauge of method exposed, from the first route of that
// method, unless the gauge has the url scheme: then each key is exposed
// from its first request.
func (g *InFlight) Use(method int) {
	if !g.markOnStart {
		g.used[method].Store(true)
	}
}

// InFlightGroup returns the group of the static label values, making it
// on first sight.
func (rc *Requests) InFlightGroup(static []string) *InFlight {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.groupLocked(static)
}

func (rc *Requests) groupLocked(static []string) *InFlight {
	old := *rc.groups.Load()
	for _, g := range old {
		if slices.Equal(g.static, static) {
			return g
		}
	}
	g := &InFlight{static: slices.Clone(static), shards: rc.shards.n, schemes: 1}
	if rc.kind.InFlightSchemes {
		g.schemes, g.markOnStart = 2, true
	}
	g.started = make([]atomic.Uint64, canon.NumMethods*g.schemes*g.shards*8)
	groups := append(slices.Clip(old), g)
	rc.groups.Store(&groups)
	return g
}

// groupOf returns the group of a series' label values; rc.mu is held.
func (rc *Requests) groupOf(lvs []string) *InFlight {
	var buf [maxInline]string
	static := buf[:0]
	for _, i := range rc.staticPos {
		static = append(static, lvs[i])
	}
	return rc.groupLocked(static)
}

// collectInflight sends the gauges, given the requests recorded per group
// and method, which were read before. Keys that the schema exposes alike
// (a gauge without the method) are added up.
func (rc *Requests) collectInflight(ch chan<- prometheus.Metric, finished map[*InFlight]*[inflightKeys]uint64) {
	desc := rc.descs.InFlight
	for _, g := range *rc.groups.Load() {
		done := finished[g]
		type gauge struct {
			lvs []string
			n   int64
		}
		var gauges []gauge
		for key := range canon.NumMethods * g.schemes {
			if !g.used[key].Load() {
				continue
			}
			var n uint64
			for sh := range g.shards {
				n += g.word(sh, key).Load()
			}
			if done != nil {
				n -= done[key]
			}
			method, scheme := key, uint32(0)
			if g.schemes == 2 {
				method, scheme = key/2, uint32(key%2)
			}
			lvs := append(slices.Clip(rc.exposer.InFlight(method, scheme)), g.static...)
			i := slices.IndexFunc(gauges, func(o gauge) bool { return slices.Equal(o.lvs, lvs) })
			if i < 0 {
				i = len(gauges)
				gauges = append(gauges, gauge{lvs: lvs})
			}
			gauges[i].n += int64(n)
		}
		for _, o := range gauges {
			ch <- ConstMetric(desc)(prometheus.NewConstMetric(desc, prometheus.GaugeValue, float64(o.n), o.lvs...))
		}
	}
}
