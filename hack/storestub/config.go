package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is what the stub runs with: tikv.toml's keys (the whole document is kept, so
// GET /config shows the user's settings too) with tikv-server's command-line overrides.
type Config struct {
	Addr                string
	AdvertiseAddr       string
	StatusAddr          string
	AdvertiseStatusAddr string
	DataDir             string
	PDEndpoints         []string
	Labels              map[string]string
	Version             string
	// TiKV's raftstore settings the stub honours, with TiKV's defaults.
	StoreHeartbeatInterval  time.Duration
	RegionHeartbeatInterval time.Duration
	MaxPeerDownDuration     time.Duration
	// Regions the bootstrapping store splits the first region into.
	InitialRegions int
	// NoStoreHeartbeat: register, but never send a store heartbeat (--stub-no-store-heartbeat).
	NoStoreHeartbeat bool
	// The document served by GET /config and changed by POST /config.
	Document map[string]any
}

// staticKeys are settings TiKV never changes online; POST /config refuses them (the
// same keys and message as the operator's PD simulator, hack/pdsim/model.py).
var staticKeys = map[string]bool{
	"server.addr": true, "server.advertise-addr": true, "server.status-addr": true,
	"server.advertise-status-addr": true, "storage.data-dir": true, "storage.engine": true,
	"pd.endpoints": true, "raft-engine.dir": true, "rocksdb.wal-dir": true,
}

// flagValues are tikv-server's overrides; an empty value leaves the file's setting.
type flagValues struct {
	config, addr, statusAddr, advertiseAddr, advertiseStatusAddr string
	pdEndpoints, dataDir, labels, version                        string
	regions                                                      int
	noStoreHeartbeat                                             bool
}

func parseFlags(args []string) (flagValues, error) {
	var f flagValues
	fs := flag.NewFlagSet("storestub", flag.ContinueOnError)
	fs.StringVar(&f.config, "config", "", "path to tikv.toml")
	fs.StringVar(&f.addr, "addr", "", "server.addr")
	fs.StringVar(&f.statusAddr, "status-addr", "", "server.status-addr")
	fs.StringVar(&f.advertiseAddr, "advertise-addr", "", "server.advertise-addr")
	fs.StringVar(&f.advertiseStatusAddr, "advertise-status-addr", "", "server.advertise-status-addr")
	fs.StringVar(&f.pdEndpoints, "pd-endpoints", "", "pd.endpoints, comma separated")
	fs.StringVar(&f.dataDir, "data-dir", "", "storage.data-dir")
	fs.StringVar(&f.labels, "labels", "", "server.labels as key=value,key=value")
	fs.StringVar(&f.version, "stub-version", envOr("TIKV_STUB_VERSION", "8.5.1"),
		"the TiKV version the store reports to PD (default $TIKV_STUB_VERSION or 8.5.1)")
	regions, err := strconv.Atoi(envOr("TIKV_STUB_REGIONS", "12"))
	if err != nil {
		return f, fmt.Errorf("TIKV_STUB_REGIONS: %w", err)
	}
	fs.IntVar(&f.regions, "stub-regions", regions,
		"regions the bootstrapping store splits the key space into (default $TIKV_STUB_REGIONS or 12)")
	fs.BoolVar(&f.noStoreHeartbeat, "stub-no-store-heartbeat", false,
		"register the store but never send a store heartbeat, like a TiKV stuck between PutStore and its first heartbeat (PD lists it Down)")
	return f, fs.Parse(args)
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// loadConfig reads the file and applies the flags over it, like tikv-server.
func loadConfig(f flagValues) (*Config, error) {
	doc := map[string]any{}
	if f.config != "" {
		if _, err := toml.DecodeFile(f.config, &doc); err != nil {
			return nil, fmt.Errorf("config %s: %w", f.config, err)
		}
	}
	overrides := map[string]string{
		"server.addr": f.addr, "server.status-addr": f.statusAddr,
		"server.advertise-addr": f.advertiseAddr, "server.advertise-status-addr": f.advertiseStatusAddr,
		"storage.data-dir": f.dataDir,
	}
	for key, value := range overrides {
		if value != "" {
			setDotted(doc, key, value)
		}
	}
	if f.pdEndpoints != "" {
		setDotted(doc, "pd.endpoints", splitList(f.pdEndpoints))
	}
	if f.labels != "" {
		labels, err := parseLabels(f.labels)
		if err != nil {
			return nil, err
		}
		setDotted(doc, "server.labels", labels)
	}
	return configFromDocument(doc, f)
}

func configFromDocument(doc map[string]any, f flagValues) (*Config, error) {
	c := &Config{
		Addr:                stringAt(doc, "server.addr", "127.0.0.1:20160"),
		StatusAddr:          stringAt(doc, "server.status-addr", "127.0.0.1:20180"),
		DataDir:             stringAt(doc, "storage.data-dir", "./"),
		PDEndpoints:         stringsAt(doc, "pd.endpoints"),
		Labels:              map[string]string{},
		Version:             strings.TrimPrefix(f.version, "v"),
		InitialRegions:      f.regions,
		NoStoreHeartbeat:    f.noStoreHeartbeat,
		Document:            doc,
		AdvertiseAddr:       stringAt(doc, "server.advertise-addr", ""),
		AdvertiseStatusAddr: stringAt(doc, "server.advertise-status-addr", ""),
	}
	if c.AdvertiseAddr == "" {
		c.AdvertiseAddr = c.Addr
	}
	if c.AdvertiseStatusAddr == "" {
		c.AdvertiseStatusAddr = c.StatusAddr
	}
	if len(c.PDEndpoints) == 0 {
		return nil, fmt.Errorf("no PD endpoints: set pd.endpoints or --pd-endpoints")
	}
	if labels, ok := lookup(doc, "server.labels").(map[string]any); ok {
		for k, v := range labels {
			c.Labels[k] = fmt.Sprint(v)
		}
	}
	var err error
	durations := []struct {
		into     *time.Duration
		key, def string
	}{
		{&c.StoreHeartbeatInterval, "raftstore.pd-store-heartbeat-tick-interval", "10s"},
		{&c.RegionHeartbeatInterval, "raftstore.pd-heartbeat-tick-interval", "1m"},
		{&c.MaxPeerDownDuration, "raftstore.max-peer-down-duration", "10m"},
	}
	for _, d := range durations {
		if *d.into, err = time.ParseDuration(stringAt(doc, d.key, d.def)); err != nil {
			return nil, fmt.Errorf("%s: %w", d.key, err)
		}
	}
	return c, nil
}

// parseLabels reads tikv-server's --labels: "zone=z1,host=h1".
func parseLabels(s string) (map[string]any, error) {
	labels := map[string]any{}
	for _, item := range splitList(s) {
		k, v, ok := strings.Cut(item, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--labels: %q is not key=value", item)
		}
		labels[k] = v
	}
	return labels, nil
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func lookup(doc map[string]any, dotted string) any {
	var node any = doc
	for _, name := range strings.Split(dotted, ".") {
		table, ok := node.(map[string]any)
		if !ok {
			return nil
		}
		node = table[name]
	}
	return node
}

func stringAt(doc map[string]any, dotted, fallback string) string {
	if s, ok := lookup(doc, dotted).(string); ok && s != "" {
		return s
	}
	return fallback
}

func stringsAt(doc map[string]any, dotted string) []string {
	var out []string
	switch v := lookup(doc, dotted).(type) {
	case []any:
		for _, item := range v {
			out = append(out, fmt.Sprint(item))
		}
	case []string:
		out = v
	case string:
		out = splitList(v)
	}
	return out
}

func setDotted(doc map[string]any, dotted string, value any) {
	tables := strings.Split(dotted, ".")
	table := doc
	for _, name := range tables[:len(tables)-1] {
		next, ok := table[name].(map[string]any)
		if !ok {
			next = map[string]any{}
			table[name] = next
		}
		table = next
	}
	table[tables[len(tables)-1]] = value
}

// labelKeys: the label names in order, for a stable PutStore.
func (c *Config) labelKeys() []string {
	keys := make([]string, 0, len(c.Labels))
	for k := range c.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
