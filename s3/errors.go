package s3

import (
	"errors"
	"fmt"
)

// ErrInvalidConfig is wrapped by every error about a malformed Config,
// BucketConfig, lifecycle, website or policy configuration.
var ErrInvalidConfig = errors.New("s3: invalid configuration")

// Error is an S3 error response: an AWS error code with its HTTP status.
// errors.Is matches two *Error values by Code, so callers test
// errors.Is(err, s3.ErrNoSuchKey) whatever bucket or key the error names.
type Error struct {
	// Code is S3's error code, such as "NoSuchKey".
	Code string
	// Status is the HTTP status S3 answers with, such as 404.
	Status int
	// Message is S3's human-readable message.
	Message string
	// Resource names the bucket and key ("bucket/key") when known.
	Resource string
}

// Error formats the error as "s3: Code: Message (Resource)".
func (e *Error) Error() string {
	if e.Resource == "" {
		return fmt.Sprintf("s3: %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("s3: %s: %s (%s)", e.Code, e.Message, e.Resource)
}

// Is reports whether target is an *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// at returns a copy of e that names resource.
func (e *Error) at(resource string) *Error {
	c := *e
	c.Resource = resource
	return &c
}

// withMessage returns a copy of e with a more specific message.
func (e *Error) withMessage(format string, args ...any) *Error {
	c := *e
	c.Message = fmt.Sprintf(format, args...)
	return &c
}

func code(c string, status int, msg string) *Error {
	return &Error{Code: c, Status: status, Message: msg}
}

// The S3 error codes the model answers with. Each is a sentinel for
// errors.Is; the returned errors are copies that name the resource.
var (
	ErrAccessDenied            = code("AccessDenied", 403, "Access Denied")
	ErrBucketAlreadyExists     = code("BucketAlreadyExists", 409, "The requested bucket name is not available")
	ErrBucketAlreadyOwnedByYou = code("BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it")
	ErrBucketNotEmpty          = code("BucketNotEmpty", 409, "The bucket you tried to delete is not empty")
	ErrEntityTooLarge          = code("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size")
	ErrEntityTooSmall          = code("EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size")
	ErrIllegalVersioning       = code("IllegalVersioningConfigurationException", 400, "The versioning configuration specified in the request is invalid")
	ErrInternalError           = code("InternalError", 500, "We encountered an internal error. Please try again")
	ErrInvalidArgument         = code("InvalidArgument", 400, "Invalid argument")
	ErrInvalidBucketName       = code("InvalidBucketName", 400, "The specified bucket is not valid")
	ErrInvalidObjectState      = code("InvalidObjectState", 403, "The operation is not valid for the object's storage class")
	ErrInvalidPart             = code("InvalidPart", 400, "One or more of the specified parts could not be found")
	ErrInvalidPartOrder        = code("InvalidPartOrder", 400, "The list of parts was not in ascending order")
	ErrInvalidRange            = code("InvalidRange", 416, "The requested range is not satisfiable")
	ErrInvalidRequest          = code("InvalidRequest", 400, "Invalid request")
	ErrInvalidStorageClass     = code("InvalidStorageClass", 400, "The storage class you specified is not valid")
	ErrKeyTooLong              = code("KeyTooLongError", 400, "Your key is too long")
	ErrMalformedPolicy         = code("MalformedPolicy", 400, "Policies must be valid JSON")
	ErrMethodNotAllowed        = code("MethodNotAllowed", 405, "The specified method is not allowed against this resource")
	ErrNoSuchBucket            = code("NoSuchBucket", 404, "The specified bucket does not exist")
	ErrNoSuchBucketPolicy      = code("NoSuchBucketPolicy", 404, "The bucket policy does not exist")
	ErrNoSuchKey               = code("NoSuchKey", 404, "The specified key does not exist")
	ErrNoSuchUpload            = code("NoSuchUpload", 404, "The specified multipart upload does not exist")
	ErrNoSuchVersion           = code("NoSuchVersion", 404, "The specified version does not exist")
	ErrNoSuchWebsite           = code("NoSuchWebsiteConfiguration", 404, "The specified bucket does not have a website configuration")
	ErrNotModified             = code("NotModified", 304, "Not Modified")
	ErrPreconditionFailed      = code("PreconditionFailed", 412, "At least one of the preconditions you specified did not hold")
	ErrRestoreInProgress       = code("RestoreAlreadyInProgress", 409, "Object restore is already in progress")
	ErrSignatureDoesNotMatch   = code("SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided")
	ErrServiceUnavailable      = code("ServiceUnavailable", 503, "Service is unable to handle request")
	ErrSlowDown                = code("SlowDown", 503, "Please reduce your request rate")
	ErrTooManyBuckets          = code("TooManyBuckets", 400, "You have attempted to create more buckets than allowed")
)

// Errors of presigned-URL authentication.
var (
	ErrAuthorizationQueryParameters = code("AuthorizationQueryParametersError", 400, "Query-string authentication requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders and X-Amz-Expires parameters")
	ErrInvalidAccessKeyID           = code("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records")
)
