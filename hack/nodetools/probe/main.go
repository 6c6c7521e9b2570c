// Command probe is the local node's test workload: a static program for a one-layer image, with no shell
// or resolver needed. Its exit code tells network failures from application answers:
//
//	probe echo TEXT...            print TEXT and exit 0 (a pod that runs to completion)
//	probe serve ADDR TEXT         serve TEXT over HTTP on ADDR (e.g. :8080) until stopped
//	probe get [-timeout D] [-delay D] [-retry-for D] URL
//	                              GET URL (after -delay; again until a 2xx or -retry-for passed): print the
//	                              body and exit 0 on 2xx; exit 3 on a timeout, 4 when refused or reset,
//	                              5 on another network error, 6 on a non-2xx answer (of the last try)
//	probe tcp HOST:PORT [TIMEOUT] connect and close; exit codes as for get
//	probe kube PATH               GET PATH from the API server with the pod's ServiceAccount (in-cluster
//	                              config: KUBERNETES_SERVICE_HOST/PORT, token and CA); print the status line
//	probe sleep                   sleep until stopped
package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

const saDir = "/var/run/secrets/kubernetes.io/serviceaccount"

func main() {
	if len(os.Args) < 2 {
		fail(2, "usage: probe echo|serve|get|tcp|kube|sleep ...")
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "echo":
		fmt.Println(strings.Join(args, " "))
	case "serve":
		if len(args) != 2 {
			fail(2, "usage: probe serve ADDR TEXT")
		}
		serve(args[0], args[1])
	case "get":
		fs := flag.NewFlagSet("get", flag.ExitOnError)
		timeout := fs.Duration("timeout", 5*time.Second, "time allowed for one try")
		delay := fs.Duration("delay", 0, "wait this long before the first try")
		retryFor := fs.Duration("retry-for", 0, "try again until a 2xx answer or this long has passed")
		_ = fs.Parse(args)
		if fs.NArg() != 1 {
			fail(2, "usage: probe get [-timeout D] [-delay D] [-retry-for D] URL")
		}
		time.Sleep(*delay)
		deadline := time.Now().Add(*retryFor)
		for try := 1; ; try++ {
			code, message := get(fs.Arg(0), *timeout)
			if code == 0 || time.Now().After(deadline) {
				if code != 0 {
					fail(code, "%s (try %d)", message, try)
				}
				return
			}
			fmt.Fprintf(os.Stderr, "probe: try %d: %s\n", try, message)
			time.Sleep(500 * time.Millisecond)
		}
	case "tcp":
		if len(args) < 1 {
			fail(2, "usage: probe tcp HOST:PORT [TIMEOUT]")
		}
		timeout := 5 * time.Second
		if len(args) > 1 {
			d, err := time.ParseDuration(args[1])
			if err != nil {
				fail(2, "bad timeout: %v", err)
			}
			timeout = d
		}
		conn, err := net.DialTimeout("tcp", args[0], timeout)
		if err != nil {
			fail(classify(err), "connect %s: %v", args[0], err)
		}
		_ = conn.Close()
		fmt.Printf("connected to %s\n", args[0])
	case "kube":
		if len(args) != 1 {
			fail(2, "usage: probe kube PATH")
		}
		kube(args[0])
	case "sleep":
		waitForSignal()
	default:
		fail(2, "unknown command %q", os.Args[1])
	}
}

func fail(code int, format string, a ...any) {
	fmt.Fprintf(os.Stderr, "probe: "+format+"\n", a...)
	os.Exit(code)
}

func waitForSignal() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}

func serve(addr, text string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fail(1, "%v", err)
	}
	fmt.Printf("serving on %s\n", ln.Addr())
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, text+"\n")
		}))
	}()
	waitForSignal()
}

func classify(err error) int {
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		return 3
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EHOSTUNREACH):
		return 4
	default:
		return 5
	}
}

// get returns 0 after printing a 2xx answer's body, or an exit code and what went wrong.
func get(url string, timeout time.Duration) (int, string) {
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Get(url)
	if err != nil {
		code := classify(err)
		return code, fmt.Sprintf("GET %s: %v (%s)", url, err, map[int]string{3: "timeout", 4: "refused or reset", 5: "network error"}[code])
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return 6, fmt.Sprintf("GET %s: %s", url, res.Status)
	}
	fmt.Print(string(body))
	return 0, ""
}

func kube(path string) {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		fail(1, "KUBERNETES_SERVICE_HOST/PORT are not set: not in a pod?")
	}
	token, err := os.ReadFile(saDir + "/token")
	if err != nil {
		fail(1, "%v", err)
	}
	caPEM, err := os.ReadFile(saDir + "/ca.crt")
	if err != nil {
		fail(1, "%v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := http.NewRequest(http.MethodGet, "https://"+net.JoinHostPort(host, port)+path, nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	res, err := client.Do(req)
	if err != nil {
		fail(classify(err), "GET %s: %v", path, err)
	}
	defer res.Body.Close()
	fmt.Printf("%s %s\n", res.Proto, res.Status)
}
