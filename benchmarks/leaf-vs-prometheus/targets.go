// Command targets serves N synthetic node-exporter-like scrape targets from one process, one
// loopback port each, plus a control port with request counters and a remote-write sink that
// discards what it receives (vmagent needs somewhere to write).
//
// Each target exposes exactly -series series in the Prometheus text format 0.0.4: a handful of
// metric families with 1-3 labels (plus __name__, job and instance once scraped), counters and
// gauges and one histogram. A body is rendered ahead of time, plain and gzipped (BestSpeed), so a
// scrape costs one write; after every scrape the target renders its next body in the background
// with new values, so every scrape sees changed counters and gauges.
//
// Standard library only. Loopback only.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

type series struct {
	name    string // metric name
	labels  string // rendered `{a="b",...}` or ""
	counter bool
	value   float64
	step    float64 // counters: mean increment per scrape; gauges: scale
}

type family struct {
	name, help, typ string
	series          []*series
}

type rendered struct {
	plain []byte
	gz    []byte
}

type target struct {
	port     int
	families []*family
	rng      *rand.Rand
	body     atomic.Value // *rendered
	regen    chan struct{}
	lastSize int // bytes of the last plain body, to size the next one

	scrapes   sync.Map // user agent -> *int64
	gzipped   int64
	plainReqs int64
	bytesOut  int64
}

func lbl(kv ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kv[i])
		b.WriteString(`="`)
		b.WriteString(kv[i+1])
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// buildFamilies lays out exactly n series with node-exporter / client_golang label shapes. Up to
// 5,000 series the layout is fixed (cut short below that); above it every family's cardinality is
// scaled by n/5000 (more cpus, devices, handlers, ...), so 50,000 series per target keep the mix
// of families, label counts and value shapes of 5,000 instead of being mostly filler gauges.
func buildFamilies(n int, rng *rand.Rand) []*family {
	k := n / 5000
	if k < 1 {
		k = 1
	}
	var fams []*family
	total := 0
	add := func(f *family) {
		if total+len(f.series) > n {
			f.series = f.series[:n-total]
		}
		if len(f.series) > 0 {
			fams = append(fams, f)
			total += len(f.series)
		}
	}
	counter := func(name, labels string, step float64) *series {
		return &series{name: name, labels: labels, counter: true, value: rng.Float64() * step * 1e4, step: step}
	}
	gauge := func(name, labels string, scale float64) *series {
		return &series{name: name, labels: labels, value: rng.Float64() * scale, step: scale}
	}

	// node_cpu_seconds_total{cpu,mode}: 64 cpus x 8 modes = 512 (times k, as every family below)
	f := &family{name: "node_cpu_seconds_total", help: "Seconds the CPUs spent in each mode.", typ: "counter"}
	modes := []string{"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"}
	for c := 0; c < 64*k; c++ {
		for _, m := range modes {
			f.series = append(f.series, counter(f.name, lbl("cpu", strconv.Itoa(c), "mode", m), 3.7))
		}
	}
	add(f)
	// node_disk_*_total{device}: 3 x 150 = 450
	for _, m := range []string{"node_disk_read_bytes_total", "node_disk_written_bytes_total", "node_disk_io_time_seconds_total"} {
		f := &family{name: m, help: "Disk statistic " + m + ".", typ: "counter"}
		for d := 0; d < 150*k; d++ {
			step := 4096.0 * 977
			if strings.HasSuffix(m, "seconds_total") {
				step = 0.37
			}
			f.series = append(f.series, counter(m, lbl("device", fmt.Sprintf("nvme%dn%d", d/8, d%8+1)), step))
		}
		add(f)
	}
	// node_filesystem_{avail,size}_bytes{device,fstype,mountpoint}: 2 x 300 = 600
	fstypes := []string{"ext4", "xfs", "tmpfs", "overlay"}
	for _, m := range []string{"node_filesystem_avail_bytes", "node_filesystem_size_bytes"} {
		f := &family{name: m, help: "Filesystem statistic " + m + ".", typ: "gauge"}
		for d := 0; d < 300*k; d++ {
			f.series = append(f.series, gauge(m, lbl("device", fmt.Sprintf("/dev/mapper/vg%d-lv%d", d/20, d%20),
				"fstype", fstypes[d%len(fstypes)], "mountpoint", fmt.Sprintf("/var/lib/kubelet/pods/%08x/volumes", d*2654435761)), 5e11))
		}
		add(f)
	}
	// node_network_{receive,transmit}_bytes_total{device}: 2 x 250 = 500
	for _, m := range []string{"node_network_receive_bytes_total", "node_network_transmit_bytes_total"} {
		f := &family{name: m, help: "Network device statistic " + m + ".", typ: "counter"}
		for d := 0; d < 250*k; d++ {
			f.series = append(f.series, counter(m, lbl("device", fmt.Sprintf("veth%07x", d*40503)), 1.5e6))
		}
		add(f)
	}
	// http_requests_total{code,handler,method}: 40 x 4 x 5 = 800
	methods := []string{"GET", "POST", "PUT", "DELETE"}
	codes := []string{"200", "201", "400", "404", "500"}
	f = &family{name: "http_requests_total", help: "Requests handled, by code, handler and method.", typ: "counter"}
	for h := 0; h < 40*k; h++ {
		for _, m := range methods {
			for _, c := range codes {
				f.series = append(f.series, counter(f.name, lbl("code", c, "handler", fmt.Sprintf("/api/v1/resource%02d", h), "method", m), 25))
			}
		}
	}
	add(f)
	// http_request_duration_seconds histogram{handler,method,le}: 40 x 2 x (12 buckets + sum + count) = 1120
	f = &family{name: "http_request_duration_seconds", help: "Request latency.", typ: "histogram"}
	les := []string{"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}
	for h := 0; h < 40*k; h++ {
		for _, m := range methods[:2] {
			hd := fmt.Sprintf("/api/v1/resource%02d", h)
			for i, le := range les {
				f.series = append(f.series, counter(f.name+"_bucket", lbl("handler", hd, "method", m, "le", le), float64(i+1)*2))
			}
			f.series = append(f.series, counter(f.name+"_sum", lbl("handler", hd, "method", m), 1.3))
			f.series = append(f.series, counter(f.name+"_count", lbl("handler", hd, "method", m), 24))
		}
	}
	add(f)
	// Fill up to n with app_queue_depth{queue,shard} gauges.
	f = &family{name: "app_queue_depth", help: "Items waiting per queue shard.", typ: "gauge"}
	for i := 0; total+len(f.series) < n; i++ {
		f.series = append(f.series, gauge(f.name, lbl("queue", fmt.Sprintf("q%03d", i/32), "shard", strconv.Itoa(i%32)), 1000))
	}
	add(f)
	return fams
}

func (t *target) render() *rendered {
	var b bytes.Buffer
	b.Grow(t.lastSize + t.lastSize/8 + 64*1024) // bodies of 50,000 series are ~5 MB: grow once
	num := make([]byte, 0, 32)
	for _, f := range t.families {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", f.name, f.help, f.name, f.typ)
		for _, s := range f.series {
			if s.counter {
				s.value += s.step * (0.5 + t.rng.Float64())
				if s.step >= 10 {
					s.value = float64(int64(s.value)) // byte and request counters are integers
				}
			} else {
				s.value = s.step * t.rng.Float64()
				if s.step >= 1000 {
					s.value = float64(int64(s.value))
				}
			}
			b.WriteString(s.name)
			b.WriteString(s.labels)
			b.WriteByte(' ')
			b.Write(strconv.AppendFloat(num[:0], s.value, 'g', -1, 64))
			b.WriteByte('\n')
		}
	}
	t.lastSize = b.Len()
	var z bytes.Buffer
	z.Grow(b.Len()/4 + 4096)
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
	zw.Write(b.Bytes())
	zw.Close()
	return &rendered{plain: b.Bytes(), gz: z.Bytes()}
}

func (t *target) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/metrics" {
		http.NotFound(w, r)
		return
	}
	body := t.body.Load().(*rendered)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	out := body.plain
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		out = body.gz
		atomic.AddInt64(&t.gzipped, 1)
	} else {
		atomic.AddInt64(&t.plainReqs, 1)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.Write(out)
	atomic.AddInt64(&t.bytesOut, int64(len(out)))
	ua := r.Header.Get("User-Agent")
	if i := strings.IndexAny(ua, "/ "); i > 0 {
		ua = ua[:i] // "Prometheus/2.42.0" -> "Prometheus", "vm_promscrape" stays
	}
	c, _ := t.scrapes.LoadOrStore(ua, new(int64))
	atomic.AddInt64(c.(*int64), 1)
	select { // next scrape gets new values
	case t.regen <- struct{}{}:
	default:
	}
}

func main() {
	host := flag.String("host", "127.0.0.1", "listen address (loopback)")
	basePort := flag.Int("base-port", 19100, "first target port")
	n := flag.Int("targets", 20, "number of targets")
	perTarget := flag.Int("series", 5000, "series per target")
	ctlPort := flag.Int("control-port", 19190, "port of /stats and the /api/v1/write sink")
	flag.Parse()

	targets := make([]*target, *n)
	for i := range targets {
		rng := rand.New(rand.NewSource(int64(i + 1)))
		t := &target{port: *basePort + i, rng: rng, regen: make(chan struct{}, 1), lastSize: 100 * *perTarget}
		t.families = buildFamilies(*perTarget, rng)
		t.body.Store(t.render())
		go func() {
			for range t.regen {
				t.body.Store(t.render())
			}
		}()
		targets[i] = t
		ln, err := net.Listen("tcp", fmt.Sprintf("%s:%d", *host, t.port))
		if err != nil {
			log.Fatal(err)
		}
		go func() { log.Fatal(http.Serve(ln, t)) }()
	}

	var sinkReqs, sinkBytes int64
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/write", func(w http.ResponseWriter, r *http.Request) {
		nb, _ := io.Copy(io.Discard, r.Body)
		atomic.AddInt64(&sinkReqs, 1)
		atomic.AddInt64(&sinkBytes, nb)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		byUA := map[string]int64{}
		var gz, plain, out int64
		for _, t := range targets {
			t.scrapes.Range(func(k, v any) bool {
				byUA[k.(string)] += atomic.LoadInt64(v.(*int64))
				return true
			})
			gz += atomic.LoadInt64(&t.gzipped)
			plain += atomic.LoadInt64(&t.plainReqs)
			out += atomic.LoadInt64(&t.bytesOut)
		}
		last := targets[0].body.Load().(*rendered)
		json.NewEncoder(w).Encode(map[string]any{
			"targets": len(targets), "series_per_target": *perTarget,
			"scrapes_by_user_agent": byUA, "gzip_responses": gz, "plain_responses": plain,
			"bytes_out": out, "body_bytes": len(last.plain), "body_gzip_bytes": len(last.gz),
			"sink_requests": atomic.LoadInt64(&sinkReqs), "sink_bytes": atomic.LoadInt64(&sinkBytes),
		})
	})
	ln, err := net.Listen("tcp", fmt.Sprintf("%s:%d", *host, *ctlPort))
	if err != nil {
		log.Fatal(err)
	}
	go func() { log.Fatal(http.Serve(ln, mux)) }()
	log.Printf("%d targets x %d series on %s:%d-%d, control on :%d", *n, *perTarget, *host, *basePort, *basePort+*n-1, *ctlPort)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
}
