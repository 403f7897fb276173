package sim

import (
	"net/netip"
	"strings"
	"time"
)

// Client says where a request comes from.
type Client struct {
	// ID identifies the client (a user, a device) within its population.
	ID uint64
	// IP is the client's source address.
	IP netip.Addr
	// Country is the ISO 3166-1 alpha-2 code, such as "DE".
	Country string
	// Subdivision is the ISO 3166-2 subdivision code without the country,
	// such as "CA" for California; empty when unknown.
	Subdivision string
	// Region is the AWS region the client is in or nearest to, such as
	// "eu-central-1"; it places clients that run inside AWS.
	Region string
	// Lat and Lon are the client's coordinates in degrees.
	Lat, Lon float64
	// Resolver names the recursive DNS resolver the client uses.
	Resolver string
}

// Header is one HTTP header or cookie.
type Header struct {
	Name, Value string
}

// Request is one client request as it flows through an architecture. The
// fields are those that routing, caching and serving read.
type Request struct {
	// ID is unique within a run; Sim.Send assigns it when zero.
	ID uint64
	// Start is when the client sent it; Sim.Send sets it.
	Start Time
	// Hops records the services the request passed through, in the order
	// they answered (innermost first).
	Hops []Hop
	// answered is set by Send's reply, to catch handlers that answer
	// twice. ID, Start, Hops and Send's reply state come first so that
	// completing a request long in flight touches one cache line of it.
	answered bool
	sim      *Sim
	done     func(*Request, Response)

	// Client is who sent it.
	Client Client
	// Protocol is "HTTP", "HTTPS", "TCP" or "UDP"; empty means "HTTPS".
	Protocol string
	// Method is the HTTP method, such as "GET".
	Method string
	// Host is the Host header (the name the client asked for).
	Host string
	// Path is the URL path, starting with "/".
	Path string
	// Query is the raw query string without "?".
	Query string
	// Headers are the request headers that routing and caching read.
	Headers []Header
	// Cookies are the request cookies.
	Cookies []Header
	// SrcPort and DstPort complete the 5-tuple for flow hashing.
	SrcPort, DstPort uint16
	// Bytes is the request size (headers and body) in bytes.
	Bytes int64
	// Work is the CPU time the request needs on one vCPU of the baseline
	// speed (a vCPU-second is time.Second).
	Work time.Duration

	// reply is Send's reply func bound to self; kept across Reset (and
	// rebound when the struct was copied) so a recycled request sends
	// without allocating.
	reply func(Response)
	self  *Request
}

// Hop is one service's part in a request: it held the request from Enter
// until it answered at Leave.
type Hop struct {
	// Service is the package that recorded the hop, such as "elb".
	Service string
	// Name identifies the resource, such as a load balancer's name.
	Name string
	// Enter and Leave bound the time the request spent in the hop,
	// including time in hops it called.
	Enter, Leave Time
	// Status is the HTTP status the hop answered with (0 when dropped).
	Status int
}

// Header returns the value of the named header (case-insensitive).
func (r *Request) Header(name string) (string, bool) { return lookup(r.Headers, name, true) }

// SetHeader sets a header, replacing any with the same name.
func (r *Request) SetHeader(name, value string) { r.Headers = set(r.Headers, name, value, true) }

// Cookie returns the value of the named cookie (case-sensitive).
func (r *Request) Cookie(name string) (string, bool) { return lookup(r.Cookies, name, false) }

// SetCookie sets a cookie, replacing any with the same name.
func (r *Request) SetCookie(name, value string) { r.Cookies = set(r.Cookies, name, value, false) }

// Reset clears an answered request for sending again: every field becomes
// zero, but Headers, Cookies and Hops keep their capacity and Send's bound
// reply is kept, so a load generator that recycles requests allocates
// nothing per request. Recycle a request only when no service still holds
// it: a load balancer that times a request out answers while the target
// may still be serving it, and would write its hop into the next trip.
func (r *Request) Reset() {
	// Still answered until sent again, so a stray second reply panics as
	// answered twice.
	*r = Request{Headers: r.Headers[:0], Cookies: r.Cookies[:0], Hops: r.Hops[:0], answered: true, reply: r.reply, self: r.self}
}

// AddHop appends a hop to the request's trace.
func (r *Request) AddHop(h Hop) { r.Hops = append(r.Hops, h) }

// SelfTime returns, for each hop, the time spent in it excluding its direct
// children: the hops recorded before it whose interval lies inside its own
// and inside no other such hop. The result is parallel to Hops.
func (r *Request) SelfTime() []time.Duration {
	inside := func(c, p Hop) bool { return c.Enter >= p.Enter && c.Leave <= p.Leave }
	out := make([]time.Duration, len(r.Hops))
	for i, h := range r.Hops {
		d := h.Leave.Sub(h.Enter)
		for j := 0; j < i; j++ {
			if !inside(r.Hops[j], h) {
				continue
			}
			direct := true
			for k := j + 1; k < i; k++ {
				if inside(r.Hops[k], h) && inside(r.Hops[j], r.Hops[k]) {
					direct = false
					break
				}
			}
			if direct {
				d -= r.Hops[j].Leave.Sub(r.Hops[j].Enter)
			}
		}
		out[i] = d
	}
	return out
}

// Response is the answer to a request.
type Response struct {
	// Status is the HTTP status code; 0 means the request was dropped
	// without an answer (see Reason).
	Status int
	// Bytes is the response size in bytes.
	Bytes int64
	// From names the hop that produced the answer, such as "elb:web" or
	// "ec2:i-0abc".
	From string
	// Reason is the error code or drop reason: an AWS error code such as
	// "SlowDown" or "NoSuchKey", or a cause such as "QueueFull".
	Reason string
	// Headers are the response headers that caches read (Cache-Control,
	// ETag, Age, ...). Services may share one slice between responses, so
	// treat it as read-only; WithHeader copies.
	Headers []Header
}

// Failed reports whether the request was dropped without an HTTP answer.
func (r Response) Failed() bool { return r.Status == 0 }

// Header returns the value of the named response header (case-insensitive).
func (r Response) Header(name string) (string, bool) { return lookup(r.Headers, name, true) }

// WithHeader returns r with the header set, replacing any of that name.
func (r Response) WithHeader(name, value string) Response {
	r.Headers = set(append([]Header(nil), r.Headers...), name, value, true)
	return r
}

// Handler is anything that answers requests: an instance, a load balancer,
// a bucket, a distribution, or a user's function. Serve must call reply
// exactly once, now or from a later event; it may call it before returning.
type Handler interface {
	Serve(req *Request, reply func(Response))
}

// HandlerFunc adapts a plain function to Handler.
type HandlerFunc func(req *Request, reply func(Response))

// Serve calls f(req, reply).
func (f HandlerFunc) Serve(req *Request, reply func(Response)) { f(req, reply) }

// Fixed returns a Handler that answers every request at once with resp.
func Fixed(resp Response) Handler {
	return HandlerFunc(func(_ *Request, reply func(Response)) { reply(resp) })
}

func lookup(hs []Header, name string, fold bool) (string, bool) {
	for _, h := range hs {
		if h.Name == name || (fold && strings.EqualFold(h.Name, name)) {
			return h.Value, true
		}
	}
	return "", false
}

func set(hs []Header, name, value string, fold bool) []Header {
	for i, h := range hs {
		if h.Name == name || (fold && strings.EqualFold(h.Name, name)) {
			hs[i].Value = value
			return hs
		}
	}
	return append(hs, Header{Name: name, Value: value})
}
