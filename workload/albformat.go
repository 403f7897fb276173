package workload

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ALBLogParser returns a LineParser for Application Load Balancer access
// logs, the space-separated format AWS documents (type time elb
// client:port target:port … "request" … request_creation_time …). A
// record's Time is request_creation_time (when the load balancer received
// the request), ClientIP comes from client:port, Method, Host, Path and
// Query from the "request" field, and Bytes is received_bytes. Lines of
// requests the load balancer could not parse (request "- - -") are skipped.
// Older lines without the trailing classification fields are accepted.
func ALBLogParser() LineParser { return albParser{} }

type albParser struct{}

// ALB log field positions, 0-based.
const (
	albClient      = 3
	albReceived    = 10
	albRequest     = 12
	albCreation    = 21
	albFieldsFewer = 25 // the oldest documented layout ends at target_status_code_list
)

func (albParser) ParseLine(line []byte) (Record, error) {
	s := strings.TrimSpace(string(line))
	if s == "" || s[0] == '#' {
		return Record{}, ErrSkipLine
	}
	f, err := splitQuoted(s)
	if err != nil {
		return Record{}, &FieldError{Err: err}
	}
	if len(f) < albFieldsFewer {
		return Record{}, &FieldError{Err: fmt.Errorf("%d fields, an ALB access log line has at least %d", len(f), albFieldsFewer)}
	}
	var r Record
	if r.Time, err = time.Parse(time.RFC3339Nano, f[albCreation]); err != nil {
		return Record{}, &FieldError{Field: "request_creation_time", Err: err}
	}
	if c := f[albClient]; c != "-" {
		ap, err := netip.ParseAddrPort(c)
		if err != nil {
			return Record{}, &FieldError{Field: "client:port", Err: err}
		}
		r.ClientIP = ap.Addr()
	}
	if r.Bytes, err = strconv.ParseInt(f[albReceived], 10, 64); err != nil || r.Bytes < 0 {
		return Record{}, &FieldError{Field: "received_bytes", Err: fmt.Errorf("%q is not a byte count", f[albReceived])}
	}
	req := strings.Fields(f[albRequest])
	if len(req) != 3 {
		return Record{}, &FieldError{Field: "request", Err: fmt.Errorf("%q is not \"METHOD URL PROTOCOL\"", f[albRequest])}
	}
	if req[0] == "-" {
		return Record{}, ErrSkipLine
	}
	u, err := url.Parse(req[1])
	if err != nil || u.Hostname() == "" {
		return Record{}, &FieldError{Field: "request", Err: fmt.Errorf("URL %q has no host", req[1])}
	}
	r.Method, r.Host, r.Path, r.Query = req[0], u.Hostname(), u.EscapedPath(), u.RawQuery
	if r.Path == "" {
		r.Path = "/"
	}
	return r, nil
}

// splitQuoted splits a log line on spaces, keeping double-quoted fields
// (which hold spaces) whole and without their quotes.
func splitQuoted(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		switch {
		case s[i] == ' ':
			i++
		case s[i] == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, errors.New("unterminated quoted field")
			}
			out = append(out, s[i+1:i+1+j])
			i += j + 2
		default:
			j := strings.IndexByte(s[i:], ' ')
			if j < 0 {
				j = len(s) - i
			}
			out = append(out, s[i:i+j])
			i += j
		}
	}
	return out, nil
}
