// Command times prints, for each input line of times.in, how Prometheus's API reads it as a
// time parameter, using only Go's standard library the way web/api/v1/api.go parseTime does:
// strconv.ParseFloat first (fraction rounded to milliseconds), then time.Parse(RFC3339Nano).
// Output: "<input>\t<result>", where result is "ms=<timestamp.FromTime> engine=<UnixNano/1e6>"
// or "error". The boundary strings are printed first. Regenerate with:
//
//	go run times.go < times.in > times.txt
package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"
)

var (
	minTime = time.Unix(math.MinInt64/1000+62135596801, 0).UTC()
	maxTime = time.Unix(math.MaxInt64/1000-62135596801, 999999999).UTC()
)

func parse(s string) (time.Time, bool) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec, frac := math.Modf(f)
		frac = math.Round(frac*1000) / 1000
		return time.Unix(int64(sec), int64(frac*float64(time.Second))).UTC(), true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	switch s {
	case minTime.Format(time.RFC3339Nano):
		return minTime, true
	case maxTime.Format(time.RFC3339Nano):
		return maxTime, true
	}
	return time.Time{}, false
}

func main() {
	fmt.Printf("MIN\t%s\n", minTime.Format(time.RFC3339Nano))
	fmt.Printf("MAX\t%s\n", maxTime.Format(time.RFC3339Nano))
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		s := in.Text()
		t, ok := parse(s)
		if !ok {
			fmt.Printf("%s\terror\n", s)
			continue
		}
		ms := t.Unix()*1000 + int64(t.Nanosecond())/int64(time.Millisecond)
		fmt.Printf("%s\tms=%d engine=%d\n", s, ms, t.UnixNano()/int64(time.Millisecond))
	}
}
