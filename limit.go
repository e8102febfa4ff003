package ginprom

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
)

// Overflow is the value [LimitValues] gives once its bound is reached,
// the error message past [MaxErrorMessages] and the event past [MaxEvents],
// and what a family's overflow series reads, past its series budget
// ([WithSeriesLimit]), for each value that may differ between its series.
const Overflow = canon.Overflow

// LimitValues bounds the values of a label function. The first n distinct
// values fn returns pass through; after that, a value not seen before is
// replaced by [Overflow]. The series of one label then number at most n+1,
// whatever clients send.
//
// Use it where fn derives the value from request input (a header, a query
// parameter, a tenant name), for [GroupByFunc] or as a decorator label:
// without a bound, a client that varies that input creates a series per
// value, and each series costs memory in this process and in Prometheus
// until the process restarts. Which values pass is first come, first served;
// a value that passed keeps passing. Values are repaired and cut to
// [MaxValueLen] bytes before they are compared and remembered, so the set
// holds at most n values of at most MaxValueLen bytes each, and two long
// values that differ only past the cut are one value.
//
// The returned function keeps its own set of seen values: give each label
// its own LimitValues. A value already seen costs one lock-free map lookup
// per request. LimitValues panics if n < 1 or fn is nil.
func LimitValues(n int, fn func(c *gin.Context) string) func(c *gin.Context) string {
	if n < 1 {
		panic(fmt.Sprintf("ginprom: LimitValues(%d, ...): the bound must be at least 1", n))
	}
	if fn == nil {
		panic("ginprom: LimitValues: the function is nil")
	}
	l := &limiter{max: n}
	return func(c *gin.Context) string { return l.admit(clientValue(fn(c))) }
}

// limiter remembers the values admitted so far.
type limiter struct {
	seen sync.Map // string -> struct{}; read without locks
	full atomic.Bool

	mu    sync.Mutex // serialises admissions
	count int
	max   int
}

func (l *limiter) admit(v string) string {
	if _, ok := l.seen.Load(v); ok {
		return v
	}
	if l.full.Load() {
		return Overflow
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.seen.Load(v); ok {
		return v
	}
	if l.count >= l.max {
		l.full.Store(true)
		return Overflow
	}
	l.seen.Store(v, struct{}{})
	l.count++
	return v
}
