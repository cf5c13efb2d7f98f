package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

var startTime = time.Now()

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	flags, err := parseFlags(os.Args[1:])
	if err != nil {
		os.Exit(2)
	}
	cfg, err := loadConfig(flags)
	if err != nil {
		log.Fatalf("[FATAL] %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		if errors.Is(err, errTombstone) {
			log.Printf("[FATAL] %v; a removed store never starts again: start with an empty data dir to join as a new store", err)
		} else {
			log.Printf("[FATAL] %v", err)
		}
		os.Exit(1)
	}
	log.Printf("stopped")
}

// run is the store's life: join the cluster, take raft messages and serve the status
// port, then heartbeat and follow PD's schedule until SIGTERM.
func run(ctx context.Context, cfg *Config) error {
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return err
	}
	pd := NewPD(cfg.PDEndpoints)
	storeID, first, err := joinCluster(ctx, cfg, pd)
	if err != nil {
		return err
	}
	regions, err := loadRegions(cfg.DataDir)
	if err != nil {
		return fmt.Errorf("regions in %s: %w", cfg.DataDir, err)
	}
	store := NewStore(cfg, pd, storeID, regions)
	if first != nil {
		r := newLocalRegion(first, nil, 1)
		r.becomeLeader(first.GetPeers()[0], 1)
		store.regions[first.GetId()] = r
		store.changed(r)
	}
	if err := putStore(ctx, cfg, pd, storeID); err != nil {
		return err
	}
	log.Printf("store %d at %s (status %s, version %s, labels %v)", storeID, cfg.AdvertiseAddr, cfg.AdvertiseStatusAddr, cfg.Version, cfg.Labels)

	raftMux := http.NewServeMux()
	raftMux.HandleFunc("POST /raft", store.serveRaft)
	servers, err := listen(map[string]http.Handler{
		cfg.Addr:       raftMux,
		cfg.StatusAddr: (&statusServer{store: store}).routes(),
	})
	if err != nil {
		return err
	}

	var wg sync.WaitGroup
	loops := []func(context.Context){store.regionHeartbeatLoop, store.raftTickLoop, store.persistLoop}
	if cfg.NoStoreHeartbeat {
		log.Printf("store %d sends no store heartbeats (--stub-no-store-heartbeat)", storeID)
	} else {
		loops = append(loops, store.storeHeartbeatLoop)
	}
	for _, loop := range loops {
		wg.Add(1)
		go func() { defer wg.Done(); loop(ctx) }()
	}
	if first != nil {
		if err := store.splitRegion(ctx, first.GetId(), initialSplitKeys(cfg.InitialRegions)); err != nil {
			log.Printf("initial split: %v", err)
		}
	}
	<-ctx.Done()
	log.Printf("SIGTERM: stopping heartbeats")
	for _, srv := range servers {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = srv.Shutdown(shutdownCtx)
		cancel()
	}
	wg.Wait()
	return nil
}

// listen binds every address before serving any, so a taken port fails the start.
func listen(handlers map[string]http.Handler) ([]*http.Server, error) {
	var servers []*http.Server
	for addr, handler := range handlers {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			for _, srv := range servers {
				srv.Close()
			}
			return nil, err
		}
		srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		servers = append(servers, srv)
	}
	return servers, nil
}
