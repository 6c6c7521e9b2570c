// Command forward relays TCP connections: each argument LISTEN=TARGET (host:port each) accepts on LISTEN and
// connects every client to TARGET. The local node uses it to offer servers that listen on the host's
// loopback (the API server, the databases) on the host's address of the node's veth link, which pods reach.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: forward LISTEN=TARGET [LISTEN=TARGET ...]")
		os.Exit(2)
	}
	for _, pair := range os.Args[1:] {
		listen, target, ok := strings.Cut(pair, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "forward: %q is not LISTEN=TARGET\n", pair)
			os.Exit(2)
		}
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			fmt.Fprintf(os.Stderr, "forward: %v\n", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "forward: %s -> %s\n", listen, target)
		go serve(ln, target)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}

func serve(ln net.Listener, target string) {
	for {
		client, err := ln.Accept()
		if err != nil {
			fmt.Fprintf(os.Stderr, "forward: accept on %s: %v\n", ln.Addr(), err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		go relay(client, target)
	}
}

func relay(client net.Conn, target string) {
	defer client.Close()
	server, err := net.DialTimeout("tcp", target, 10*time.Second)
	if err != nil {
		fmt.Fprintf(os.Stderr, "forward: %s: %v\n", target, err)
		return
	}
	defer server.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tcp, ok := dst.(*net.TCPConn); ok {
			_ = tcp.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	<-done
}
