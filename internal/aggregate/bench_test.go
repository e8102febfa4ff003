package aggregate

import (
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkObserve records one request in one series, as the middleware
// does after the chain, for the configurations of the root package's
// BenchmarkRequest rows: the defaults, sizes and in-flight, and every
// signal (sizes, in-flight, native histograms, exemplars); serially and in
// parallel, every goroutine on the same series.
func BenchmarkObserve(b *testing.B) {
	labels := []string{"method", "status", "path"}
	desc := func(name string) *prometheus.Desc { return prometheus.NewDesc(name, "H.", labels, nil) }
	bounds := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	sizes := []float64{64, 256, 1024, 4096, 16384, 65536, 262144}
	configs := []struct {
		name string
		kind RequestKind
		resp uint64 // the response size
	}{
		{"defaults", RequestKind{Bounds: bounds, SizeBounds: sizes}, 120},
		{"sizes-inflight", RequestKind{Bounds: bounds, SizeBounds: sizes, ReqSize: true, RespSize: true, InFlight: true}, 120},
		{"every-signal", RequestKind{Bounds: bounds, SizeBounds: sizes, ReqSize: true, RespSize: true, InFlight: true, TotalsByGroup: true, NativeFactor: 1.1, Exemplars: true}, 120},
		// An empty response, as BenchmarkRequest's: the pair of empty
		// bodies, whose count comes with the duration's or, with
		// hot/cold halves, is derived.
		{"sizes-inflight-empty", RequestKind{Bounds: bounds, SizeBounds: sizes, ReqSize: true, RespSize: true, InFlight: true}, 0},
		{"every-signal-empty", RequestKind{Bounds: bounds, SizeBounds: sizes, ReqSize: true, RespSize: true, InFlight: true, TotalsByGroup: true, NativeFactor: 1.1, Exemplars: true}, 0},
	}
	for _, mode := range []string{"serial", "parallel"} {
		for _, c := range configs {
			b.Run(mode+"/"+c.name, func(b *testing.B) {
				descs := RequestDescs{Duration: desc("d_seconds"), ReqSize: desc("req_bytes"), RespSize: desc("resp_bytes")}
				rc := NewRequests(descs, c.kind, RequestBudget{}, nil, plainExposer{})
				s, _ := rc.Lookup([]string{"GET", "200", "/users/:id"}, 0)
				b.ReportAllocs()
				if mode == "serial" {
					ref := rc.Shard(1)
					o := Observation{Seconds: 0.0003, RespSize: c.resp}
					for b.Loop() {
						rc.Observe(ref, s, &o)
					}
					return
				}
				var keys atomic.Uintptr // a key per goroutine, as a context's address
				b.RunParallel(func(pb *testing.PB) {
					key := keys.Add(64)
					o := Observation{Seconds: 0.0003, RespSize: c.resp}
					for pb.Next() {
						rc.Observe(rc.Shard(key), s, &o)
					}
				})
			})
		}
	}
}
