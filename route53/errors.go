package route53

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Sentinel errors. Every error the package returns wraps one of them, so
// callers can test with errors.Is.
var (
	// ErrInvalidConfig marks a configuration that cannot be built (a knob
	// out of range, a missing field).
	ErrInvalidConfig = errors.New("invalid configuration")
	// ErrInvalidInput is Route 53's InvalidInput: a request parameter is
	// outside its allowed range, such as a TTL above 2147483647.
	ErrInvalidInput = errors.New("InvalidInput")
	// ErrInvalidChangeBatch is Route 53's InvalidChangeBatch: a change batch
	// that would leave the zone invalid; nothing in the batch was applied.
	ErrInvalidChangeBatch = errors.New("InvalidChangeBatch")
	// ErrInvalidDomainName is Route 53's InvalidDomainName.
	ErrInvalidDomainName = errors.New("InvalidDomainName")
	// ErrNoSuchHostedZone is Route 53's NoSuchHostedZone.
	ErrNoSuchHostedZone = errors.New("NoSuchHostedZone")
	// ErrHostedZoneNotEmpty is Route 53's HostedZoneNotEmpty: a zone still
	// holds records other than its SOA and NS.
	ErrHostedZoneNotEmpty = errors.New("HostedZoneNotEmpty")
	// ErrConflictingDomainExists is Route 53's ConflictingDomainExists.
	ErrConflictingDomainExists = errors.New("ConflictingDomainExists")
	// ErrNoSuchHealthCheck is Route 53's NoSuchHealthCheck.
	ErrNoSuchHealthCheck = errors.New("NoSuchHealthCheck")
	// ErrHealthCheckInUse is Route 53's HealthCheckInUse.
	ErrHealthCheckInUse = errors.New("HealthCheckInUse")
	// ErrNoSuchCidrCollection is Route 53's NoSuchCidrCollectionException.
	ErrNoSuchCidrCollection = errors.New("NoSuchCidrCollectionException")
	// ErrLimitExceeded marks a Route 53 or Resolver quota (hosted zones,
	// health checks, CIDR blocks, endpoint IPs).
	ErrLimitExceeded = errors.New("LimitExceeded")
	// ErrResourceNotFound is Route 53 Resolver's ResourceNotFoundException.
	ErrResourceNotFound = errors.New("ResourceNotFoundException")
	// ErrZoneFile marks a BIND zone file that cannot be parsed or imported.
	ErrZoneFile = errors.New("invalid zone file")
)

// InvalidChangeBatchError lists every problem Route 53 found in a change
// batch, with messages worded like the service's. It wraps
// ErrInvalidChangeBatch, or ErrInvalidInput when a value is out of range.
type InvalidChangeBatchError struct {
	// Messages are the individual problems, in change order.
	Messages []string
	// Input reports an InvalidInput problem (a field out of range) rather
	// than a conflict with the zone's contents.
	Input bool
}

// Error joins the messages as Route 53 does: "[msg1, msg2]".
func (e *InvalidChangeBatchError) Error() string {
	code := "InvalidChangeBatch"
	if e.Input {
		code = "InvalidInput"
	}
	return "route53: " + code + ": [" + strings.Join(e.Messages, ", ") + "]"
}

// Is makes errors.Is match the sentinel.
func (e *InvalidChangeBatchError) Is(target error) bool {
	if e.Input {
		return target == ErrInvalidInput
	}
	return target == ErrInvalidChangeBatch
}

// isNil reports whether v is nil or holds a nil pointer or func: an
// interface value that compares non-nil but whose methods would panic
// (a typed nil such as a (*vpc.VPC)(nil) passed as a VPC).
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Func:
		return rv.IsNil()
	}
	return false
}

// nilProblem describes a nil or typed-nil value of field ("VPC is nil",
// "VPC is a nil *vpc.VPC"), or returns "" when v is usable.
func nilProblem(field string, v any) string {
	switch {
	case v == nil:
		return field + " is nil"
	case isNil(v):
		return fmt.Sprintf("%s is a nil %T", field, v)
	}
	return ""
}

// vpcProblem describes why a VPC argument cannot be used: nil, typed nil,
// or an empty ID (which would stand for "no VPC" in Source.VPC). It
// returns "" for a usable VPC.
func vpcProblem(field string, v VPC) string {
	if p := nilProblem(field, v); p != "" {
		return p
	}
	if v.ID() == "" {
		return field + " has an empty ID"
	}
	return ""
}
