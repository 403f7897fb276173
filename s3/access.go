package s3

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// Request headers through which a simulated caller states who it is. Real
// S3 derives these from the SigV4 Authorization header; the model trusts
// them (a request without them is anonymous, unless presigned).
const (
	// HeaderPrincipal carries the caller's Principal (an IAM ARN, an
	// account ID or a service such as "cloudfront.amazonaws.com").
	HeaderPrincipal = "X-Nimbus-Principal"
	// HeaderSourceArn carries aws:SourceArn, such as a CloudFront
	// distribution's ARN for origin access control.
	HeaderSourceArn = "X-Nimbus-Source-Arn"
)

// CloudFrontPrincipal is the service principal CloudFront uses for origin
// access control (OAC).
const CloudFrontPrincipal Principal = "cloudfront.amazonaws.com"

// SignOAC marks an origin request as CloudFront signs it with origin access
// control: the cloudfront.amazonaws.com service principal with the
// distribution's ARN as aws:SourceArn.
func SignOAC(req *sim.Request, distributionARN string) {
	req.SetHeader(HeaderPrincipal, string(CloudFrontPrincipal))
	req.SetHeader(HeaderSourceArn, distributionARN)
}

// OACPolicy returns the bucket policy the CloudFront console generates for
// origin access control: s3:GetObject on every object for the CloudFront
// service principal, conditioned on the distribution's ARN.
func OACPolicy(bucketARN, distributionARN string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"AllowCloudFrontServicePrincipal",`+
		`"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject",`+
		`"Resource":"%s/*","Condition":{"StringEquals":{"aws:SourceArn":"%s"}}}]}`, bucketARN, distributionARN)
}

// PublicReadPolicy returns the policy a public website bucket needs:
// s3:GetObject on every object for everyone.
func PublicReadPolicy(bucketARN string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"PublicReadGetObject","Effect":"Allow",`+
		`"Principal":"*","Action":"s3:GetObject","Resource":"%s/*"}]}`, bucketARN)
}

// PutBucketPolicy sets the bucket policy. Errors: MalformedPolicy (parse
// errors, or a Resource outside this bucket), AccessDenied when Block
// Public Access's BlockPublicPolicy is on and the policy is public.
func (b *Bucket) PutBucketPolicy(doc string) error {
	p, err := ParsePolicy(doc)
	if err != nil {
		return fmt.Errorf("s3: bucket %q: %w", b.cfg.Name, err)
	}
	for _, s := range p.Statements {
		for _, r := range append(append([]string(nil), s.Resource...), s.NotResource...) {
			rest, ok := strings.CutPrefix(r, "arn:"+b.svc.cfg.Partition+":s3:::")
			bucketPattern, _, _ := strings.Cut(rest, "/")
			if r != "*" && (!ok || !glob(bucketPattern, b.cfg.Name, "", false)) {
				return ErrMalformedPolicy.withMessage("policy has invalid resource %q", r).at(b.cfg.Name)
			}
		}
	}
	if p.public && b.pab.BlockPublicPolicy {
		return ErrAccessDenied.withMessage("public policies are blocked by the BlockPublicPolicy block public access setting").at(b.cfg.Name)
	}
	b.policy = p
	if b.svc.s.Tracing() {
		b.svc.s.Trace("s3", "PutBucketPolicy", b.cfg.Name, sim.F("public", p.public))
	}
	return nil
}

// Policy returns the bucket policy, if any.
func (b *Bucket) Policy() (*Policy, bool) { return b.policy, b.policy != nil }

// DeleteBucketPolicy removes the bucket policy.
func (b *Bucket) DeleteBucketPolicy() { b.policy = nil }

// PublicAccessBlock returns the bucket's Block Public Access settings.
func (b *Bucket) PublicAccessBlock() PublicAccessBlock { return b.pab }

// PutPublicAccessBlock replaces the bucket's Block Public Access settings.
func (b *Bucket) PutPublicAccessBlock(p PublicAccessBlock) {
	b.pab = p
	if b.svc.s.Tracing() {
		b.svc.s.Trace("s3", "PutPublicAccessBlock", b.cfg.Name, sim.F("blockPublicPolicy", p.BlockPublicPolicy),
			sim.F("restrictPublicBuckets", p.RestrictPublicBuckets))
	}
}

// Authorize decides a request as S3 does without IAM identity policies:
// an explicit Deny in the bucket policy wins; principals of the owning
// account are allowed (their IAM permissions are not modelled); others
// need an Allow, which RestrictPublicBuckets voids for a public policy
// unless the caller is an AWS service principal.
func (b *Bucket) Authorize(r *AccessRequest) bool {
	d := NoMatch
	if b.policy != nil {
		d = b.policy.Evaluate(r)
	}
	switch {
	case d == ExplicitDeny:
		return false
	case r.Principal.Account() == b.cfg.Owner:
		return true
	case d != Allowed:
		return false
	}
	return !(b.pab.RestrictPublicBuckets && b.policy.public && !r.Principal.IsService())
}

// AccessKey is an IAM access key that signs presigned URLs.
type AccessKey struct {
	ID, Secret string // access key ID, "AKIA..."
	// Principal is the IAM identity the key belongs to.
	Principal Principal
}

// CreateAccessKey issues a deterministic access key for an IAM principal
// (an ARN or account ID).
func (v *Service) CreateAccessKey(p Principal) (AccessKey, error) {
	if p.Account() == "" {
		return AccessKey{}, fmt.Errorf("s3: access key principal %q has no account: %w", p, ErrInvalidConfig)
	}
	k := AccessKey{ID: "AKIA" + strings.ToUpper(strings.Map(alnumOnly, v.token(24)))[:16], Secret: v.token(40), Principal: p}
	for v.keys[k.ID].ID != "" {
		k.ID = "AKIA" + strings.ToUpper(strings.Map(alnumOnly, v.token(24)))[:16]
	}
	v.keys[k.ID] = k
	return k, nil
}

func alnumOnly(r rune) rune {
	if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
		return r
	}
	return 'X'
}

// PresignedURL is a presigned request's parts, ready for a sim.Request.
type PresignedURL struct {
	Method, Host, Path, Query string // HTTP method, host, path and signed query string
}

// String returns the URL, "https://host/path?query".
func (u PresignedURL) String() string { return "https://" + u.Host + u.Path + "?" + u.Query }

// Presign signs a request for method on bucket/key with SigV4 query
// authentication (HMAC-SHA256, UNSIGNED-PAYLOAD, host signed) valid for
// expires from now (1 s to MaxPresignExpiry). Whoever holds the URL acts
// as the key's principal until it expires.
func (v *Service) Presign(k AccessKey, method, bucket, key string, expires time.Duration) (PresignedURL, error) {
	b, ok := v.buckets[bucket]
	switch {
	case !ok:
		return PresignedURL{}, ErrNoSuchBucket.at(bucket)
	case expires < time.Second || expires > MaxPresignExpiry:
		return PresignedURL{}, fmt.Errorf("s3: presign %s/%s: expiry %v not in 1s..7d: %w", bucket, key, expires, ErrInvalidConfig)
	case v.keys[k.ID] != k:
		return PresignedURL{}, fmt.Errorf("s3: presign: unknown access key %q: %w", k.ID, ErrInvalidConfig)
	}
	now := v.s.Wall(v.s.Now()).UTC()
	amzDate := now.Format("20060102T150405Z")
	scope := now.Format("20060102") + "/" + b.cfg.Region + "/s3/aws4_request"
	q := url.Values{}
	q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA256")
	q.Set("X-Amz-Credential", k.ID+"/"+scope)
	q.Set("X-Amz-Date", amzDate)
	q.Set("X-Amz-Expires", strconv.Itoa(int(expires/time.Second)))
	q.Set("X-Amz-SignedHeaders", "host")
	u := PresignedURL{Method: method, Host: b.RegionalDomainName(), Path: "/" + awsEscape(key, false)}
	sig := signV4(k.Secret, method, u.Host, u.Path, q, amzDate, scope, b.cfg.Region)
	u.Query = canonicalQuery(q) + "&X-Amz-Signature=" + sig
	return u, nil
}

// signV4 computes a SigV4 signature over the canonical request.
func signV4(secret, method, host, path string, q url.Values, amzDate, scope, region string) string {
	canon := method + "\n" + path + "\n" + canonicalQuery(q) + "\nhost:" + host + "\n\nhost\nUNSIGNED-PAYLOAD"
	sum := sha256.Sum256([]byte(canon))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	k := hmacSHA256([]byte("AWS4"+secret), amzDate[:8])
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, "s3")
	k = hmacSHA256(k, "aws4_request")
	return hex.EncodeToString(hmacSHA256(k, toSign))
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func canonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "X-Amz-Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var sb strings.Builder
	for i, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for j, val := range vals {
			if i > 0 || j > 0 {
				sb.WriteByte('&')
			}
			sb.WriteString(awsEscape(k, true))
			sb.WriteByte('=')
			sb.WriteString(awsEscape(val, true))
		}
	}
	return sb.String()
}

// awsEscape is SigV4's URI encoding: unreserved characters stay, '/' stays
// unless encodeSlash, everything else is %XX.
func awsEscape(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' && !encodeSlash {
			sb.WriteByte(c)
			continue
		}
		sb.WriteByte('%')
		sb.WriteByte(hexDigits[c>>4])
		sb.WriteByte(hexDigits[c&15])
	}
	return sb.String()
}

// verifyPresigned checks a presigned request and returns its principal.
func (b *Bucket) verifyPresigned(req *sim.Request, key string, q url.Values) (Principal, *Error) {
	cred := strings.SplitN(q.Get("X-Amz-Credential"), "/", 2)
	expires, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	switch {
	case q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || len(cred) != 2 || q.Get("X-Amz-SignedHeaders") != "host" || err != nil:
		return "", ErrAuthorizationQueryParameters
	case expires < 1 || time.Duration(expires)*time.Second > MaxPresignExpiry:
		return "", ErrAuthorizationQueryParameters.withMessage("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
	}
	k, ok := b.svc.keys[cred[0]]
	if !ok {
		return "", ErrInvalidAccessKeyID
	}
	signed, terr := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if terr != nil {
		return "", ErrAuthorizationQueryParameters
	}
	host := req.Host
	if host == "" {
		host = b.RegionalDomainName()
	}
	want := signV4(k.Secret, req.Method, host, "/"+awsEscape(key, false), q, q.Get("X-Amz-Date"), cred[1], b.cfg.Region)
	if !hmac.Equal([]byte(want), []byte(q.Get("X-Amz-Signature"))) {
		return "", ErrSignatureDoesNotMatch
	}
	if b.svc.s.Wall(b.svc.s.Now()).After(signed.Add(time.Duration(expires) * time.Second)) {
		return "", ErrAccessDenied.withMessage("Request has expired")
	}
	return k.Principal, nil
}
