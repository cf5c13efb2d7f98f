package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/pingcap/kvproto/pkg/pdpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

const pdTimeout = 3 * time.Second

// PD is a connection to PD's leader. Every call goes to the member GetMembers names as
// leader; a failed call drops the connection so the next one asks the members again,
// which is how a leader change is followed (TiKV's pd_client does the same).
type PD struct {
	endpoints []string

	mu        sync.Mutex
	conn      *grpc.ClientConn
	clusterID uint64
	members   []string // client URLs of every member, learned from GetMembers
	// reconnected is closed when a new connection replaces the one it was handed out
	// with: the region heartbeat stream then moves to the new leader at once and reports
	// every region again, as TiKV does on its PD client's reconnect.
	reconnected chan struct{}
}

// pdError is an error PD put in a response header (not a transport error).
type pdError struct {
	Type    pdpb.ErrorType
	Message string
}

func (e *pdError) Error() string { return fmt.Sprintf("PD %s: %s", e.Type, e.Message) }

func isPDError(err error, t pdpb.ErrorType) bool {
	var pe *pdError
	return errors.As(err, &pe) && pe.Type == t
}

func headerError(h *pdpb.ResponseHeader) error {
	if e := h.GetError(); e != nil && e.Type != pdpb.ErrorType_OK {
		return &pdError{Type: e.Type, Message: e.Message}
	}
	return nil
}

func NewPD(endpoints []string) *PD {
	return &PD{endpoints: endpoints, reconnected: make(chan struct{})}
}

// Reconnected is closed when the current connection has been replaced.
func (p *PD) Reconnected() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reconnected
}

func (p *PD) header() *pdpb.RequestHeader {
	p.mu.Lock()
	defer p.mu.Unlock()
	return &pdpb.RequestHeader{ClusterId: p.clusterID}
}

func (p *PD) ClusterID() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.clusterID
}

// client returns a client of the current leader, connecting when there is none.
func (p *PD) client(ctx context.Context) (pdpb.PDClient, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil {
		return pdpb.NewPDClient(p.conn), nil
	}
	candidates := append(append([]string{}, p.members...), p.endpoints...)
	var lastErr error
	for _, url := range candidates {
		conn, leader, err := p.leaderVia(ctx, url)
		if err != nil {
			lastErr = err
			continue
		}
		p.conn = conn
		close(p.reconnected)
		p.reconnected = make(chan struct{})
		log.Printf("connected to PD leader %s (cluster %d)", leader, p.clusterID)
		return pdpb.NewPDClient(conn), nil
	}
	return nil, fmt.Errorf("no PD leader reachable via %v: %w", candidates, lastErr)
}

// leaderVia asks the member at url who leads and dials the leader.
func (p *PD) leaderVia(ctx context.Context, url string) (*grpc.ClientConn, string, error) {
	conn, err := dial(url)
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, pdTimeout)
	defer cancel()
	resp, err := pdpb.NewPDClient(conn).GetMembers(ctx, &pdpb.GetMembersRequest{})
	conn.Close()
	if err == nil {
		err = headerError(resp.GetHeader())
	}
	if err != nil {
		return nil, "", err
	}
	leader := resp.GetLeader()
	if leader == nil || len(leader.GetClientUrls()) == 0 {
		return nil, "", fmt.Errorf("PD at %s knows no leader", url)
	}
	p.clusterID = resp.GetHeader().GetClusterId()
	p.members = p.members[:0]
	for _, m := range resp.GetMembers() {
		p.members = append(p.members, m.GetClientUrls()...)
	}
	url = leader.GetClientUrls()[0]
	conn, err = dial(url)
	return conn, url, err
}

func dial(url string) (*grpc.ClientConn, error) {
	target := strings.TrimPrefix(strings.TrimPrefix(url, "http://"), "https://")
	return grpc.Dial(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
}

// reset drops the connection after a failure, so the next call finds the leader again.
func (p *PD) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil {
		p.conn.Close()
		p.conn = nil
	}
}

// call runs f against the leader until it answers. Transport errors and answers from a
// member that is not (or no longer) the leader drop the connection and retry with
// backoff until ctx ends; any other error PD puts in the header is returned as *pdError.
func call[T interface{ GetHeader() *pdpb.ResponseHeader }](
	ctx context.Context, p *PD, f func(context.Context, pdpb.PDClient) (T, error),
) (T, error) {
	for attempt := 0; ; attempt++ {
		resp, err := callOnce(ctx, p, f)
		if err == nil || !retryable(err) {
			return resp, err
		}
		if attempt > 0 {
			log.Printf("PD call failed (attempt %d): %v", attempt+1, err)
		}
		p.reset()
		select {
		case <-ctx.Done():
			return resp, ctx.Err()
		case <-time.After(backoff(attempt)):
		}
	}
}

func callOnce[T interface{ GetHeader() *pdpb.ResponseHeader }](
	ctx context.Context, p *PD, f func(context.Context, pdpb.PDClient) (T, error),
) (T, error) {
	var zero T
	c, err := p.client(ctx)
	if err != nil {
		return zero, err
	}
	ctx, cancel := context.WithTimeout(ctx, pdTimeout)
	defer cancel()
	resp, err := f(ctx, c)
	if err != nil {
		return zero, err
	}
	return resp, headerError(resp.GetHeader())
}

// retryable: anything but an answer PD means (a follower answers "not leader" or "no
// leader" as UNKNOWN errors while an election runs, so those are retried too).
func retryable(err error) bool {
	var pe *pdError
	if !errors.As(err, &pe) {
		return !errors.Is(err, context.Canceled)
	}
	msg := strings.ToLower(pe.Message)
	return pe.Type == pdpb.ErrorType_UNKNOWN &&
		(strings.Contains(msg, "not leader") || strings.Contains(msg, "no leader"))
}

func backoff(attempt int) time.Duration {
	d := 200 * time.Millisecond << min(attempt, 4)
	return min(d, 3*time.Second)
}
