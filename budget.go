package ginprom

import (
	"fmt"
	"sync"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultSeriesLimit is the series budget of each metric family unless
// [WithSeriesLimit] says otherwise. A large API's routes × methods ×
// statuses fit well under it; a label that takes its values from clients
// does not.
const DefaultSeriesLimit = 10000

// WithSeriesLimit sets the series budget of every metric family the
// instance makes: at most n series each, 0 for no limit. The request
// metrics, the decorators ([Metrics.Counter], [Metrics.Gauge],
// [Metrics.Summary], [Metrics.Histogram]), the sessions, the messages of
// [Metrics.ObserveMessage] and the dependency metrics of
// [Metrics.WatchDependency] and [Metrics.InstrumentClient] have it.
//
// Once a family holds n series, a request that would make one more is
// recorded in the family's overflow series instead. For the request
// metrics, the group-by value of [GroupByPath] and [GroupByFunc] and the
// values of function-valued labels of [WithDefaultLabels] read [Overflow];
// the values ginprom or the application fixes keep theirs: the method and
// the status (clamped to fixed sets), the schema's fixed-set values (the
// url_scheme of [WithSemconv], the errorMessage of [SetErrorMessage] under
// [WithBigBrother]), route templates, handler names, static labels; so a
// request family has one overflow series per method, status and fixed-set
// values under GroupByPath and GroupByFunc, and per method, status,
// fixed-set values and route template (or handler name) where only default
// label functions overflow. The duration, the size histograms and the response bytes
// share their series and budget; the request counter and the exceptions
// are sums of those series; the in-flight gauge takes no value from
// requests. In a decorator's, the values of its label functions and of
// function-valued default labels read Overflow, and static values keep
// theirs. In a session, message or dependency family, every value that may
// differ between its series reads Overflow (kind, path, event, result,
// name, method, status, and function-valued default labels), and a value
// that is the same on all of them (a [Const] of the schema, the version, a
// static default label) keeps it: such a family holds at most n+1 series.
// A dependency_up overflow series reads 1 while every dependency in it is
// up, 0 once one is down.
//
// A decorator has one overflow series per set of its static values.
//
// Counts stay exact: the series of a family add up to every request.
// Series made before the budget was spent keep counting, and a series
// that exists pays nothing for the budget. Each observation the budget sends to
// an overflow series is also counted in
// <prefix>_series_overflow_total{metric}, by the name of each family
// whose exposed series it is; a request whose values read Overflow
// already (a client's own) lands in the overflow series without being
// counted there. Prefix is that of
// [WithDefaultsPrefix] ("gin" by default, under WithoutDefaults and under
// every schema too). A family keeps the budget of the instance that made
// it, also when another instance on the registry reuses it.
//
// Default: [DefaultSeriesLimit]. The last WithSeriesLimit wins. New panics
// if n < 0.
func WithSeriesLimit(n int) Option {
	return optionFunc(func(c *config) { c.seriesLimit, c.seriesLimitGiven = n, true })
}

// budget gives each family of an instance its series budget, and the
// shared counter of what overflowed, registered on first use.
type budget struct {
	limit int
	reg   prometheus.Registerer
	name  string

	mu      sync.Mutex                 // guards counter
	counter *aggregate.OverflowCounter // nil until registered
}

func newBudget(reg prometheus.Registerer, cfg *config) *budget {
	b := &budget{limit: DefaultSeriesLimit, reg: reg, name: prefixed(cfg.prefix, "series_overflow_total")}
	if cfg.seriesLimitGiven {
		if cfg.seriesLimit < 0 {
			panic(fmt.Sprintf("ginprom: WithSeriesLimit(%d): the limit must be 0 (no limit) or more", cfg.seriesLimit))
		}
		b.limit = cfg.seriesLimit
	}
	return b
}

// family returns the budget of the family named name, registering the
// overflow counter with the first. The counter is kept only once
// registered: if the registry refuses it, family panics having kept
// nothing, and the next call registers it again, rather than giving a
// budget whose overflow no counter shows.
func (b *budget) family(name string) *aggregate.Limit {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.counter == nil {
		desc := prometheus.NewDesc(b.name, "Observations recorded in a family's overflow series because the family had reached its series budget (WithSeriesLimit), by family.", []string{"metric"}, nil)
		b.counter = register(b.reg, b.name, aggregate.NewOverflowCounter(desc))
	}
	return b.counter.Limit(name, b.limit)
}
