package ginprom

import (
	"runtime"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// inflightCollector is the gauge of WithInFlight: the requests in the chain
// of the default middleware now, by method. Like the request series, each
// method's value is split into shards of a cache line each, summed at
// scrape time, so that requests on different cores do not write to one
// line. A request adds one to the shard of its context before the chain
// and takes one from the same shard after it.
type inflightCollector struct {
	desc   *prometheus.Desc
	static []string // values of the static default labels
	shards int
	words  []atomic.Uint64 // numMethods*shards lines of 8 words; the first word counts
	// used says which methods have been seen, once per route and method:
	// the others are not exposed.
	used [numMethods]atomic.Bool
}

func newInflightCollector(desc *prometheus.Desc, static []string) *inflightCollector {
	ic := &inflightCollector{desc: desc, static: static, shards: min(runtime.GOMAXPROCS(0), maxShards)}
	ic.words = make([]atomic.Uint64, numMethods*ic.shards*8)
	return ic
}

// add adds delta to the gauge of method, on shard sh of the request
// collector.
func (ic *inflightCollector) add(sh, method int, delta int64) {
	ic.words[(method*ic.shards+sh%ic.shards)*8].Add(uint64(delta))
}

// Describe implements prometheus.Collector.
func (ic *inflightCollector) Describe(ch chan<- *prometheus.Desc) { ch <- ic.desc }

// Collect implements prometheus.Collector.
func (ic *inflightCollector) Collect(ch chan<- prometheus.Metric) {
	lvs := make([]string, 1, 1+len(ic.static))
	lvs = append(lvs, ic.static...)
	for method := range numMethods {
		if !ic.used[method].Load() {
			continue
		}
		var n int64
		for sh := range ic.shards {
			n += int64(ic.words[(method*ic.shards+sh)*8].Load())
		}
		lvs[0] = methodNames[method]
		ch <- constMetric(ic.desc)(prometheus.NewConstMetric(ic.desc, prometheus.GaugeValue, float64(n), lvs...))
	}
}
