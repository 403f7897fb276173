package vpc

import "errors"

// Sentinel errors. Every error the package returns wraps one of these, so
// callers can test with errors.Is; the message names the object and field.
var (
	// ErrInvalidConfig reports a configuration value AWS would reject: a
	// malformed or out-of-range CIDR, an overlap, an AZ outside the region,
	// a duplicate rule number.
	ErrInvalidConfig = errors.New("vpc: invalid configuration")
	// ErrAddressExhausted reports that a subnet has no free private IPv4
	// address left (AWS: InsufficientFreeAddressesInSubnet).
	ErrAddressExhausted = errors.New("vpc: no free address in subnet")
	// ErrLimitExceeded reports that a quota (Limits) would be exceeded.
	ErrLimitExceeded = errors.New("vpc: limit exceeded")
	// ErrDependencyViolation reports a delete of an object others still use
	// (AWS: DependencyViolation).
	ErrDependencyViolation = errors.New("vpc: dependency violation")
	// ErrInvalidState reports an operation the object's state forbids, such
	// as accepting a peering connection that is not pending acceptance.
	ErrInvalidState = errors.New("vpc: invalid state")
	// ErrNotFound reports a reference to an object that does not exist or
	// belongs to another VPC.
	ErrNotFound = errors.New("vpc: not found")
	// ErrPortAllocation reports that a NAT gateway has no source port left
	// for a new connection to a destination (CloudWatch: ErrorPortAllocation).
	ErrPortAllocation = errors.New("vpc: NAT gateway port allocation failed")
	// ErrConnectionReset reports a packet on a NAT gateway connection that
	// expired after Limits.NatIdleTimeout without traffic: AWS answers it
	// with a TCP RST (CloudWatch: IdleTimeoutCount).
	ErrConnectionReset = errors.New("vpc: NAT gateway connection reset after idle timeout")
)
