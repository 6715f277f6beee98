// Package metrics holds the desk's Prometheus measures: HTTP requests and their latency,
// cases opened and record entries appended. One registry per server; no globals.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one server's set of measures.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	casesOpened prometheus.Counter
	entries     prometheus.Counter
}

// New registers the desk's measures, with the Go runtime's and the process's.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kept_http_requests_total", Help: "HTTP requests answered, by route and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kept_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
		casesOpened: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kept_cases_opened_total", Help: "Cases opened since the server started.",
		}),
		entries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kept_record_entries_appended_total", Help: "Record entries appended since the server started.",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.casesOpened, m.entries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Request counts one answered request. route must be the pattern that answered it (never the
// raw path, which a client chooses); the method is one of HTTP's own or "other". Every label
// comes from a fixed set, so no request can add series: /metrics is open to anyone, and every
// new label value used to stay in memory and in its answer for good.
func (m *Metrics) Request(method, route string, code int, took time.Duration) {
	method = MethodLabel(method)
	m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(method, route).Observe(took.Seconds())
}

// MethodLabel is a request method as the measures name it: one of the methods the desk
// answers, or "other" for anything a client made up.
func MethodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodHead, http.MethodOptions:
		return method
	}
	return "other"
}

// WatchOutbox reports the outbox's mails by state (pending, sending, failed) on each scrape,
// as count reads them: mail that waits too long or failed shows here, not only in a log line.
func (m *Metrics) WatchOutbox(count func(context.Context) (map[string]int, error)) {
	m.reg.MustRegister(outboxCollector{count: count})
}

var outboxDesc = prometheus.NewDesc("kept_outbox_mails", "Mails in the outbox by state: pending (waiting to be sent), sending, failed (refused or given up; each says so on its case).",
	[]string{"state"}, nil)

type outboxCollector struct {
	count func(context.Context) (map[string]int, error)
}

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- outboxDesc }

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxDesc, err)
		return
	}
	for _, state := range []string{"pending", "sending", "failed"} {
		ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(counts[state]), state)
	}
}

// Committed counts what a committed command changed.
func (m *Metrics) Committed(caseOpened bool, entries int) {
	if caseOpened {
		m.casesOpened.Inc()
	}
	m.entries.Add(float64(entries))
}

// Handler serves the measures in Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
