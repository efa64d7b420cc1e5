package broker

import (
	"context"
	"net"
	"strconv"
	"sync"
)

// listen binds the configured host instead of kfake's fixed 127.0.0.1 and
// advertises the configured host, so a broker bound to 0.0.0.0 still tells
// clients an address they can dial. The listener starts closed to clients
// (see gatedListener) and Start opens it once recovery is done.
func (b *Broker) listen(network, address string) (net.Listener, error) {
	_, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen(network, net.JoinHostPort(b.host, port))
	if err != nil {
		return nil, err
	}
	bound := ln.Addr().(*net.TCPAddr)
	adv := &advertisedAddr{network: network, hostport: net.JoinHostPort(b.cfg.advertise, strconv.Itoa(bound.Port))}
	gl := &gatedListener{
		Listener: ln,
		addr:     adv,
		internal: make(chan net.Conn),
		open:     make(chan struct{}),
		closed:   make(chan struct{}),
	}
	b.ln = gl
	return gl, nil
}

// gatedListener hands kfake only in-process connections until opened, so
// Start can repair state over the Kafka protocol before any client sees the
// broker. Clients that connect meanwhile wait in the kernel's accept queue.
type gatedListener struct {
	net.Listener
	addr net.Addr

	internal  chan net.Conn
	open      chan struct{}
	openOnce  sync.Once
	closed    chan struct{}
	closeOnce sync.Once
}

func (l *gatedListener) Addr() net.Addr { return l.addr }

func (l *gatedListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.internal:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	case <-l.open:
		return l.Listener.Accept()
	}
}

func (l *gatedListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// Open lets clients in.
func (l *gatedListener) Open() { l.openOnce.Do(func() { close(l.open) }) }

// dialInternal returns an in-process connection to the broker, accepted
// even while the listener is not yet open.
func (l *gatedListener) dialInternal(ctx context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.internal <- server:
		return client, nil
	case <-l.closed:
		client.Close()
		server.Close()
		return nil, net.ErrClosed
	case <-ctx.Done():
		client.Close()
		server.Close()
		return nil, ctx.Err()
	}
}

type advertisedAddr struct{ network, hostport string }

func (a *advertisedAddr) Network() string { return a.network }
func (a *advertisedAddr) String() string  { return a.hostport }
