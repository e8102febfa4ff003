// Command benchratio reads the output of go test -bench from standard input
// and prints, as a Markdown table, the median of each benchmark and its
// cost relative to the references measured in the same run:
//
//   - for a benchmark X/name with siblings X/bare and X/handrolled, its
//     time as a ratio of bare's, the overhead over bare, and that overhead
//     as a ratio of the hand-rolled overhead, (name - bare) / (handrolled -
//     bare); with a sibling X/handrolled-full too, the overhead as a ratio
//     of that one's, the hand-rolled middleware recording the full set of
//     signals. In BenchmarkDecorators, X/handrolled is a counter and a
//     histogram written by hand with client_golang vecs, so the row
//     X/decorators reads as the decorators' cost over the vecs';
//   - for a benchmark X/name with a sibling X/promhttp-same-registry, the
//     time as a ratio of that sibling's;
//   - for a benchmark X/name with a sibling X/name-nolimit (the same
//     configuration under WithSeriesLimit(0)), the series budget's cost:
//     name's time minus that sibling's, in the column "budget";
//   - any extra unit a benchmark reports (B/series), as is.
//
// Absolute times on shared machines are noisy. make bench runs the
// benchmarks in rounds, each running every benchmark once, so the n-th
// result of each benchmark is from round n: each ratio is taken within a
// round, where a slow spell of the host slowed the benchmarks alike, and the
// table shows the median over the rounds. ns/op and the overhead in ns are
// medians of the times themselves.
package main

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// sample is what one line of benchmark output says, unit by unit.
type sample map[string]float64

// procSuffix is the -GOMAXPROCS suffix that go test appends to names.
var procSuffix = regexp.MustCompile(`-\d+$`)

func main() {
	runs := map[string][]sample{}
	var order []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(fields[0], "Benchmark"), "")
		s := sample{}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			s[fields[i+1]] = v
		}
		if _, seen := runs[name]; !seen {
			order = append(order, name)
		}
		runs[name] = append(runs[name], s)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	if len(order) == 0 {
		fmt.Fprintln(os.Stderr, "benchratio: no benchmark results on standard input")
		os.Exit(1)
	}

	fmt.Println("| benchmark | runs | ns/op (median) | allocs/op | × bare | overhead over bare | overhead ÷ hand-rolled overhead | overhead ÷ full hand-rolled overhead | budget | other |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, name := range order {
		ns := median(runs[name], "ns/op")
		extra := others(runs[name])
		dir := path.Dir(name)
		times, over, ratio, full := "", "", "", ""
		bare, hasBare := runs[dir+"/bare"]
		hand, hasHand := runs[dir+"/handrolled"]
		if hasBare && hasHand && extra == "" {
			x := runs[name]
			times = fmt.Sprintf("%.2f", perRound(x, bare, nil))
			over = fmt.Sprintf("%+.1f ns", ns-median(bare, "ns/op"))
			if r, ok := overheadRatio(x, bare, hand); ok {
				ratio = fmt.Sprintf("%.2f", r)
			}
			if hf, ok := runs[dir+"/handrolled-full"]; ok {
				if r, ok := overheadRatio(x, bare, hf); ok {
					full = fmt.Sprintf("%.2f", r)
				}
			}
		}
		if ref, ok := runs[dir+"/promhttp-same-registry"]; ok {
			ratio = fmt.Sprintf("%.2f × promhttp", ns/median(ref, "ns/op"))
		}
		budget := ""
		if nolimit, ok := runs[name+"-nolimit"]; ok {
			budget = fmt.Sprintf("%+.1f ns", ns-median(nolimit, "ns/op"))
		}
		fmt.Printf("| %s | %d | %.1f | %s | %s | %s | %s | %s | %s | %s |\n",
			name, len(runs[name]), ns, allocs(runs[name]), times, over, ratio, full, budget, extra)
	}
}

// perRound returns the median over the rounds of x's time in each round as
// a ratio of bare's (ref nil), or, with ref, of x's overhead over bare as a
// ratio of ref's; rounds where ref is not slower than bare are left out.
// The n-th sample of each benchmark is from round n.
func perRound(x, bare, ref []sample) float64 {
	n := min(len(x), len(bare))
	if ref != nil {
		n = min(n, len(ref))
	}
	var rs []sample
	for i := range n {
		xi, b := x[i]["ns/op"], bare[i]["ns/op"]
		switch {
		case ref == nil:
			rs = append(rs, sample{"r": xi / b})
		case ref[i]["ns/op"] > b:
			rs = append(rs, sample{"r": (xi - b) / (ref[i]["ns/op"] - b)})
		}
	}
	return median(rs, "r")
}

// overheadRatio is perRound of x's overhead as a ratio of ref's, and
// whether ref was slower than bare at all.
func overheadRatio(x, bare, ref []sample) (float64, bool) {
	if median(ref, "ns/op") <= median(bare, "ns/op") {
		return 0, false
	}
	return perRound(x, bare, ref), true
}

// median returns the median of unit over the samples.
func median(ss []sample, unit string) float64 {
	var vs []float64
	for _, s := range ss {
		if v, ok := s[unit]; ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0
	}
	sort.Float64s(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

func allocs(ss []sample) string {
	if _, ok := ss[0]["allocs/op"]; !ok {
		return ""
	}
	return strconv.FormatFloat(median(ss, "allocs/op"), 'f', -1, 64)
}

// others lists the medians of the units besides the standard ones.
func others(ss []sample) string {
	var units []string
	for u := range ss[0] {
		switch u {
		case "ns/op", "B/op", "allocs/op":
		default:
			units = append(units, u)
		}
	}
	sort.Strings(units)
	var parts []string
	for _, u := range units {
		parts = append(parts, fmt.Sprintf("%.0f %s", median(ss, u), u))
	}
	return strings.Join(parts, ", ")
}
