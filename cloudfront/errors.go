package cloudfront

import "errors"

// Sentinel errors callers can test with errors.Is.
var (
	// ErrInvalidConfig wraps every configuration error; the message names
	// the object and field.
	ErrInvalidConfig = errors.New("invalid configuration")
	// ErrTooManyInvalidationsInProgress is returned when an invalidation
	// would exceed 3,000 file paths or 15 wildcard paths in progress.
	ErrTooManyInvalidationsInProgress = errors.New("too many invalidations in progress")
	// ErrInvalidArgument is returned for malformed API input such as an
	// invalidation path that does not start with "/".
	ErrInvalidArgument = errors.New("invalid argument")
)
