package cloudfront

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// Reasons a signed URL or signed cookie is refused. CloudFront answers all
// of them with 403; VerifySignedRequest says which one applied.
var (
	ErrMissingSignature = errors.New("cloudfront: missing signature, policy or key pair ID")
	ErrUnknownKey       = errors.New("cloudfront: key pair ID is not in a trusted key group")
	ErrBadSignature     = errors.New("cloudfront: signature does not match the policy")
	ErrExpired          = errors.New("cloudfront: request has expired")
	ErrNotYetValid      = errors.New("cloudfront: request is before the policy's start time")
	ErrIPNotAllowed     = errors.New("cloudfront: viewer IP is outside the policy's range")
	ErrResourceMismatch = errors.New("cloudfront: URL does not match the policy's resource")
	ErrMalformedPolicy  = errors.New("cloudfront: malformed policy")
)

// PublicKey is a public key uploaded to CloudFront for verifying signed
// URLs and cookies; ID is what signers put in Key-Pair-Id.
type PublicKey struct {
	// ID is the public key's ID, such as "K2JCJMDEHXQW5F".
	ID string
	// Key is the RSA public key (2048 bits in CloudFront).
	Key *rsa.PublicKey
}

// KeyGroup is a trusted key group (at most MaxKeysPerGroup keys).
type KeyGroup struct {
	// Name is what cache behaviours' TrustedKeyGroups refer to.
	Name string
	// Keys are the group's public keys.
	Keys []PublicKey
}

// Quotas on signers (private-content-trusted-signers.html).
const (
	MaxKeysPerGroup         = 5
	MaxKeyGroupsPerBehavior = 4
)

// Policy is the statement of a signed URL or cookie. A canned policy has
// only Resource and DateLessThan; a custom one may also set a start time,
// an IP range and a wildcard Resource.
type Policy struct {
	// Resource is the URL the policy covers, with "*" and "?" wildcards;
	// empty in a custom policy means every URL.
	Resource string
	// DateLessThan is the expiry: requests must come before it.
	DateLessThan time.Time
	// DateGreaterThan, when non-zero, is the start: requests must come at or
	// after it.
	DateGreaterThan time.Time
	// SourceIP, when valid, restricts viewers to that prefix.
	SourceIP netip.Prefix
}

// CannedPolicy returns the canned policy for one URL and an expiry.
func CannedPolicy(resource string, expires time.Time) Policy {
	return Policy{Resource: resource, DateLessThan: expires}
}

// JSON renders the policy as CloudFront signs it: no whitespace, the
// statement's keys in AWS's documented order.
func (p Policy) JSON() []byte {
	b := make([]byte, 0, 128+len(p.Resource))
	b = append(b, `{"Statement":[{`...)
	if p.Resource != "" {
		b = append(b, `"Resource":`...)
		b = appendJSONString(b, p.Resource)
		b = append(b, ',')
	}
	b = append(b, `"Condition":{"DateLessThan":{"AWS:EpochTime":`...)
	b = strconv.AppendInt(b, p.DateLessThan.Unix(), 10)
	b = append(b, '}')
	if !p.DateGreaterThan.IsZero() {
		b = append(b, `,"DateGreaterThan":{"AWS:EpochTime":`...)
		b = strconv.AppendInt(b, p.DateGreaterThan.Unix(), 10)
		b = append(b, '}')
	}
	if p.SourceIP.IsValid() {
		b = append(b, `,"IpAddress":{"AWS:SourceIp":`...)
		b = appendJSONString(b, p.SourceIP.String())
		b = append(b, '}')
	}
	return append(b, `}}]}`...)
}

// appendJSONString quotes s escaping only what JSON requires, so "&" and
// "<" stay literal as in CloudFront's canned policies.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, fmt.Sprintf(`\u%04x`, c)...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

type epoch struct {
	T *int64 `json:"AWS:EpochTime"`
}

type policyDoc struct {
	Statement []struct {
		Resource  *string `json:"Resource"`
		Condition *struct {
			DateLessThan    *epoch `json:"DateLessThan"`
			DateGreaterThan *epoch `json:"DateGreaterThan"`
			IPAddress       *struct {
				SourceIP string `json:"AWS:SourceIp"`
			} `json:"IpAddress"`
		} `json:"Condition"`
	} `json:"Statement"`
}

// ParsePolicy parses a policy document: exactly one statement with a
// DateLessThan condition; DateGreaterThan and IpAddress (an address or a
// CIDR) are optional. Errors wrap ErrMalformedPolicy.
func ParsePolicy(b []byte) (Policy, error) {
	var doc policyDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return Policy{}, fmt.Errorf("%w: %v", ErrMalformedPolicy, err)
	}
	if len(doc.Statement) != 1 {
		return Policy{}, fmt.Errorf("%w: %d statements, want 1", ErrMalformedPolicy, len(doc.Statement))
	}
	st := doc.Statement[0]
	var p Policy
	if st.Resource != nil {
		p.Resource = *st.Resource
	}
	c := st.Condition
	if c == nil || c.DateLessThan == nil || c.DateLessThan.T == nil {
		return Policy{}, fmt.Errorf("%w: no DateLessThan", ErrMalformedPolicy)
	}
	p.DateLessThan = time.Unix(*c.DateLessThan.T, 0).UTC()
	if c.DateGreaterThan != nil {
		if c.DateGreaterThan.T == nil {
			return Policy{}, fmt.Errorf("%w: DateGreaterThan without AWS:EpochTime", ErrMalformedPolicy)
		}
		p.DateGreaterThan = time.Unix(*c.DateGreaterThan.T, 0).UTC()
	}
	if c.IPAddress != nil {
		ip := c.IPAddress.SourceIP
		var err error
		if strings.Contains(ip, "/") {
			p.SourceIP, err = netip.ParsePrefix(ip)
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(ip); err == nil {
				p.SourceIP = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil {
			return Policy{}, fmt.Errorf("%w: AWS:SourceIp %q: %v", ErrMalformedPolicy, ip, err)
		}
		p.SourceIP = p.SourceIP.Masked()
	}
	return p, nil
}

// Allows checks a request for url from ip at instant now against the
// policy, returning nil or the reason (ErrExpired, ErrNotYetValid,
// ErrIPNotAllowed, ErrResourceMismatch).
func (p Policy) Allows(url string, ip netip.Addr, now time.Time) error {
	if p.Resource != "" && !glob(p.Resource, url) {
		return ErrResourceMismatch
	}
	if now.Unix() >= p.DateLessThan.Unix() {
		return ErrExpired
	}
	if !p.DateGreaterThan.IsZero() && now.Unix() < p.DateGreaterThan.Unix() {
		return ErrNotYetValid
	}
	if p.SourceIP.IsValid() && !p.SourceIP.Contains(ip.Unmap()) {
		return ErrIPNotAllowed
	}
	return nil
}

// cfEncoding is CloudFront's URL-safe base64: standard base64 with "+"
// as "-", "=" as "_" and "/" as "~".
var cfReplacer = strings.NewReplacer("+", "-", "=", "_", "/", "~")
var cfUnreplacer = strings.NewReplacer("-", "+", "_", "=", "~", "/")

// EncodeBase64 encodes b in CloudFront's URL-safe base64.
func EncodeBase64(b []byte) string {
	return cfReplacer.Replace(base64.StdEncoding.EncodeToString(b))
}

// DecodeBase64 decodes CloudFront's URL-safe base64.
func DecodeBase64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(cfUnreplacer.Replace(s))
}

// Sign returns the RSA-SHA1 (PKCS #1 v1.5) signature of the policy
// document, as CloudFront expects, in CloudFront's base64.
func Sign(policy []byte, key *rsa.PrivateKey) (string, error) {
	h := sha1.Sum(policy)
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA1, h[:])
	if err != nil {
		return "", fmt.Errorf("cloudfront: signing policy: %w", err)
	}
	return EncodeBase64(sig), nil
}

func verify(policy []byte, sig string, key *rsa.PublicKey) bool {
	raw, err := DecodeBase64(sig)
	if err != nil {
		return false
	}
	h := sha1.Sum(policy)
	return rsa.VerifyPKCS1v15(key, crypto.SHA1, h[:], raw) == nil
}

// SignCannedURL appends Expires, Signature and Key-Pair-Id to rawURL
// (scheme, host, path and any query), signing a canned policy for exactly
// that URL.
func SignCannedURL(rawURL, keyPairID string, key *rsa.PrivateKey, expires time.Time) (string, error) {
	sig, err := Sign(CannedPolicy(rawURL, expires).JSON(), key)
	if err != nil {
		return "", err
	}
	return rawURL + querySep(rawURL) + "Expires=" + strconv.FormatInt(expires.Unix(), 10) +
		"&Signature=" + sig + "&Key-Pair-Id=" + keyPairID, nil
}

// SignURLWithPolicy appends Policy, Signature and Key-Pair-Id to rawURL,
// signing the given custom policy.
func SignURLWithPolicy(rawURL, keyPairID string, key *rsa.PrivateKey, p Policy) (string, error) {
	doc := p.JSON()
	sig, err := Sign(doc, key)
	if err != nil {
		return "", err
	}
	return rawURL + querySep(rawURL) + "Policy=" + EncodeBase64(doc) + "&Signature=" + sig + "&Key-Pair-Id=" + keyPairID, nil
}

// SignedCookies returns the CloudFront-* cookies for a policy: canned
// (CloudFront-Expires) when canned is true, which needs p to name one URL,
// otherwise custom (CloudFront-Policy).
func SignedCookies(keyPairID string, key *rsa.PrivateKey, p Policy, canned bool) ([]sim.Header, error) {
	doc := p.JSON()
	sig, err := Sign(doc, key)
	if err != nil {
		return nil, err
	}
	first := sim.Header{Name: "CloudFront-Policy", Value: EncodeBase64(doc)}
	if canned {
		first = sim.Header{Name: "CloudFront-Expires", Value: strconv.FormatInt(p.DateLessThan.Unix(), 10)}
	}
	return []sim.Header{first, {Name: "CloudFront-Signature", Value: sig}, {Name: "CloudFront-Key-Pair-Id", Value: keyPairID}}, nil
}

func querySep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

// signedParams are the query parameters of a signed URL.
type signedParams struct {
	expires, policy, signature, keyPairID string
	hasExpires, hasPolicy                 bool
}

// splitSignedQuery removes the signing parameters from a query string and
// returns the rest in order.
func splitSignedQuery(q string) (rest string, sp signedParams, signed bool) {
	var b strings.Builder
	for len(q) > 0 {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "Expires":
			sp.expires, sp.hasExpires, signed = v, true, true
		case "Policy":
			sp.policy, sp.hasPolicy, signed = v, true, true
		case "Signature":
			sp.signature, signed = v, true
		case "Key-Pair-Id":
			sp.keyPairID, signed = v, true
		default:
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(kv)
		}
	}
	return b.String(), sp, signed
}

// VerifySignedRequest checks a viewer request's signed URL or, when the URL
// carries no signing parameters, its signed cookies, against the public
// keys of the trusted key groups, at wall-clock instant now. The URL the
// policy must cover is scheme://Host/Path?query-without-signing-parameters.
// It returns nil or one of the Err* reasons above.
func VerifySignedRequest(req *sim.Request, groups []KeyGroup, now time.Time) error {
	rest, sp, signed := splitSignedQuery(req.Query)
	if !signed {
		// A signed URL takes precedence; only an unsigned one reads cookies.
		sp.expires, sp.hasExpires = req.Cookie("CloudFront-Expires")
		sp.policy, sp.hasPolicy = req.Cookie("CloudFront-Policy")
		sp.signature, _ = req.Cookie("CloudFront-Signature")
		sp.keyPairID, _ = req.Cookie("CloudFront-Key-Pair-Id")
	}
	if sp.signature == "" || sp.keyPairID == "" || sp.hasExpires == sp.hasPolicy {
		return ErrMissingSignature
	}
	key := findKey(groups, sp.keyPairID)
	if key == nil {
		return ErrUnknownKey
	}
	url := viewerURL(req, rest)
	var p Policy
	var doc []byte
	if sp.hasExpires {
		exp, err := strconv.ParseInt(sp.expires, 10, 64)
		if err != nil {
			return ErrMissingSignature
		}
		p = CannedPolicy(url, time.Unix(exp, 0))
		doc = p.JSON()
	} else {
		var err error
		if doc, err = DecodeBase64(sp.policy); err != nil {
			return fmt.Errorf("%w: policy is not base64", ErrMalformedPolicy)
		}
		if p, err = ParsePolicy(doc); err != nil {
			return err
		}
	}
	if !verify(doc, sp.signature, key) {
		return ErrBadSignature
	}
	return p.Allows(url, req.Client.IP, now)
}

func findKey(groups []KeyGroup, id string) *rsa.PublicKey {
	for _, g := range groups {
		for _, k := range g.Keys {
			if k.ID == id {
				return k.Key
			}
		}
	}
	return nil
}

// viewerURL rebuilds the URL the viewer asked for, with the given query.
func viewerURL(req *sim.Request, query string) string {
	scheme := "https://"
	if strings.EqualFold(req.Protocol, "HTTP") {
		scheme = "http://"
	}
	u := scheme + req.Host + req.Path
	if query != "" {
		u += "?" + query
	}
	return u
}
