package elb

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/nimbus-sim/nimbus/sim"
)

func validConditions(where string, cs []Condition) error {
	counts := map[ConditionField]int{}
	evaluations, wildcards := 0, 0
	for _, c := range cs {
		counts[c.Field]++
		if len(c.Values) == 0 || len(c.Values) > 3 {
			return fmt.Errorf("%s: condition %s: %d values (1–3 allowed): %w", where, c.Field, len(c.Values), ErrInvalidConfig)
		}
		evaluations += len(c.Values)
		for _, v := range c.Values {
			wildcards += strings.Count(v, "*") + strings.Count(v, "?")
		}
		switch c.Field {
		case HostHeader, PathPattern, RequestMethod, SourceIPField:
			if counts[c.Field] > 1 {
				return fmt.Errorf("%s: condition %s appears more than once: %w", where, c.Field, ErrInvalidConfig)
			}
		case HTTPHeader:
			if c.HeaderName == "" || len(c.HeaderName) > 40 || strings.ContainsAny(c.HeaderName, "*?") {
				return fmt.Errorf("%s: http-header condition: HeaderName %q must be 1–40 characters without wildcards: %w", where, c.HeaderName, ErrInvalidConfig)
			}
		case QueryString:
		default:
			return fmt.Errorf("%s: condition Field %q is not a condition type: %w", where, c.Field, ErrInvalidConfig)
		}
		for _, v := range c.Values {
			switch c.Field {
			case HostHeader:
				if len(v) > 128 || !strings.Contains(v, ".") {
					return fmt.Errorf("%s: host-header value %q must be up to 128 characters and contain a dot: %w", where, v, ErrInvalidConfig)
				}
			case RequestMethod:
				if strings.ContainsAny(v, "*?") {
					return fmt.Errorf("%s: http-request-method value %q may not hold wildcards: %w", where, v, ErrInvalidConfig)
				}
			case SourceIPField:
				if _, err := netip.ParsePrefix(v); err != nil {
					return fmt.Errorf("%s: source-ip value %q: %v: %w", where, v, err, ErrInvalidConfig)
				}
			case PathPattern:
				if len(v) > 128 {
					return fmt.Errorf("%s: path-pattern value longer than 128 characters: %w", where, ErrInvalidConfig)
				}
			}
		}
	}
	if evaluations > 5 {
		return fmt.Errorf("%s: %d match evaluations (at most 5 per rule): %w", where, evaluations, ErrInvalidConfig)
	}
	if wildcards > 5 {
		return fmt.Errorf("%s: %d wildcards (at most 5 per rule): %w", where, wildcards, ErrInvalidConfig)
	}
	return nil
}

// matches reports whether every condition of the rule matches (AND), each
// by any of its values (OR).
func (r *Rule) matches(req *sim.Request) bool {
	for i := range r.Conditions {
		if !r.Conditions[i].matches(req) {
			return false
		}
	}
	return true
}

func (c *Condition) matches(req *sim.Request) bool {
	for _, v := range c.Values {
		if c.matchOne(req, v) {
			return true
		}
	}
	return false
}

func (c *Condition) matchOne(req *sim.Request, v string) bool {
	switch c.Field {
	case HostHeader:
		host := req.Host
		if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
			host = host[:i]
		}
		return Wildcard(strings.ToLower(v), strings.ToLower(host))
	case PathPattern:
		return Wildcard(v, req.Path)
	case RequestMethod:
		return v == req.Method
	case HTTPHeader:
		hv, ok := req.Header(c.HeaderName)
		return ok && Wildcard(strings.ToLower(v), strings.ToLower(hv))
	case QueryString:
		key, val, hasKey := strings.Cut(v, "=")
		if !hasKey {
			key, val = "", v
		}
		for _, kv := range strings.Split(req.Query, "&") {
			k, qv, _ := strings.Cut(kv, "=")
			if (key == "" || Wildcard(strings.ToLower(key), strings.ToLower(k))) && Wildcard(strings.ToLower(val), strings.ToLower(qv)) {
				return true
			}
		}
		return false
	case SourceIPField:
		p, err := netip.ParsePrefix(v)
		return err == nil && req.Client.IP.IsValid() && p.Contains(req.Client.IP)
	}
	return false
}

// Wildcard reports whether s matches pattern, where * matches any run of
// characters (including none) and ? exactly one, as ALB rule conditions
// and CloudFront path patterns do. Matching is case-sensitive.
func Wildcard(pattern, s string) bool {
	// Iterative matcher with one backtrack point: linear in practice.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
