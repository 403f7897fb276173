package s3

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// MaxPolicySize is the largest bucket policy, 20 KB.
const MaxPolicySize = 20 << 10

// Principal identifies who makes a request: an IAM ARN such as
// "arn:aws:iam::111122223333:user/alice" or "arn:aws:iam::111122223333:root",
// a bare account ID, an AWS service such as "cloudfront.amazonaws.com", or
// Anonymous.
type Principal string

// Anonymous is the principal of an unsigned request.
const Anonymous Principal = ""

// Account returns the principal's 12-digit account ID ("" for anonymous
// and service principals).
func (p Principal) Account() string {
	s := string(p)
	if len(s) == 12 && digits(s) {
		return s
	}
	if strings.HasPrefix(s, "arn:") {
		// arn:partition:service:region:account:resource
		f := strings.SplitN(s, ":", 6)
		if len(f) == 6 {
			return f[4]
		}
	}
	return ""
}

// IsService reports whether p is an AWS service principal.
func (p Principal) IsService() bool { return strings.HasSuffix(string(p), ".amazonaws.com") }

// Effect is a statement's effect.
type Effect string

// The statement effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Decision is the outcome of evaluating a policy.
type Decision uint8

// The decisions: no statement applies (an implicit deny), an Allow applies
// and no Deny does, or an explicit Deny applies (which always wins).
const (
	NoMatch Decision = iota
	Allowed
	ExplicitDeny
)

// String names the decision.
func (d Decision) String() string {
	return [...]string{"NoMatch", "Allow", "ExplicitDeny"}[d]
}

// Policy is a parsed bucket policy.
type Policy struct {
	Version    string      // policy language version, "2012-10-17"
	ID         string      // optional policy Id
	Statements []Statement // in document order
	public     bool
}

// Statement is one policy statement.
type Statement struct {
	Sid    string // optional statement ID
	Effect Effect // Allow or Deny
	// Principal matches when any entry matches; NotPrincipal inverts.
	Principal, NotPrincipal *PrincipalSet
	// Action and NotAction are patterns like "s3:Get*" (case-insensitive).
	Action, NotAction []string
	// Resource and NotResource are ARN patterns like "arn:aws:s3:::b/*".
	Resource, NotResource []string
	// Conditions must all hold.
	Conditions []Condition
}

// PrincipalSet is a statement's Principal element.
type PrincipalSet struct {
	// All is "*" (or {"AWS": "*"}): everyone, including anonymous.
	All bool
	// AWS holds account IDs and IAM ARNs; Service holds service names.
	AWS, Service []string
}

// Condition is one operator/key test, such as IpAddress aws:SourceIp.
type Condition struct {
	// Operator is the condition operator without the IfExists suffix.
	Operator string
	// IfExists makes the test pass when the key is absent.
	IfExists bool
	Key      string   // condition key, such as "aws:SourceIp"
	Values   []string // any one matching satisfies the test
	prefixes []netip.Prefix
}

// stringList is a JSON string or array of strings (numbers and booleans
// become their text, as IAM accepts them in conditions).
type stringList []string

// UnmarshalJSON accepts a string or a non-empty list.
func (l *stringList) UnmarshalJSON(b []byte) error {
	var one any
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	conv := func(v any) (string, error) {
		switch x := v.(type) {
		case string:
			return x, nil
		case bool, float64:
			return fmt.Sprint(x), nil
		}
		return "", fmt.Errorf("expected a string, got %T", v)
	}
	if arr, ok := one.([]any); ok {
		if len(arr) == 0 {
			return fmt.Errorf("empty list")
		}
		for _, v := range arr {
			s, err := conv(v)
			if err != nil {
				return err
			}
			*l = append(*l, s)
		}
		return nil
	}
	s, err := conv(one)
	if err != nil {
		return err
	}
	*l = stringList{s}
	return nil
}

type principalJSON struct{ set PrincipalSet }

// UnmarshalJSON accepts "*" or a map of principal types to lists.
func (p *principalJSON) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if s != "*" {
			return fmt.Errorf("principal string must be \"*\"")
		}
		p.set.All = true
		return nil
	}
	var m map[string]stringList
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if len(m) == 0 {
		return fmt.Errorf("empty principal")
	}
	types := make([]string, 0, len(m))
	for k := range m {
		types = append(types, k)
	}
	sort.Strings(types)
	for _, k := range types {
		v := m[k]
		switch k {
		case "AWS":
			for _, a := range v {
				if a == "*" {
					p.set.All = true
				} else if Principal(a).Account() == "" {
					return fmt.Errorf("invalid AWS principal %q", a)
				}
			}
			p.set.AWS = v
		case "Service":
			for _, a := range v {
				if !Principal(a).IsService() {
					return fmt.Errorf("invalid service principal %q", a)
				}
			}
			p.set.Service = v
		default:
			return fmt.Errorf("unsupported principal type %q", k)
		}
	}
	return nil
}

type statementJSON struct {
	Sid          string
	Effect       string
	Principal    *principalJSON
	NotPrincipal *principalJSON
	Action       stringList
	NotAction    stringList
	Resource     stringList
	NotResource  stringList
	Condition    map[string]map[string]stringList
}

var conditionOps = map[string]bool{
	"StringEquals": true, "StringNotEquals": true, "StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
	"StringLike": true, "StringNotLike": true, "ArnEquals": true, "ArnLike": true, "ArnNotEquals": true,
	"ArnNotLike": true, "IpAddress": true, "NotIpAddress": true, "Bool": true, "Null": true,
}

// ParsePolicy parses a bucket policy document: Version, Id and Statement
// (an object or a list) whose statements have Effect, Principal or
// NotPrincipal, Action or NotAction, Resource or NotResource, and optional
// Condition with the operators String*, Arn*, IpAddress, NotIpAddress,
// Bool and Null (each with an optional IfExists suffix). Unknown fields,
// operators or malformed values give an *Error with code MalformedPolicy.
func ParsePolicy(doc string) (*Policy, error) {
	bad := func(format string, args ...any) error { return ErrMalformedPolicy.withMessage(format, args...) }
	if len(doc) > MaxPolicySize {
		return nil, bad("policy exceeds the maximum allowed document size")
	}
	var raw struct {
		Version   string
		Id        string
		Statement json.RawMessage
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, bad("%v", err)
	}
	if dec.More() {
		return nil, bad("trailing data after the policy document")
	}
	if raw.Version != "" && raw.Version != "2012-10-17" && raw.Version != "2008-10-17" {
		return nil, bad("invalid policy version %q", raw.Version)
	}
	var stmts []statementJSON
	trimmed := bytes.TrimSpace(raw.Statement)
	if len(trimmed) == 0 {
		return nil, bad("missing required field Statement")
	}
	sd := json.NewDecoder(bytes.NewReader(trimmed))
	sd.DisallowUnknownFields()
	if trimmed[0] == '{' {
		var one statementJSON
		if err := sd.Decode(&one); err != nil {
			return nil, bad("%v", err)
		}
		stmts = []statementJSON{one}
	} else if err := sd.Decode(&stmts); err != nil {
		return nil, bad("%v", err)
	}
	if len(stmts) == 0 {
		return nil, bad("missing required field Statement")
	}
	p := &Policy{Version: raw.Version, ID: raw.Id}
	for i, s := range stmts {
		st, err := s.build()
		if err != nil {
			return nil, bad("statement %d: %v", i, err)
		}
		p.Statements = append(p.Statements, st)
		if st.public() {
			p.public = true
		}
	}
	return p, nil
}

func (s *statementJSON) build() (Statement, error) {
	st := Statement{Sid: s.Sid, Effect: Effect(s.Effect), Action: s.Action, NotAction: s.NotAction,
		Resource: s.Resource, NotResource: s.NotResource}
	switch {
	case st.Effect != Allow && st.Effect != Deny:
		return st, fmt.Errorf("invalid effect %q", s.Effect)
	case (s.Principal == nil) == (s.NotPrincipal == nil):
		return st, fmt.Errorf("exactly one of Principal and NotPrincipal is required")
	case (len(s.Action) == 0) == (len(s.NotAction) == 0):
		return st, fmt.Errorf("exactly one of Action and NotAction is required")
	case (len(s.Resource) == 0) == (len(s.NotResource) == 0):
		return st, fmt.Errorf("exactly one of Resource and NotResource is required")
	}
	if s.Principal != nil {
		st.Principal = &s.Principal.set
	} else {
		st.NotPrincipal = &s.NotPrincipal.set
	}
	for _, a := range append(append([]string(nil), s.Action...), s.NotAction...) {
		if a != "*" && !strings.HasPrefix(strings.ToLower(a), "s3:") {
			return st, fmt.Errorf("invalid action %q", a)
		}
	}
	for _, r := range append(append([]string(nil), s.Resource...), s.NotResource...) {
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return st, fmt.Errorf("invalid resource %q", r)
		}
	}
	ops := make([]string, 0, len(s.Condition))
	for op := range s.Condition {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		base, ifExists := strings.CutSuffix(op, "IfExists")
		if !conditionOps[base] {
			return st, fmt.Errorf("invalid condition operator %q", op)
		}
		keys := make([]string, 0, len(s.Condition[op]))
		for k := range s.Condition[op] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			c := Condition{Operator: base, IfExists: ifExists, Key: k, Values: s.Condition[op][k]}
			if !strings.Contains(k, ":") {
				return st, fmt.Errorf("invalid condition key %q", k)
			}
			if base == "IpAddress" || base == "NotIpAddress" {
				for _, v := range c.Values {
					pfx, err := netip.ParsePrefix(v)
					if err != nil {
						a, aerr := netip.ParseAddr(v)
						if aerr != nil {
							return st, fmt.Errorf("invalid IP address or CIDR %q", v)
						}
						pfx = netip.PrefixFrom(a, a.BitLen())
					}
					c.prefixes = append(c.prefixes, pfx.Masked())
				}
			}
			st.Conditions = append(st.Conditions, c)
		}
	}
	return st, nil
}

// public reports whether the statement grants access to everyone: an Allow
// for "*" without a condition that pins the caller (S3's definition used
// by Block Public Access).
func (s *Statement) public() bool {
	if s.Effect != Allow || s.Principal == nil || !s.Principal.All {
		return s.Effect == Allow && s.NotPrincipal != nil
	}
	for _, c := range s.Conditions {
		switch c.Key {
		case "aws:SourceArn", "aws:SourceAccount", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceOwner",
			"aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalOrgID", "aws:userid":
			if !negated(c.Operator) && !c.IfExists {
				return false
			}
		case "aws:SourceIp":
			if c.Operator == "IpAddress" && !c.IfExists {
				narrow := true
				for _, p := range c.prefixes {
					narrow = narrow && (p.Addr().Is4() && p.Bits() >= 8 || p.Addr().Is6() && p.Bits() >= 32)
				}
				if narrow {
					return false
				}
			}
		}
	}
	return true
}

// Public reports whether the policy grants public access.
func (p *Policy) Public() bool { return p.public }

func negated(op string) bool { return strings.Contains(op, "Not") }

// AccessRequest is what policy evaluation sees of a request.
type AccessRequest struct {
	Principal Principal // caller; "" = anonymous
	// Action is the S3 action, such as "s3:GetObject".
	Action string
	// ResourceBase and Key form the resource ARN: ResourceBase+Key, such as
	// "arn:aws:s3:::bucket/" + "photos/a.jpg" (or the bucket ARN and "").
	ResourceBase, Key string
	// Context keys.
	SourceIP        netip.Addr // aws:SourceIp
	SourceArn       string     // aws:SourceArn
	SourceAccount   string     // aws:SourceAccount
	SecureTransport bool       // aws:SecureTransport (HTTPS)
	Referer         string     // aws:Referer
	UserAgent       string     // aws:UserAgent
}

// Evaluate applies the policy to a request: ExplicitDeny if any matching
// Deny statement applies, else Allowed if any Allow applies, else NoMatch.
func (p *Policy) Evaluate(r *AccessRequest) Decision {
	d := NoMatch
	for i := range p.Statements {
		s := &p.Statements[i]
		if !s.applies(r) {
			continue
		}
		if s.Effect == Deny {
			return ExplicitDeny
		}
		d = Allowed
	}
	return d
}

func (s *Statement) applies(r *AccessRequest) bool {
	if s.Principal != nil && !s.Principal.match(r.Principal) || s.NotPrincipal != nil && s.NotPrincipal.match(r.Principal) {
		return false
	}
	if len(s.Action) > 0 && !anyGlob(s.Action, r.Action, "", true) || len(s.NotAction) > 0 && anyGlob(s.NotAction, r.Action, "", true) {
		return false
	}
	if len(s.Resource) > 0 && !anyGlob(s.Resource, r.ResourceBase, r.Key, false) ||
		len(s.NotResource) > 0 && anyGlob(s.NotResource, r.ResourceBase, r.Key, false) {
		return false
	}
	for i := range s.Conditions {
		if !s.Conditions[i].holds(r) {
			return false
		}
	}
	return true
}

func (ps *PrincipalSet) match(p Principal) bool {
	if ps.All {
		return true
	}
	if p.IsService() {
		for _, s := range ps.Service {
			if s == string(p) {
				return true
			}
		}
		return false
	}
	acct := p.Account()
	if acct == "" {
		return false
	}
	for _, a := range ps.AWS {
		if a == string(p) || a == acct || strings.HasSuffix(a, ":root") && Principal(a).Account() == acct {
			return true
		}
	}
	return false
}

func anyGlob(patterns []string, a, b string, fold bool) bool {
	for _, p := range patterns {
		if glob(p, a, b, fold) {
			return true
		}
	}
	return false
}

// wildcard returns the index of p's first '*' or '?', or -1. (A plain
// loop: strings.IndexAny builds its byte set on every call, which showed in
// the GET profile.)
func wildcard(p string) int {
	for i := 0; i < len(p); i++ {
		if p[i] == '*' || p[i] == '?' {
			return i
		}
	}
	return -1
}

// glob matches pattern p ('*' any run, '?' one byte) against the string
// a+b without building it.
func glob(p, a, b string, fold bool) bool {
	// Fast paths for literal patterns (actions) and "literal prefix*"
	// resource patterns.
	w := wildcard(p)
	if w < 0 && b == "" {
		return p == a || fold && strings.EqualFold(p, a)
	}
	if !fold && len(p) > 0 && w == len(p)-1 && p[w] == '*' {
		pre := p[:len(p)-1]
		if len(pre) <= len(a) {
			return a[:len(pre)] == pre
		}
		return pre[:len(a)] == a && strings.HasPrefix(b, pre[len(a):])
	}
	n := len(a) + len(b)
	pi, si, star, mark := 0, 0, -1, 0
	for si < n {
		var c byte
		if si < len(a) {
			c = a[si]
		} else {
			c = b[si-len(a)]
		}
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && (p[pi] == '?' || p[pi] == c || fold && lower(p[pi]) == lower(c)):
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// value returns a condition key's value in the request.
func (r *AccessRequest) value(key string) (string, bool) {
	switch key {
	case "aws:SourceArn":
		return r.SourceArn, r.SourceArn != ""
	case "aws:SourceAccount":
		return r.SourceAccount, r.SourceAccount != ""
	case "aws:SecureTransport":
		if r.SecureTransport {
			return "true", true
		}
		return "false", true
	case "aws:PrincipalArn":
		return string(r.Principal), r.Principal != Anonymous && !r.Principal.IsService()
	case "aws:PrincipalAccount":
		a := r.Principal.Account()
		return a, a != ""
	case "aws:Referer":
		return r.Referer, r.Referer != ""
	case "aws:UserAgent":
		return r.UserAgent, r.UserAgent != ""
	}
	return "", false
}

func (c *Condition) holds(r *AccessRequest) bool {
	if c.Key == "aws:SourceIp" {
		if !r.SourceIP.IsValid() {
			return c.IfExists || c.Operator == "NotIpAddress"
		}
		in := false
		ip := r.SourceIP.Unmap()
		for _, p := range c.prefixes {
			in = in || p.Contains(ip)
		}
		switch c.Operator {
		case "IpAddress":
			return in
		case "NotIpAddress":
			return !in
		}
		return false
	}
	v, ok := r.value(c.Key)
	if c.Operator == "Null" {
		// Null: "true" means the key must be absent.
		return len(c.Values) > 0 && (c.Values[0] == "true") != ok
	}
	if !ok {
		return c.IfExists || negated(c.Operator)
	}
	matched := false
	for _, want := range c.Values {
		switch c.Operator {
		case "StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals", "Bool":
			matched = matched || v == want
		case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
			matched = matched || strings.EqualFold(v, want)
		case "StringLike", "StringNotLike", "ArnLike", "ArnNotLike":
			matched = matched || glob(want, v, "", false)
		}
	}
	if negated(c.Operator) {
		return !matched
	}
	return matched
}
