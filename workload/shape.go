package workload

import (
	"math/rand/v2"
	"slices"

	"github.com/nimbus-sim/nimbus/sim"
)

// Shape says what each request looks like. The zero Shape sends GET / with
// no body and no CPU work.
type Shape struct {
	// Method is the HTTP method; empty means "GET".
	Method string
	// Protocol is "HTTP" or "HTTPS" (sim's default when empty).
	Protocol string
	// Host is the Host header.
	Host string
	// Keys chooses the path by popularity; nil means Path.
	Keys *Keys
	// Path is the path when Keys is nil; empty means "/".
	Path string
	// Bytes draws the request size in bytes; nil means the chosen key's
	// object size for PUT and POST (an upload) and 0 otherwise.
	Bytes Dist
	// Work draws the CPU time a request needs, in vCPU-seconds; nil means 0.
	Work Dist
	// Headers are copied into every request.
	Headers []sim.Header
	// DstPort is the destination port; 0 means 80 for "HTTP" and 443
	// otherwise.
	DstPort uint16
	// Customize, when set, edits each request after the fields above are
	// filled, drawing any randomness from r.
	Customize func(req *sim.Request, r *rand.Rand)
}

// Validate checks the distributions.
func (sh *Shape) Validate() error {
	if err := validate(sh.Bytes); err != nil {
		return configErrWrap("Shape: Bytes", err)
	}
	if err := validate(sh.Work); err != nil {
		return configErrWrap("Shape: Work", err)
	}
	if sh.Path != "" && sh.Path[0] != '/' {
		return configErr("Shape: Path %q must start with \"/\"", sh.Path)
	}
	return nil
}

// Ephemeral source ports are drawn from Linux's default
// net.ipv4.ip_local_port_range, 32768–60999.
const (
	ephemeralLo = 32768
	ephemeralN  = 60999 - 32768 + 1
)

// fill writes the shape into req, drawing from r in a fixed order.
func (sh *Shape) fill(req *sim.Request, r *rand.Rand) {
	req.Method = sh.Method
	if req.Method == "" {
		req.Method = "GET"
	}
	req.Protocol = sh.Protocol
	req.Host = sh.Host
	key := -1
	switch {
	case sh.Keys != nil:
		key = sh.Keys.Pick(r)
		req.Path = sh.Keys.Path(key)
	case sh.Path != "":
		req.Path = sh.Path
	default:
		req.Path = "/"
	}
	switch {
	case sh.Bytes != nil:
		req.Bytes = count(sh.Bytes.Sample(r))
	case key >= 0 && (req.Method == "PUT" || req.Method == "POST"):
		req.Bytes = sh.Keys.Size(key)
	}
	if sh.Work != nil {
		req.Work = seconds(sh.Work.Sample(r))
	}
	if len(sh.Headers) > 0 {
		req.Headers = slices.Clone(sh.Headers)
	}
	req.SrcPort = uint16(ephemeralLo + r.IntN(ephemeralN))
	req.DstPort = sh.DstPort
	if req.DstPort == 0 {
		req.DstPort = 443
		if sh.Protocol == "HTTP" {
			req.DstPort = 80
		}
	}
	if sh.Customize != nil {
		sh.Customize(req, r)
	}
}
