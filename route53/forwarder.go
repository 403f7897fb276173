package route53

import (
	"strings"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/sim"
)

// ForwarderConfig configures a Forwarder.
type ForwarderConfig struct {
	// Resolver answers for clients whose sim.Client.Resolver is empty or
	// unknown; nil makes such requests fail with Reason "NoResolver".
	Resolver *Resolver
	// AAAA resolves IPv6 addresses instead of IPv4.
	AAAA bool
	// OnResolve, when set, is called with every answer a request received,
	// before the request is sent on.
	OnResolve func(req *sim.Request, a Answer)
}

// Forwarder is a sim.Handler that does what a client does before it sends a
// request: it resolves req.Host through the client's recursive resolver
// (sim.Client.Resolver names it or its pool; see ResolverFor), waits the DNS latency, and sends the
// request to the handler registered for the first address of the answer.
// DNS failures are answers: Reason "NXDOMAIN", "NoData", "SERVFAIL",
// "NoResolver" or "HostUnreachable" (no handler at the address), Status 0.
type Forwarder struct {
	r   *Route53
	cfg ForwarderConfig
}

// NewForwarder returns a Forwarder.
func (r *Route53) NewForwarder(cfg ForwarderConfig) *Forwarder { return &Forwarder{r: r, cfg: cfg} }

// Serve implements sim.Handler.
func (f *Forwarder) Serve(req *sim.Request, reply func(sim.Response)) {
	s := f.r.s
	enter := s.Now()
	rv := f.cfg.Resolver
	if x, ok := f.r.ResolverFor(req.Client); ok {
		rv = x
	}
	host := req.Host
	fail := func(reason string) {
		req.AddHop(sim.Hop{Service: "route53", Name: host, Enter: enter, Leave: s.Now()})
		reply(sim.Response{From: "route53:" + host, Reason: reason})
	}
	if rv == nil {
		fail("NoResolver")
		return
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i] // strip a port
	}
	qtype := dns.TypeA
	if f.cfg.AAAA {
		qtype = dns.TypeAAAA
	}
	name := host
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	a, lat := rv.ResolveFor(req.Client, name, qtype)
	if f.cfg.OnResolve != nil {
		f.cfg.OnResolve(req, a)
	}
	s.After(lat, func() {
		switch {
		case a.Rcode == dns.RcodeNameError:
			fail("NXDOMAIN")
			return
		case a.Rcode != dns.RcodeSuccess:
			fail("SERVFAIL")
			return
		case len(a.Addrs) == 0:
			fail("NoData")
			return
		}
		h, ok := f.r.Endpoint(a.Addrs[0])
		if !ok {
			fail("HostUnreachable")
			return
		}
		h.Serve(req, func(resp sim.Response) {
			req.AddHop(sim.Hop{Service: "route53", Name: host, Enter: enter, Leave: s.Now(), Status: resp.Status})
			reply(resp)
		})
	})
}
