package ginprom

import "time"

// WatchTicks makes a watcher take its ticks from ticks instead of a
// time.Ticker, so that tests decide when checks start. The interval the
// watcher asks its ticker for is sent to asked, which must have room.
func WatchTicks(ticks <-chan time.Time, asked chan<- time.Duration) WatchOption {
	return watchOptionFunc(func(c *watchConfig) {
		c.ticker = func(d time.Duration) (<-chan time.Time, func()) {
			if asked != nil {
				asked <- d
			}
			return ticks, func() {}
		}
	})
}
