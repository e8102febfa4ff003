package ginprom

import (
	"runtime"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// inflightCollector is the gauge of WithInFlight: the requests in the chain
// of the default middleware now, by method (and, under WithSemconv, by
// url_scheme: a key is then method*2+scheme). Like the request series, each
// method's value is split into shards of a cache line each, summed at
// scrape time, so that requests on different cores do not write to one
// line. A request adds one to the shard of its context before the chain
// and takes one from the same shard after it.
type inflightCollector struct {
	desc    *prometheus.Desc
	static  []string            // values of the static default labels
	methods *[numMethods]string // the method label's values
	schemes int                 // 2 when the gauge is by url_scheme too, else 1
	shards  int
	words   []atomic.Uint64 // keys*shards lines of 8 words; the first word counts
	// used says which keys have been seen: the others are not exposed.
	used [numMethods * 2]atomic.Bool
}

// newInflightCollector returns the gauge desc, whose labels are the method,
// then url_scheme if bySchemes, then the static default labels of values
// static.
func newInflightCollector(desc *prometheus.Desc, static []string, methods *[numMethods]string, byScheme bool) *inflightCollector {
	ic := &inflightCollector{desc: desc, static: static, methods: methods, schemes: 1, shards: min(runtime.GOMAXPROCS(0), maxShards)}
	if byScheme {
		ic.schemes = 2
	}
	ic.words = make([]atomic.Uint64, numMethods*ic.schemes*ic.shards*8)
	return ic
}

// key returns the key of a request's method and url_scheme variant.
func (ic *inflightCollector) key(method int, scheme uint32) int {
	if ic.schemes == 1 {
		return method
	}
	return method*2 + int(scheme)
}

// add adds delta to the gauge of key, on shard sh of the request
// collector. The first request of a key makes it exposed.
func (ic *inflightCollector) add(sh, key int, delta int64) {
	if delta > 0 && !ic.used[key].Load() {
		ic.used[key].Store(true)
	}
	ic.words[(key*ic.shards+sh%ic.shards)*8].Add(uint64(delta))
}

// Describe implements prometheus.Collector.
func (ic *inflightCollector) Describe(ch chan<- *prometheus.Desc) { ch <- ic.desc }

// Collect implements prometheus.Collector.
func (ic *inflightCollector) Collect(ch chan<- prometheus.Metric) {
	lvs := make([]string, ic.schemes, ic.schemes+len(ic.static))
	lvs = append(lvs, ic.static...)
	for key := range numMethods * ic.schemes {
		if !ic.used[key].Load() {
			continue
		}
		var n int64
		for sh := range ic.shards {
			n += int64(ic.words[(key*ic.shards+sh)*8].Load())
		}
		lvs[0] = ic.methods[key/ic.schemes]
		if ic.schemes == 2 {
			lvs[1] = schemeNames[key%2]
		}
		ch <- constMetric(ic.desc)(prometheus.NewConstMetric(ic.desc, prometheus.GaugeValue, float64(n), lvs...))
	}
}
