package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
)

// statusServer is TiKV's status port as the operator uses it: the readiness probe
// (GET /status), metrics, and the online config API (GET/POST /config).
type statusServer struct {
	store *Store
	mu    sync.Mutex // guards store.cfg.Document
}

func (h *statusServer) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /metrics", h.metrics)
	mux.HandleFunc("GET /config", h.getConfig)
	mux.HandleFunc("POST /config", h.setConfig)
	return mux
}

func (h *statusServer) getConfig(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(h.store.cfg.Document)
}

// setConfig applies dotted keys to string values, all or nothing, and answers an empty
// 200 like TiKV; errors are plain text with TiKV's wording. `persist` is accepted and
// ignored: the stub never rewrites its config file.
func (h *statusServer) setConfig(w http.ResponseWriter, req *http.Request) {
	var items map[string]string
	if err := json.NewDecoder(req.Body).Decode(&items); err != nil {
		http.Error(w, fmt.Sprintf("failed to decode, error: %v", err), http.StatusInternalServerError)
		return
	}
	keys := make([]string, 0, len(items))
	for k := range items {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if staticKeys[k] {
			http.Error(w, fmt.Sprintf("failed to update, error: %q", k+" can not be changed online"), http.StatusInternalServerError)
			return
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range keys {
		setDotted(h.store.cfg.Document, k, items[k])
	}
	w.WriteHeader(http.StatusOK)
}

// metrics: a few of TiKV's gauges, in Prometheus' text format.
func (h *statusServer) metrics(w http.ResponseWriter, _ *http.Request) {
	regions, leaders := h.store.counts()
	capacity, available := diskUsage(h.store.cfg.DataDir)
	var b strings.Builder
	gauge := func(name, help, labels string, value float64) {
		if !strings.Contains(b.String(), "# TYPE "+name+" ") {
			fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
		}
		fmt.Fprintf(&b, "%s%s %g\n", name, labels, value)
	}
	gauge("tikv_raftstore_region_count", "Number of regions and leaders on the store.", `{type="region"}`, float64(regions))
	gauge("tikv_raftstore_region_count", "Number of regions and leaders on the store.", `{type="leader"}`, float64(leaders))
	gauge("tikv_store_size_bytes", "Size of the store's disk.", `{type="capacity"}`, float64(capacity))
	gauge("tikv_store_size_bytes", "Size of the store's disk.", `{type="available"}`, float64(available))
	gauge("tikv_engine_size_bytes", "Size of the store's data.", `{db="kv",type="default"}`, float64(regions)*regionSize)
	gauge("process_start_time_seconds", "Start time of the process since the epoch, in seconds.", "", float64(startTime.Unix()))
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}
